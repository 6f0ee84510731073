/* A runaway extension: never returns from its second request. */
#include "service/extension_host/examples/ext_api.h"

EXT_EXPORT("handle") int handle(int request)
{
    volatile int spin = request;
    if (request < 2)
        return request + 100;
    for (;;)
        spin++;
}
