/* An extension with no imports that doubles its request; the QEMU test's client adds it at run time. */
#include "service/extension_host/examples/ext_api.h"

EXT_EXPORT("handle") int handle(int request) { return request * 2; }
