/*
 * libFuzzer target: decoding, validation and compilation of every function
 * body (wasm_module_load). Any input must give a module or an error.
 */
#include <stdint.h>

#include "lib/wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module_t *m = NULL;
    const char *err;
    if (wasm_module_load(data, size, &m, &err) == WASM_OK)
        wasm_module_free(m);
    return 0;
}
