/*
 * libFuzzer target: the binary decoder alone (sections, imports, exports,
 * segments, constant expressions), without compiling function bodies.
 */
#include <stdint.h>
#include <string.h>

#include "lib/wasm/wasm_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module_t *m = wasm_alloc(sizeof *m);
    if (!m)
        return 0;
    m->bytes = wasm_alloc(size);
    if (m->bytes) {
        if (size)
            memcpy(m->bytes, data, size);
        m->len = size;
        const char *err;
        (void)wasm_decode(m, &err);
    }
    wasm_module_free(m);
    return 0;
}
