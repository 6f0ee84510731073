/*
 * ext_host: loading extensions, granting host functions, serving requests.
 *
 * The resolver is the whole of an extension's authority: it hands out a
 * host function only if its grant is in h->grants, and every host function
 * checks guest pointers through lib/wasm's bounds-checked accessors. Each
 * request runs with a fresh fuel budget, so a looping extension ends in
 * bounded time; any trap marks the extension stopped, which it stays.
 * Nothing an extension does can stop the host from answering the next
 * request.
 */
#include "service/extension_host/ext_host.h"

#include <string.h>

/* One console line made of up to four parts (NULL parts are skipped). */
static void say(const ext_host_t *h, const char *a, const char *b, const char *c, const char *d)
{
    char line[200];
    size_t n = 0;
    const char *parts[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++)
        for (const char *p = parts[i]; p && *p && n + 2 < sizeof line; p++)
            line[n++] = *p;
    line[n++] = '\n';
    line[n] = '\0';
    h->console(line);
}

static wasm_result_t host_log(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    ext_t *e = ctx;
    char text[121];
    uint32_t len = (uint32_t)args[1];
    (void)res;
    if (len > sizeof text - 1)
        len = sizeof text - 1;
    if (!wasm_memory_read(wasm_instance_memory(caller), (uint32_t)args[0], text, len))
        return WASM_TRAP_HOST;
    for (uint32_t i = 0; i < len; i++)
        if (text[i] < 0x20 || text[i] > 0x7e)
            text[i] = '?';
    text[len] = '\0';
    say(e->host, "ext-host: [", e->name, "] ", text);
    return WASM_OK;
}

static wasm_result_t host_kv_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    ext_t *e = ctx;
    uint32_t key = (uint32_t)args[0];
    (void)caller;
    res[0] = key < EXT_KV_SLOTS ? (uint32_t)e->host->kv[key] : 0;
    return WASM_OK;
}

static wasm_result_t host_kv_put(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    ext_t *e = ctx;
    uint32_t key = (uint32_t)args[0];
    (void)caller, (void)res;
    if (key < EXT_KV_SLOTS)
        e->host->kv[key] = (int32_t)(uint32_t)args[1];
    return WASM_OK;
}

static const struct {
    const char *name, *type;
    uint32_t grant;
    wasm_host_fn fn;
} host_funcs[] = {
    {"log", "ii:", EXT_GRANT_LOG, host_log},
    {"kv_get", "i:i", EXT_GRANT_KV, host_kv_get},
    {"kv_put", "ii:", EXT_GRANT_KV, host_kv_put},
};

static char refused_import[48];

static bool resolve(void *ctx, const char *module, size_t mlen, const char *name, size_t nlen, int kind,
                    wasm_extern_t *out)
{
    ext_t *e = ctx;
    if (kind == WASM_EXTERN_FUNC && mlen == 3 && memcmp(module, "env", 3) == 0) {
        for (size_t i = 0; i < sizeof host_funcs / sizeof host_funcs[0]; i++) {
            if (strlen(host_funcs[i].name) != nlen || memcmp(host_funcs[i].name, name, nlen) != 0)
                continue;
            if (!(e->host->grants & host_funcs[i].grant))
                break;
            out->kind = WASM_EXTERN_FUNC;
            out->u.func = wasm_host_func_new(e->store, host_funcs[i].type, host_funcs[i].fn, e);
            return out->u.func != NULL;
        }
    }
    size_t n = nlen < sizeof refused_import - 1 ? nlen : sizeof refused_import - 1;
    memcpy(refused_import, name, n);
    refused_import[n] = '\0';
    return false;
}

void ext_host_init(ext_host_t *h, uint32_t grants, volatile int32_t *kv, ext_console_fn console)
{
    memset(h, 0, sizeof *h);
    h->grants = kv ? grants : grants & ~(uint32_t)EXT_GRANT_KV;
    h->kv = kv;
    h->console = console;
}

/* A fresh, refused slot named `name`; NULL when the table is full. */
static ext_t *new_slot(ext_host_t *h, const char *name)
{
    if (h->count >= EXT_HOST_MAX)
        return NULL;
    ext_t *e = &h->exts[h->count];
    memset(e, 0, sizeof *e);
    e->host = h;
    size_t n = strlen(name);
    memcpy(e->name, name, n < EXT_NAME_MAX - 1 ? n : EXT_NAME_MAX - 1);
    e->state = EXT_REFUSED;
    return e;
}

int ext_host_refuse(ext_host_t *h, const char *name, const char *why, const char *detail)
{
    ext_t *e = new_slot(h, name);
    say(h, "ext-host: refused '", e ? e->name : name, "': ", why);
    if (detail && *detail)
        say(h, "ext-host:   ", detail, NULL, NULL);
    return e ? (int)h->count++ : -1;
}

int ext_host_find(const ext_host_t *h, const char *name, size_t len)
{
    for (size_t i = 0; i < h->count; i++)
        if (strlen(h->exts[i].name) == len && memcmp(h->exts[i].name, name, len) == 0)
            return (int)i;
    return -1;
}

void ext_host_unload_all(ext_host_t *h)
{
    for (size_t i = 0; i < h->count; i++) {
        ext_t *e = &h->exts[i];
        wasm_store_free(e->store);
        wasm_module_free(e->module);
        memset(e, 0, sizeof *e);
    }
    h->count = 0;
}

size_t ext_host_running(const ext_host_t *h)
{
    size_t n = 0;
    for (size_t i = 0; i < h->count; i++)
        n += h->exts[i].state == EXT_RUNNING;
    return n;
}

int ext_host_load(ext_host_t *h, const char *name, const uint8_t *bytes, size_t len)
{
    const char *err = NULL;
    if (strlen(name) >= EXT_NAME_MAX)
        return ext_host_refuse(h, name, "name too long", NULL);
    ext_t *e = new_slot(h, name);
    if (e == NULL) {
        say(h, "ext-host: refused '", name, "': ", "too many extensions");
        return -1;
    }
    refused_import[0] = '\0';
    wasm_result_t r = wasm_module_load(bytes, len, &e->module, &err);
    if (r != WASM_OK) {
        say(h, "ext-host: refused '", e->name, "': ", err ? err : wasm_result_str(r));
        return (int)h->count++;
    }
    wasm_limits_t limits;
    wasm_limits_default(&limits);
    limits.max_call_depth = 256;
    limits.stack_slots = 8192;
    limits.max_memory_pages = 4;
    limits.max_table_elems = 256;
    limits.max_instances = 1;
    e->store = wasm_store_new(&limits);
    if (e->store)
        r = wasm_instantiate(e->store, e->module, resolve, e, &e->inst);
    if (!e->store || r != WASM_OK) {
        say(h, "ext-host: refused '", e->name, refused_import[0] ? "': import not granted: " : "': ",
            refused_import[0] ? refused_import : wasm_result_str(r));
        return (int)h->count++;
    }
    e->handle = wasm_instance_func(e->inst, "handle");
    if (!e->handle || wasm_func_param_count(e->handle) != 1 || wasm_func_result_count(e->handle) != 1 ||
        wasm_func_param_type(e->handle, 0) != WASM_I32 || wasm_func_result_type(e->handle, 0) != WASM_I32) {
        say(h, "ext-host: refused '", e->name, "': no handle(i32) -> i32 export", NULL);
        return (int)h->count++;
    }
    e->state = EXT_RUNNING;
    say(h, "ext-host: loaded '", e->name, "'", NULL);
    return (int)h->count++;
}

ext_reply_t ext_host_request(ext_host_t *h, uint32_t index, int32_t arg, int32_t *result)
{
    *result = 0;
    if (index >= h->count)
        return EXT_REPLY_NO_SUCH;
    ext_t *e = &h->exts[index];
    if (e->state != EXT_RUNNING)
        return EXT_REPLY_STOPPED;
    wasm_value_t in = (uint32_t)arg, out = 0;
    wasm_store_set_fuel(e->store, true, EXT_FUEL_PER_REQUEST);
    wasm_result_t r = wasm_call(e->store, e->handle, &in, 1, &out, 1);
    e->requests++;
    if (r != WASM_OK) {
        e->state = EXT_STOPPED;
        say(h, "ext-host: stopped '", e->name, "': ", wasm_result_str(r));
        return EXT_REPLY_TRAPPED;
    }
    *result = (int32_t)(uint32_t)out;
    return EXT_REPLY_OK;
}
