/* A well-behaved extension: adds each request to a counter kept by the host. */
#include "service/extension_host/examples/ext_api.h"

EXT_EXPORT("handle") int handle(int request)
{
    int total = ext_kv_get(0) + request;
    ext_kv_put(0, total);
    ext_log_str("counter: added a request");
    return total;
}
