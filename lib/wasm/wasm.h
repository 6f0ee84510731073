/*
 * wasm: a WebAssembly 2.0 runtime for user extensions.
 *
 * The embedding API. A module is decoded, validated and compiled once
 * (wasm_module_load); it is then instantiated any number of times inside a
 * store, which owns every runtime object (instances, memories, tables,
 * globals, host functions) and the execution stack, and frees them together.
 *
 * The guest sees none of the host's pointers: references are opaque values,
 * addresses are offsets into the instance's own memory and every access is
 * bounds-checked. Imports resolve only through the embedder's resolver, so
 * a host function the resolver does not hand out cannot be reached at all.
 * Execution stops with an error value, never a crash: traps, call-depth
 * exhaustion and an exhausted fuel budget all return from wasm_call.
 *
 * The library is freestanding: it needs only memcpy/memset/memcmp and the
 * allocator the embedder installs (the C library's by default on a hosted
 * build).
 */
#ifndef SUBSTRATE_LIB_WASM_WASM_H
#define SUBSTRATE_LIB_WASM_WASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    WASM_OK = 0,
    /* Loading. */
    WASM_ERR_MALFORMED,     /* not a well-formed binary */
    WASM_ERR_INVALID,       /* well-formed, but fails validation */
    WASM_ERR_UNLINKABLE,    /* an import is missing or has the wrong type */
    WASM_ERR_NOMEM,         /* the allocator said no */
    WASM_ERR_LIMIT,         /* over an embedder or implementation limit */
    WASM_ERR_ARGS,          /* the embedder passed a bad argument */
    /* Execution. */
    WASM_TRAP_UNREACHABLE,
    WASM_TRAP_MEMORY_OOB,
    WASM_TRAP_TABLE_OOB,
    WASM_TRAP_UNDEFINED_ELEMENT, /* call_indirect past the end of the table */
    WASM_TRAP_DIV_ZERO,
    WASM_TRAP_INT_OVERFLOW,
    WASM_TRAP_INVALID_CONVERSION,
    WASM_TRAP_UNINITIALIZED_ELEMENT,
    WASM_TRAP_INDIRECT_TYPE,
    WASM_TRAP_CALL_DEPTH,   /* call stack exhausted */
    WASM_TRAP_FUEL,         /* the fuel budget ran out */
    WASM_TRAP_HOST,         /* a host function failed */
    WASM_EXIT,              /* a host function asked the guest to stop (proc_exit) */
} wasm_result_t;

const char *wasm_result_str(wasm_result_t r);
static inline bool wasm_is_trap(wasm_result_t r) { return r >= WASM_TRAP_UNREACHABLE; }

/* Value types, with their binary encodings. */
enum {
    WASM_I32 = 0x7f,
    WASM_I64 = 0x7e,
    WASM_F32 = 0x7d,
    WASM_F64 = 0x7c,
    WASM_V128 = 0x7b,
    WASM_FUNCREF = 0x70,
    WASM_EXTERNREF = 0x6f,
};

/* Extern kinds, with their binary encodings. */
enum { WASM_EXTERN_FUNC = 0, WASM_EXTERN_TABLE = 1, WASM_EXTERN_MEMORY = 2, WASM_EXTERN_GLOBAL = 3 };

/*
 * A value in a 64-bit slot: integers as themselves, floats as their bit
 * patterns (so NaN payloads survive), references as opaque handles where 0
 * is null. An externref the embedder passes in is returned unchanged.
 */
typedef uint64_t wasm_value_t;
#define WASM_REF_NULL ((wasm_value_t)0)

typedef struct wasm_module wasm_module_t;
typedef struct wasm_store wasm_store_t;
typedef struct wasm_instance wasm_instance_t;
typedef struct wasm_func wasm_func_t;
typedef struct wasm_table wasm_table_t;
typedef struct wasm_memory wasm_memory_t;
typedef struct wasm_global wasm_global_t;

/* Allocator: realloc(ctx, p, 0) frees p. */
typedef void *(*wasm_realloc_fn)(void *ctx, void *p, size_t size);
void wasm_set_allocator(wasm_realloc_fn fn, void *ctx);

/* ---- Modules ---- */

/*
 * Decodes, validates and compiles a binary module. The bytes are copied.
 * On failure *error_out (if given) points at a static description.
 */
wasm_result_t wasm_module_load(const uint8_t *bytes, size_t len, wasm_module_t **out,
                               const char **error_out);
void wasm_module_free(wasm_module_t *m);

/* A module's imports and exports, for embedders that want to look. */
size_t wasm_module_import_count(const wasm_module_t *m);
size_t wasm_module_export_count(const wasm_module_t *m);
bool wasm_module_import(const wasm_module_t *m, size_t i, const char **module, size_t *module_len,
                        const char **name, size_t *name_len, int *kind);
bool wasm_module_export(const wasm_module_t *m, size_t i, const char **name, size_t *name_len,
                        int *kind);

/* ---- Stores ---- */

typedef struct {
    uint32_t max_call_depth;   /* frames; exceeding it traps WASM_TRAP_CALL_DEPTH */
    uint32_t stack_slots;      /* 64-bit value-stack slots shared by all frames */
    uint32_t max_memory_pages; /* per memory, in 64 KiB pages */
    uint32_t max_table_elems;  /* per table */
    uint32_t max_instances;
} wasm_limits_t;

void wasm_limits_default(wasm_limits_t *limits);
wasm_store_t *wasm_store_new(const wasm_limits_t *limits);
void wasm_store_free(wasm_store_t *s);

/*
 * Fuel: each function entry and each loop iteration costs one unit. With
 * fuel enabled, a call that runs out traps WASM_TRAP_FUEL; the store's fuel
 * is what is left and can be topped up. Disabled (the default), it is not
 * counted.
 */
void wasm_store_set_fuel(wasm_store_t *s, bool enabled, uint64_t fuel);
uint64_t wasm_store_fuel(const wasm_store_t *s);

/* A value the embedder can hang on the store, e.g. for host functions. */
void wasm_store_set_user(wasm_store_t *s, void *user);
void *wasm_store_user(const wasm_store_t *s);

/* ---- Host functions and other externs ---- */

/*
 * A host function reads its arguments from args[0..nparams) and writes its
 * results to results[0..nresults) (the two may overlap: read first). It
 * returns WASM_OK, or an error that stops the guest (WASM_TRAP_HOST or
 * WASM_EXIT after wasm_store_set_exit_code). `caller` is the calling
 * instance; its memory is reached only through the checked accessors below.
 */
typedef wasm_result_t (*wasm_host_fn)(void *ctx, wasm_instance_t *caller, const wasm_value_t *args,
                                      wasm_value_t *results);

/*
 * A host function of the given type, spelled "params:results" with one
 * letter per value: i (i32), I (i64), f (f32), F (f64), r (externref),
 * R (funcref). E.g. "iiii:i" takes four i32 and returns one.
 */
wasm_func_t *wasm_host_func_new(wasm_store_t *s, const char *type, wasm_host_fn fn, void *ctx);
wasm_table_t *wasm_table_new(wasm_store_t *s, int elem_type, uint32_t min, uint32_t max, bool has_max);
wasm_memory_t *wasm_memory_new(wasm_store_t *s, uint32_t min_pages, uint32_t max_pages, bool has_max);
wasm_global_t *wasm_global_new(wasm_store_t *s, int type, bool mutable_, wasm_value_t v);
wasm_value_t wasm_global_get(const wasm_global_t *g);
uint64_t wasm_global_get_hi(const wasm_global_t *g); /* a v128 global's high 64 bits */

typedef struct {
    int kind; /* WASM_EXTERN_* */
    union {
        wasm_func_t *func;
        wasm_table_t *table;
        wasm_memory_t *memory;
        wasm_global_t *global;
    } u;
} wasm_extern_t;

/*
 * The embedder's import resolver: fills *out for an import it grants and
 * returns true, or returns false to refuse it. Instantiation then fails
 * with WASM_ERR_UNLINKABLE; the module gets nothing it was not granted.
 */
typedef bool (*wasm_resolve_fn)(void *ctx, const char *module, size_t module_len, const char *name,
                                size_t name_len, int kind, wasm_extern_t *out);

/* ---- Instances ---- */

/*
 * Instantiates a module: resolves imports, allocates memory, tables and
 * globals, runs element and data segments and the start function. A trap
 * in a segment or the start function returns that trap, and *out may then
 * still hold the partially initialised instance (as the specification
 * keeps it), or NULL.
 */
wasm_result_t wasm_instantiate(wasm_store_t *s, const wasm_module_t *m, wasm_resolve_fn resolve,
                               void *resolve_ctx, wasm_instance_t **out);

/* Looks up an export by name; false if there is none of that kind. */
bool wasm_instance_export(const wasm_instance_t *inst, const char *name, size_t name_len,
                          wasm_extern_t *out);
wasm_func_t *wasm_instance_func(const wasm_instance_t *inst, const char *name);
wasm_memory_t *wasm_instance_memory(const wasm_instance_t *inst);
void *wasm_instance_user(const wasm_instance_t *inst);
void wasm_instance_set_user(wasm_instance_t *inst, void *user);
wasm_store_t *wasm_instance_store(const wasm_instance_t *inst);

/* A function's type. */
uint32_t wasm_func_param_count(const wasm_func_t *f);
uint32_t wasm_func_result_count(const wasm_func_t *f);
int wasm_func_param_type(const wasm_func_t *f, uint32_t i);
int wasm_func_result_type(const wasm_func_t *f, uint32_t i);

/*
 * Calls a function with nargs arguments; on success writes its results.
 * The counts must match the function's type.
 */
wasm_result_t wasm_call(wasm_store_t *s, wasm_func_t *f, const wasm_value_t *args, size_t nargs,
                        wasm_value_t *results, size_t nresults);
/*
 * The same, for functions with v128 parameters or results: a v128's low 64
 * bits travel in args/results, its high 64 bits in the same index of
 * args_hi/results_hi (little-endian lanes; other types ignore them). Either
 * may be NULL, which passes zero high halves / drops them.
 */
wasm_result_t wasm_call_v128(wasm_store_t *s, wasm_func_t *f, const wasm_value_t *args,
                             const wasm_value_t *args_hi, size_t nargs, wasm_value_t *results,
                             wasm_value_t *results_hi, size_t nresults);

/* ---- Memory access for the embedder and host functions (bounds-checked) ---- */

uint64_t wasm_memory_size(const wasm_memory_t *mem); /* bytes */
bool wasm_memory_read(const wasm_memory_t *mem, uint64_t addr, void *dst, size_t len);
bool wasm_memory_write(wasm_memory_t *mem, uint64_t addr, const void *src, size_t len);
/* A view of [addr, addr+len) valid until the guest runs again or grows memory. */
void *wasm_memory_view(wasm_memory_t *mem, uint64_t addr, size_t len);

/* For a host function returning WASM_EXIT. */
void wasm_store_set_exit_code(wasm_store_t *s, int32_t code);
int32_t wasm_store_exit_code(const wasm_store_t *s);

#endif
