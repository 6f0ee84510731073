/*
 * wasm internals shared by the decoder, the compiler, the interpreter and
 * the runtime. Nothing here is part of the embedding API.
 */
#ifndef SUBSTRATE_LIB_WASM_WASM_IMPL_H
#define SUBSTRATE_LIB_WASM_WASM_IMPL_H

#include "lib/wasm/wasm.h"

#define WASM_PAGE_SIZE 65536u
#define WASM_MAX_PAGES 65536u
/* Implementation limits, far above what real modules use. */
#define WASM_MAX_FUNCS 1000000u
#define WASM_MAX_LOCALS 50000u
#define WASM_MAX_TYPES 1000000u
#define WASM_MAX_TABLE 10000000u
#define WASM_MAX_PARAMS 1000u

void *wasm_alloc(size_t n);   /* zeroed */
void *wasm_realloc(void *p, size_t n);
void wasm_free(void *p);
/* n * size, or NULL if it overflows or the allocator refuses. */
void *wasm_alloc_array(size_t n, size_t size);

typedef struct {
    uint32_t nparams, nresults;
    uint8_t *types; /* params, then results */
} wasm_functype_t;

static inline const uint8_t *wasm_functype_results(const wasm_functype_t *t)
{
    return t->types + t->nparams;
}
bool wasm_functype_equal(const wasm_functype_t *a, const wasm_functype_t *b);

typedef struct {
    uint64_t min, max;
    bool has_max;
} wasm_lim_t;

/* A constant expression, already validated. */
enum { CONST_I32, CONST_I64, CONST_F32, CONST_F64, CONST_REF_NULL, CONST_REF_FUNC, CONST_GLOBAL_GET, CONST_V128 };
typedef struct {
    uint8_t kind;
    uint8_t type;   /* its value type */
    uint64_t value; /* the constant, function index or global index */
    uint64_t value_hi; /* a v128 constant's high half */
} wasm_const_t;

typedef struct {
    const char *module, *name;
    uint32_t module_len, name_len;
    uint8_t kind;
    uint8_t type;     /* table element type / global value type */
    bool mutable_;    /* global */
    uint32_t index;   /* function type index */
    wasm_lim_t lim;   /* table / memory */
} wasm_import_t;

typedef struct {
    const char *name;
    uint32_t name_len;
    uint8_t kind;
    uint32_t index;
} wasm_export_t;

typedef struct {
    uint8_t elem_type;
    wasm_lim_t lim;
} wasm_tabletype_t;

typedef struct {
    uint8_t type;
    bool mutable_;
    wasm_const_t init;
} wasm_globaldef_t;

enum { SEG_ACTIVE, SEG_PASSIVE, SEG_DECLARATIVE };

typedef struct {
    uint8_t mode;
    uint8_t type;
    uint32_t table;
    wasm_const_t offset;
    uint32_t count;
    wasm_const_t *items;
} wasm_elem_t;

typedef struct {
    uint8_t mode;
    uint32_t memory;
    wasm_const_t offset;
    const uint8_t *bytes;
    uint32_t len;
} wasm_data_t;

/* A compiled code cell: an opcode's handler address or an immediate. */
typedef union {
    const void *op;
    uint64_t u64;
    int64_t i64;
    uint32_t u32[2];
} wasm_cell_t;

typedef struct {
    uint32_t type;
    uint32_t nlocals;       /* params included */
    uint8_t *local_types;   /* the non-parameter locals */
    const uint8_t *body;    /* the expression, after the locals */
    size_t body_len;
    wasm_cell_t *code;
    size_t code_len;
    uint32_t frame_slots;   /* locals + the operand stack's high-water mark */
} wasm_funcdef_t;

struct wasm_module {
    uint8_t *bytes;
    size_t len;
    wasm_functype_t *types;
    uint32_t ntypes;
    wasm_import_t *imports;
    uint32_t nimports;
    /* Index spaces: imports first. */
    uint32_t *func_types; /* type index of every function */
    uint32_t nfuncs, nfunc_imports;
    wasm_tabletype_t *tables;
    uint32_t ntables, ntable_imports;
    wasm_lim_t *memories;
    uint32_t nmemories, nmemory_imports;
    wasm_globaldef_t *globals; /* imported ones carry type and mutability only */
    uint32_t nglobals, nglobal_imports;
    wasm_export_t *exports;
    uint32_t nexports;
    bool has_start;
    uint32_t start;
    wasm_elem_t *elems;
    uint32_t nelems;
    wasm_data_t *datas;
    uint32_t ndatas;
    bool has_datacount;
    uint32_t datacount;
    wasm_funcdef_t *funcs; /* the defined functions, nfuncs - nfunc_imports */
    uint8_t *declared_refs; /* per function: may appear in ref.func */
    bool uses_v128;         /* some code keeps v128 values on the stack (wasm_simd.h) */
};

/* Decoding: fills everything except compiled code. */
wasm_result_t wasm_decode(wasm_module_t *m, const char **error);
/* Validates and compiles one defined function. */
wasm_result_t wasm_compile_func(wasm_module_t *m, uint32_t defined_index, const char **error);

/* ---- Runtime objects ---- */

struct wasm_func {
    const wasm_functype_t *type;
    wasm_instance_t *inst;      /* NULL for host functions */
    const wasm_funcdef_t *def;  /* NULL for host functions */
    wasm_host_fn host;
    void *host_ctx;
    wasm_functype_t own_type;   /* a host function's type */
    uint8_t own_types[16];
};

struct wasm_table {
    wasm_value_t *elems;
    uint32_t size, max;
    bool has_max;
    uint8_t elem_type;
};

struct wasm_memory {
    uint8_t *data;
    uint64_t size;       /* bytes */
    uint32_t pages, max_pages;
    bool has_max;
};

struct wasm_global {
    wasm_value_t value;
    uint64_t value_hi; /* a v128's high half */
    uint8_t type;
    bool mutable_;
};

struct wasm_instance {
    wasm_store_t *store;
    const wasm_module_t *module;
    wasm_func_t **funcs;
    wasm_table_t **tables;
    wasm_memory_t *memory;   /* NULL without one */
    wasm_global_t **globals;
    uint8_t *elem_dropped;
    uint8_t *data_dropped;
    void *user;
};

/* A call frame the interpreter keeps outside the value stack. */
typedef struct {
    const wasm_cell_t *ret_pc;
    wasm_value_t *fp;
    wasm_instance_t *inst;
} wasm_frame_t;

typedef struct wasm_object {
    struct wasm_object *next;
} wasm_object_t;

struct wasm_store {
    wasm_limits_t limits;
    wasm_object_t *objects; /* everything allocated for the store */
    uint32_t ninstances;
    wasm_value_t *stack;
    wasm_value_t *stack_hi; /* v128 high halves, parallel to stack; only once a module needs it */
    bool uses_v128;
    wasm_frame_t *frames;
    bool running;
    bool fuel_enabled;
    uint64_t fuel;
    int32_t exit_code;
    void *user;
};

/* Store-owned allocation, freed with the store. */
void *wasm_store_alloc(wasm_store_t *s, size_t n);

/* The interpreter: runs f with its arguments at stack[0..]; results land there too. */
wasm_result_t wasm_interp_run(wasm_store_t *s, wasm_func_t *f);
/* The table of handler addresses the compiler emits, indexed by wasm_op_t. */
const void *const *wasm_interp_handlers(void);

/* Runtime helpers the interpreter shares with the embedding API. */
wasm_result_t wasm_table_init_seg(wasm_instance_t *inst, uint32_t table, uint32_t elem, uint32_t dst,
                                  uint32_t src, uint32_t n);
wasm_result_t wasm_memory_init_seg(wasm_instance_t *inst, uint32_t data, uint32_t dst, uint32_t src,
                                   uint32_t n);
int64_t wasm_memory_grow(wasm_store_t *s, wasm_memory_t *mem, uint32_t delta);
int64_t wasm_table_grow(wasm_store_t *s, wasm_table_t *t, uint32_t delta, wasm_value_t init);
wasm_value_t wasm_const_eval(const wasm_instance_t *inst, const wasm_const_t *c);
uint64_t wasm_const_eval_hi(const wasm_instance_t *inst, const wasm_const_t *c);

#endif
