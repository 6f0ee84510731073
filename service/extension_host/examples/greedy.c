/* An extension that asks for a host function no one grants it: it must not load. */
#include "service/extension_host/examples/ext_api.h"

__attribute__((import_module("env"), import_name("spawn_process"))) int spawn_process(int what);

EXT_EXPORT("handle") int handle(int request) { return spawn_process(request); }
