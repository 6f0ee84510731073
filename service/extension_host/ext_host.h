/*
 * ext_host: runs user extensions, WebAssembly modules, on behalf of a
 * protection domain. Plain C over lib/wasm; the PD wrapper (ext_host_pd.c)
 * only supplies the console, the grants and the requests.
 *
 * Each extension gets its own store, so its memory, stack, call depth and
 * fuel are its own. It may import only the host functions of the grants
 * the host was given (see examples/ext_api.h); a module that asks for more
 * is refused at load. A request that traps or runs out of fuel stops that
 * extension and is reported; the others keep being served. A stopped
 * extension stays stopped until the embedder unloads everything and loads
 * afresh (a reload).
 */
#ifndef SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_HOST_H
#define SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/wasm/wasm.h"

#define EXT_HOST_MAX 16
#define EXT_NAME_MAX 24
#define EXT_KV_SLOTS 16
#define EXT_FUEL_PER_REQUEST 1000000u

enum { EXT_GRANT_LOG = 1u << 0, EXT_GRANT_KV = 1u << 1 };

/* Reply status of a request (the PD's reply label). */
typedef enum {
    EXT_REPLY_OK = 0,
    EXT_REPLY_TRAPPED = 1, /* this request trapped or ran out of fuel; the extension is now stopped */
    EXT_REPLY_STOPPED = 2, /* the extension was stopped earlier, or never loaded */
    EXT_REPLY_NO_SUCH = 3,
} ext_reply_t;

typedef enum { EXT_RUNNING, EXT_STOPPED, EXT_REFUSED } ext_state_t;

typedef void (*ext_console_fn)(const char *text);

typedef struct ext_host ext_host_t;

typedef struct {
    ext_host_t *host;
    char name[EXT_NAME_MAX];
    ext_state_t state;
    wasm_module_t *module;
    wasm_store_t *store;
    wasm_instance_t *inst;
    wasm_func_t *handle;
    uint32_t requests;
} ext_t;

struct ext_host {
    ext_t exts[EXT_HOST_MAX];
    size_t count;
    uint32_t grants;
    volatile int32_t *kv; /* EXT_KV_SLOTS values, in the kv grant's region; NULL without it */
    ext_console_fn console;
};

void ext_host_init(ext_host_t *h, uint32_t grants, volatile int32_t *kv, ext_console_fn console);
/* Loads and instantiates an extension; returns its index, also when refused (state says so). */
int ext_host_load(ext_host_t *h, const char *name, const uint8_t *bytes, size_t len);
ext_reply_t ext_host_request(ext_host_t *h, uint32_t index, int32_t arg, int32_t *result);
/* Records an extension that could not even be offered for loading (one console line says why). */
int ext_host_refuse(ext_host_t *h, const char *name, const char *why, const char *detail);
/* The index of the extension called `name` (len bytes), or -1. */
int ext_host_find(const ext_host_t *h, const char *name, size_t len);
/* Frees every extension's store and module; the host is empty, its grants kept. */
void ext_host_unload_all(ext_host_t *h);
/* How many extensions are running. */
size_t ext_host_running(const ext_host_t *h);

#endif
