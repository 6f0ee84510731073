/*
 * libFuzzer target: load, instantiate (segments, start function) and call
 * every exported function with zero arguments, under tight limits and a
 * fuel budget so that hostile modules end quickly. Imports named env.f of
 * type [] -> [] are granted; anything else is refused.
 */
#include <stdint.h>
#include <string.h>

#include "lib/wasm/wasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static wasm_result_t nop(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *results)
{
    (void)ctx, (void)caller, (void)args, (void)results;
    return WASM_OK;
}

static bool resolve(void *ctx, const char *module, size_t mlen, const char *name, size_t nlen, int kind,
                    wasm_extern_t *out)
{
    if (kind != WASM_EXTERN_FUNC || mlen != 3 || memcmp(module, "env", 3) != 0 || nlen != 1 || name[0] != 'f')
        return false;
    out->kind = WASM_EXTERN_FUNC;
    out->u.func = wasm_host_func_new(ctx, ":", nop, NULL);
    return out->u.func != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    wasm_module_t *m = NULL;
    const char *err;
    if (wasm_module_load(data, size, &m, &err) != WASM_OK)
        return 0;
    wasm_limits_t limits;
    wasm_limits_default(&limits);
    limits.max_memory_pages = 16;
    limits.max_table_elems = 10000;
    limits.max_call_depth = 200;
    limits.stack_slots = 1u << 16;
    wasm_store_t *s = wasm_store_new(&limits);
    wasm_instance_t *inst = NULL;
    if (s) {
        wasm_store_set_fuel(s, true, 100000);
        wasm_result_t r = wasm_instantiate(s, m, resolve, s, &inst);
        for (size_t i = 0; r == WASM_OK && i < wasm_module_export_count(m); i++) {
            const char *name;
            size_t len;
            int kind;
            wasm_extern_t e;
            if (!wasm_module_export(m, i, &name, &len, &kind) || kind != WASM_EXTERN_FUNC ||
                !wasm_instance_export(inst, name, len, &e))
                continue;
            wasm_value_t vals[16] = {0};
            uint32_t np = wasm_func_param_count(e.u.func), nr = wasm_func_result_count(e.u.func);
            if (np > 16 || nr > 16)
                continue;
            wasm_store_set_fuel(s, true, 100000);
            (void)wasm_call(s, e.u.func, vals, np, vals, nr);
        }
    }
    wasm_store_free(s);
    wasm_module_free(m);
    return 0;
}
