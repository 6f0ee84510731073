/* A faulty extension: answers the first request, then reads far outside its memory. */
#include "service/extension_host/examples/ext_api.h"

EXT_EXPORT("handle") int handle(int request)
{
    if (request < 2)
        return request * 10;
    volatile int *far = (volatile int *)0x7ffffff0;
    return *far;
}
