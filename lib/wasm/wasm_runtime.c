/*
 * wasm_runtime: modules, stores and instances: the embedding API.
 *
 * Owns the lifetimes: a module owns its bytes and compiled code; a store
 * owns every runtime object made in it and frees them all at once, so an
 * instance can import another instance's functions, tables, memories and
 * globals without reference counting. Instantiation resolves each import
 * only through the embedder's resolver and checks its type before anything
 * is allocated for the instance; limits from wasm_limits_t are applied to
 * every memory and table the store creates or grows.
 *
 * A function reference handed to the guest is the address of a wasm_func_t
 * kept in an opaque 64-bit value; the guest can pass it around but cannot
 * read, forge or do arithmetic on it, as WebAssembly has no instruction
 * that turns a reference into a number.
 */
#include <string.h>

#include "lib/wasm/wasm_impl.h"

#if __STDC_HOSTED__
#include <stdlib.h>
static void *libc_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}
static wasm_realloc_fn allocator = libc_realloc;
#else
static wasm_realloc_fn allocator;
#endif
static void *allocator_ctx;

void wasm_set_allocator(wasm_realloc_fn fn, void *ctx)
{
    allocator = fn;
    allocator_ctx = ctx;
}

void *wasm_realloc(void *p, size_t n)
{
    if (!allocator)
        return NULL;
    if (n == 0)
        n = 1;
    return allocator(allocator_ctx, p, n);
}

void *wasm_alloc(size_t n)
{
    void *p = wasm_realloc(NULL, n);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

void wasm_free(void *p)
{
    if (p && allocator)
        allocator(allocator_ctx, p, 0);
}

void *wasm_alloc_array(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return wasm_alloc(n * size);
}

const char *wasm_result_str(wasm_result_t r)
{
    switch (r) {
    case WASM_OK: return "ok";
    case WASM_ERR_MALFORMED: return "malformed module";
    case WASM_ERR_INVALID: return "invalid module";
    case WASM_ERR_UNLINKABLE: return "unknown import or incompatible import type";
    case WASM_ERR_NOMEM: return "out of memory";
    case WASM_ERR_LIMIT: return "over a resource limit";
    case WASM_ERR_ARGS: return "bad arguments";
    case WASM_TRAP_UNREACHABLE: return "unreachable";
    case WASM_TRAP_MEMORY_OOB: return "out of bounds memory access";
    case WASM_TRAP_TABLE_OOB: return "out of bounds table access";
    case WASM_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case WASM_TRAP_DIV_ZERO: return "integer divide by zero";
    case WASM_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case WASM_TRAP_INDIRECT_TYPE: return "indirect call type mismatch";
    case WASM_TRAP_CALL_DEPTH: return "call stack exhausted";
    case WASM_TRAP_FUEL: return "fuel exhausted";
    case WASM_TRAP_HOST: return "host function failed";
    case WASM_EXIT: return "exit";
    }
    return "unknown error";
}

bool wasm_functype_equal(const wasm_functype_t *a, const wasm_functype_t *b)
{
    return a->nparams == b->nparams && a->nresults == b->nresults &&
           memcmp(a->types, b->types, a->nparams + a->nresults) == 0;
}

/* ---- Modules ---- */

void wasm_module_free(wasm_module_t *m)
{
    if (!m)
        return;
    for (uint32_t i = 0; i < m->ntypes; i++)
        wasm_free(m->types[i].types);
    wasm_free(m->types);
    wasm_free(m->imports);
    wasm_free(m->func_types);
    wasm_free(m->tables);
    wasm_free(m->memories);
    wasm_free(m->globals);
    wasm_free(m->exports);
    for (uint32_t i = 0; i < m->nelems; i++)
        wasm_free(m->elems[i].items);
    wasm_free(m->elems);
    wasm_free(m->datas);
    if (m->funcs) {
        for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
            wasm_free(m->funcs[i].local_types);
            wasm_free(m->funcs[i].code);
        }
    }
    wasm_free(m->funcs);
    wasm_free(m->declared_refs);
    wasm_free(m->bytes);
    wasm_free(m);
}

wasm_result_t wasm_module_load(const uint8_t *bytes, size_t len, wasm_module_t **out, const char **error_out)
{
    const char *error = NULL;
    wasm_result_t r;
    *out = NULL;
    wasm_module_t *m = wasm_alloc(sizeof *m);
    if (!m) {
        error = "out of memory";
        r = WASM_ERR_NOMEM;
        goto out;
    }
    m->bytes = wasm_alloc(len);
    if (!m->bytes) {
        error = "out of memory";
        r = WASM_ERR_NOMEM;
        goto out;
    }
    if (len)
        memcpy(m->bytes, bytes, len);
    m->len = len;
    r = wasm_decode(m, &error);
    for (uint32_t i = 0; r == WASM_OK && i < m->nfuncs - m->nfunc_imports; i++)
        r = wasm_compile_func(m, i, &error);
out:
    if (r == WASM_OK) {
        *out = m;
    } else {
        wasm_module_free(m);
        if (error_out)
            *error_out = error ? error : wasm_result_str(r);
    }
    return r;
}

size_t wasm_module_import_count(const wasm_module_t *m) { return m->nimports; }
size_t wasm_module_export_count(const wasm_module_t *m) { return m->nexports; }

bool wasm_module_import(const wasm_module_t *m, size_t i, const char **module, size_t *module_len,
                        const char **name, size_t *name_len, int *kind)
{
    if (i >= m->nimports)
        return false;
    *module = m->imports[i].module;
    *module_len = m->imports[i].module_len;
    *name = m->imports[i].name;
    *name_len = m->imports[i].name_len;
    *kind = m->imports[i].kind;
    return true;
}

bool wasm_module_export(const wasm_module_t *m, size_t i, const char **name, size_t *name_len, int *kind)
{
    if (i >= m->nexports)
        return false;
    *name = m->exports[i].name;
    *name_len = m->exports[i].name_len;
    *kind = m->exports[i].kind;
    return true;
}

/* ---- Stores ---- */

typedef struct store_object {
    struct store_object *next;
    void (*fini)(void *payload);
    _Alignas(16) unsigned char payload[];
} store_object_t;

void wasm_limits_default(wasm_limits_t *l)
{
    l->max_call_depth = 10000;
    l->stack_slots = 1u << 19;
    l->max_memory_pages = 16384; /* 1 GiB */
    l->max_table_elems = 1u << 20;
    l->max_instances = 10000;
}

wasm_store_t *wasm_store_new(const wasm_limits_t *limits)
{
    wasm_store_t *s = wasm_alloc(sizeof *s);
    if (!s)
        return NULL;
    if (limits)
        s->limits = *limits;
    else
        wasm_limits_default(&s->limits);
    if (s->limits.max_call_depth < 2)
        s->limits.max_call_depth = 2;
    if (s->limits.stack_slots < 64)
        s->limits.stack_slots = 64;
    return s;
}

static void *store_alloc_fini(wasm_store_t *s, size_t n, void (*fini)(void *))
{
    if (n > SIZE_MAX - sizeof(store_object_t))
        return NULL;
    store_object_t *o = wasm_alloc(sizeof *o + n);
    if (!o)
        return NULL;
    o->fini = fini;
    o->next = (store_object_t *)s->objects;
    s->objects = (wasm_object_t *)o;
    return o->payload;
}

void *wasm_store_alloc(wasm_store_t *s, size_t n) { return store_alloc_fini(s, n, NULL); }

void wasm_store_free(wasm_store_t *s)
{
    if (!s)
        return;
    store_object_t *o = (store_object_t *)s->objects;
    while (o) {
        store_object_t *next = o->next;
        if (o->fini)
            o->fini(o->payload);
        wasm_free(o);
        o = next;
    }
    wasm_free(s->stack);
    wasm_free(s->stack_hi);
    wasm_free(s->frames);
    wasm_free(s);
}

void wasm_store_set_fuel(wasm_store_t *s, bool enabled, uint64_t fuel)
{
    s->fuel_enabled = enabled;
    s->fuel = fuel;
}

uint64_t wasm_store_fuel(const wasm_store_t *s) { return s->fuel; }
void wasm_store_set_user(wasm_store_t *s, void *user) { s->user = user; }
void *wasm_store_user(const wasm_store_t *s) { return s->user; }
void wasm_store_set_exit_code(wasm_store_t *s, int32_t code) { s->exit_code = code; }
int32_t wasm_store_exit_code(const wasm_store_t *s) { return s->exit_code; }

/* ---- Runtime objects ---- */

static void memory_fini(void *p) { wasm_free(((wasm_memory_t *)p)->data); }
static void table_fini(void *p) { wasm_free(((wasm_table_t *)p)->elems); }

static bool type_letter(char ch, uint8_t *t)
{
    switch (ch) {
    case 'i': *t = WASM_I32; return true;
    case 'I': *t = WASM_I64; return true;
    case 'f': *t = WASM_F32; return true;
    case 'F': *t = WASM_F64; return true;
    case 'r': *t = WASM_EXTERNREF; return true;
    case 'R': *t = WASM_FUNCREF; return true;
    default: return false;
    }
}

wasm_func_t *wasm_host_func_new(wasm_store_t *s, const char *type, wasm_host_fn fn, void *ctx)
{
    uint8_t types[16];
    uint32_t np = 0, nr = 0;
    bool results = false;
    if (!type || !fn)
        return NULL;
    for (const char *p = type; *p; p++) {
        if (*p == ':') {
            if (results)
                return NULL;
            results = true;
            continue;
        }
        if (np + nr >= sizeof types || !type_letter(*p, &types[np + nr]))
            return NULL;
        if (results)
            nr++;
        else
            np++;
    }
    wasm_func_t *f = wasm_store_alloc(s, sizeof *f);
    if (!f)
        return NULL;
    memcpy(f->own_types, types, np + nr);
    f->own_type.nparams = np;
    f->own_type.nresults = nr;
    f->own_type.types = f->own_types;
    f->type = &f->own_type;
    f->host = fn;
    f->host_ctx = ctx;
    return f;
}

wasm_table_t *wasm_table_new(wasm_store_t *s, int elem_type, uint32_t min, uint32_t max, bool has_max)
{
    if ((elem_type != WASM_FUNCREF && elem_type != WASM_EXTERNREF) || (has_max && max < min) ||
        min > s->limits.max_table_elems)
        return NULL;
    wasm_table_t *t = store_alloc_fini(s, sizeof *t, table_fini);
    if (!t)
        return NULL;
    t->elems = wasm_alloc_array((size_t)min + 1, sizeof *t->elems);
    if (!t->elems)
        return NULL;
    t->size = min;
    t->max = max;
    t->has_max = has_max;
    t->elem_type = (uint8_t)elem_type;
    return t;
}

wasm_memory_t *wasm_memory_new(wasm_store_t *s, uint32_t min, uint32_t max, bool has_max)
{
    if (min > WASM_MAX_PAGES || (has_max && (max < min || max > WASM_MAX_PAGES)) ||
        min > s->limits.max_memory_pages)
        return NULL;
    wasm_memory_t *m = store_alloc_fini(s, sizeof *m, memory_fini);
    if (!m)
        return NULL;
    m->size = (uint64_t)min * WASM_PAGE_SIZE;
    m->data = wasm_alloc(m->size ? m->size : 1);
    if (!m->data)
        return NULL;
    m->pages = min;
    m->max_pages = has_max ? max : WASM_MAX_PAGES;
    m->has_max = has_max;
    return m;
}

wasm_global_t *wasm_global_new(wasm_store_t *s, int type, bool mutable_, wasm_value_t v)
{
    wasm_global_t *g = wasm_store_alloc(s, sizeof *g);
    if (!g)
        return NULL;
    g->type = (uint8_t)type;
    g->mutable_ = mutable_;
    g->value = v;
    return g;
}

wasm_value_t wasm_global_get(const wasm_global_t *g) { return g->value; }
uint64_t wasm_global_get_hi(const wasm_global_t *g) { return g->value_hi; }

int64_t wasm_memory_grow(wasm_store_t *s, wasm_memory_t *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    uint64_t want = (uint64_t)old + delta;
    if (want > mem->max_pages || want > s->limits.max_memory_pages)
        return -1;
    if (delta == 0)
        return old;
    uint64_t bytes = want * WASM_PAGE_SIZE;
    if (bytes > SIZE_MAX)
        return -1;
    uint8_t *p = wasm_realloc(mem->data, (size_t)bytes);
    if (!p)
        return -1;
    memset(p + mem->size, 0, (size_t)(bytes - mem->size));
    mem->data = p;
    mem->size = bytes;
    mem->pages = (uint32_t)want;
    return old;
}

int64_t wasm_table_grow(wasm_store_t *s, wasm_table_t *t, uint32_t delta, wasm_value_t init)
{
    uint32_t old = t->size;
    uint64_t want = (uint64_t)old + delta;
    if ((t->has_max && want > t->max) || want > s->limits.max_table_elems || want > UINT32_MAX)
        return -1;
    if (delta == 0)
        return old;
    wasm_value_t *p = wasm_realloc(t->elems, (size_t)(want + 1) * sizeof *p);
    if (!p)
        return -1;
    for (uint64_t i = old; i < want; i++)
        p[i] = init;
    t->elems = p;
    t->size = (uint32_t)want;
    return old;
}

uint64_t wasm_memory_size(const wasm_memory_t *mem) { return mem ? mem->size : 0; }

bool wasm_memory_read(const wasm_memory_t *mem, uint64_t addr, void *dst, size_t len)
{
    if (!mem || addr > mem->size || len > mem->size - addr)
        return false;
    memcpy(dst, mem->data + addr, len);
    return true;
}

bool wasm_memory_write(wasm_memory_t *mem, uint64_t addr, const void *src, size_t len)
{
    if (!mem || addr > mem->size || len > mem->size - addr)
        return false;
    memcpy(mem->data + addr, src, len);
    return true;
}

void *wasm_memory_view(wasm_memory_t *mem, uint64_t addr, size_t len)
{
    if (!mem || addr > mem->size || len > mem->size - addr)
        return NULL;
    return mem->data + addr;
}

/* ---- Instances ---- */

wasm_value_t wasm_const_eval(const wasm_instance_t *inst, const wasm_const_t *c)
{
    switch (c->kind) {
    case CONST_REF_NULL: return 0;
    case CONST_REF_FUNC: return (wasm_value_t)(uintptr_t)inst->funcs[c->value];
    case CONST_GLOBAL_GET: return inst->globals[c->value]->value;
    default: return c->value;
    }
}

uint64_t wasm_const_eval_hi(const wasm_instance_t *inst, const wasm_const_t *c)
{
    if (c->kind == CONST_GLOBAL_GET)
        return inst->globals[c->value]->value_hi;
    return c->kind == CONST_V128 ? c->value_hi : 0;
}

wasm_result_t wasm_table_init_seg(wasm_instance_t *inst, uint32_t table, uint32_t elem, uint32_t dst,
                                  uint32_t src, uint32_t n)
{
    wasm_table_t *t = inst->tables[table];
    const wasm_elem_t *e = &inst->module->elems[elem];
    uint32_t count = inst->elem_dropped[elem] ? 0 : e->count;
    if ((uint64_t)src + n > count || (uint64_t)dst + n > t->size)
        return WASM_TRAP_TABLE_OOB;
    for (uint32_t i = 0; i < n; i++)
        t->elems[dst + i] = wasm_const_eval(inst, &e->items[src + i]);
    return WASM_OK;
}

wasm_result_t wasm_memory_init_seg(wasm_instance_t *inst, uint32_t data, uint32_t dst, uint32_t src, uint32_t n)
{
    wasm_memory_t *mem = inst->memory;
    const wasm_data_t *d = &inst->module->datas[data];
    uint32_t len = inst->data_dropped[data] ? 0 : d->len;
    if ((uint64_t)src + n > len || (uint64_t)dst + n > mem->size)
        return WASM_TRAP_MEMORY_OOB;
    if (n)
        memcpy(mem->data + dst, d->bytes + src, n);
    return WASM_OK;
}

static bool limits_match(uint64_t have_min, bool have_has_max, uint64_t have_max, const wasm_lim_t *want)
{
    if (have_min < want->min)
        return false;
    if (want->has_max && (!have_has_max || have_max > want->max))
        return false;
    return true;
}

static wasm_result_t link_import(const wasm_module_t *m, const wasm_import_t *im, const wasm_extern_t *ext)
{
    if (ext->kind != im->kind)
        return WASM_ERR_UNLINKABLE;
    switch (im->kind) {
    case WASM_EXTERN_FUNC:
        if (!ext->u.func || !wasm_functype_equal(ext->u.func->type, &m->types[im->index]))
            return WASM_ERR_UNLINKABLE;
        return WASM_OK;
    case WASM_EXTERN_TABLE: {
        const wasm_table_t *t = ext->u.table;
        if (!t || t->elem_type != im->type || !limits_match(t->size, t->has_max, t->max, &im->lim))
            return WASM_ERR_UNLINKABLE;
        return WASM_OK;
    }
    case WASM_EXTERN_MEMORY: {
        const wasm_memory_t *mem = ext->u.memory;
        if (!mem || !limits_match(mem->pages, mem->has_max, mem->max_pages, &im->lim))
            return WASM_ERR_UNLINKABLE;
        return WASM_OK;
    }
    default: {
        const wasm_global_t *g = ext->u.global;
        if (!g || g->type != im->type || g->mutable_ != im->mutable_)
            return WASM_ERR_UNLINKABLE;
        return WASM_OK;
    }
    }
}

static wasm_result_t run_start(wasm_store_t *s, wasm_instance_t *inst)
{
    const wasm_module_t *m = inst->module;
    /* Active and declarative element segments, then data segments, in order. */
    for (uint32_t i = 0; i < m->nelems; i++) {
        const wasm_elem_t *e = &m->elems[i];
        if (e->mode == SEG_ACTIVE) {
            uint32_t off = (uint32_t)wasm_const_eval(inst, &e->offset);
            wasm_result_t r = wasm_table_init_seg(inst, e->table, i, off, 0, e->count);
            if (r != WASM_OK)
                return r;
        }
        if (e->mode != SEG_PASSIVE)
            inst->elem_dropped[i] = 1;
    }
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const wasm_data_t *d = &m->datas[i];
        if (d->mode != SEG_ACTIVE)
            continue;
        uint32_t off = (uint32_t)wasm_const_eval(inst, &d->offset);
        wasm_result_t r = wasm_memory_init_seg(inst, i, off, 0, d->len);
        if (r != WASM_OK)
            return r;
        inst->data_dropped[i] = 1;
    }
    if (m->has_start)
        return wasm_call(s, inst->funcs[m->start], NULL, 0, NULL, 0);
    return WASM_OK;
}

wasm_result_t wasm_instantiate(wasm_store_t *s, const wasm_module_t *m, wasm_resolve_fn resolve, void *ctx,
                               wasm_instance_t **out)
{
    *out = NULL;
    if (s->ninstances >= s->limits.max_instances)
        return WASM_ERR_LIMIT;
    /* Check first: every import must be granted and fit, before anything is made. */
    wasm_extern_t *ext = wasm_alloc_array((size_t)m->nimports + 1, sizeof *ext);
    if (!ext)
        return WASM_ERR_NOMEM;
    wasm_result_t r = WASM_OK;
    for (uint32_t i = 0; i < m->nimports && r == WASM_OK; i++) {
        const wasm_import_t *im = &m->imports[i];
        if (!resolve || !resolve(ctx, im->module, im->module_len, im->name, im->name_len, im->kind, &ext[i]))
            r = WASM_ERR_UNLINKABLE;
        else
            r = link_import(m, im, &ext[i]);
    }
    for (uint32_t i = m->nmemory_imports; r == WASM_OK && i < m->nmemories; i++)
        if (m->memories[i].min > s->limits.max_memory_pages)
            r = WASM_ERR_LIMIT;
    for (uint32_t i = m->ntable_imports; r == WASM_OK && i < m->ntables; i++)
        if (m->tables[i].lim.min > s->limits.max_table_elems)
            r = WASM_ERR_LIMIT;
    if (r != WASM_OK)
        goto out;

    r = WASM_ERR_NOMEM;
    wasm_instance_t *inst = wasm_store_alloc(s, sizeof *inst);
    if (!inst)
        goto out;
    inst->store = s;
    inst->module = m;
    inst->funcs = wasm_store_alloc(s, ((size_t)m->nfuncs + 1) * sizeof(void *));
    inst->tables = wasm_store_alloc(s, ((size_t)m->ntables + 1) * sizeof(void *));
    inst->globals = wasm_store_alloc(s, ((size_t)m->nglobals + 1) * sizeof(void *));
    inst->elem_dropped = wasm_store_alloc(s, (size_t)m->nelems + 1);
    inst->data_dropped = wasm_store_alloc(s, (size_t)m->ndatas + 1);
    if (!inst->funcs || !inst->tables || !inst->globals || !inst->elem_dropped || !inst->data_dropped)
        goto out;
    uint32_t fi = 0, ti = 0, mi = 0, gi = 0;
    for (uint32_t i = 0; i < m->nimports; i++) {
        switch (m->imports[i].kind) {
        case WASM_EXTERN_FUNC: inst->funcs[fi++] = ext[i].u.func; break;
        case WASM_EXTERN_TABLE: inst->tables[ti++] = ext[i].u.table; break;
        case WASM_EXTERN_MEMORY: inst->memory = ext[i].u.memory; mi++; break;
        default: inst->globals[gi++] = ext[i].u.global; break;
        }
    }
    for (; fi < m->nfuncs; fi++) {
        wasm_func_t *f = wasm_store_alloc(s, sizeof *f);
        if (!f)
            goto out;
        f->def = &m->funcs[fi - m->nfunc_imports];
        f->type = &m->types[m->func_types[fi]];
        f->inst = inst;
        inst->funcs[fi] = f;
    }
    for (; ti < m->ntables; ti++) {
        const wasm_tabletype_t *tt = &m->tables[ti];
        inst->tables[ti] = wasm_table_new(s, tt->elem_type, (uint32_t)tt->lim.min, (uint32_t)tt->lim.max,
                                          tt->lim.has_max);
        if (!inst->tables[ti])
            goto out;
    }
    for (; mi < m->nmemories; mi++) {
        const wasm_lim_t *l = &m->memories[mi];
        inst->memory = wasm_memory_new(s, (uint32_t)l->min, (uint32_t)l->max, l->has_max);
        if (!inst->memory)
            goto out;
    }
    for (; gi < m->nglobals; gi++) {
        const wasm_globaldef_t *g = &m->globals[gi];
        inst->globals[gi] = wasm_global_new(s, g->type, g->mutable_, wasm_const_eval(inst, &g->init));
        if (!inst->globals[gi])
            goto out;
        inst->globals[gi]->value_hi = wasm_const_eval_hi(inst, &g->init);
    }
    s->uses_v128 |= m->uses_v128;
    s->ninstances++;
    *out = inst;
    r = run_start(s, inst);
out:
    wasm_free(ext);
    return r;
}

bool wasm_instance_export(const wasm_instance_t *inst, const char *name, size_t len, wasm_extern_t *out)
{
    const wasm_module_t *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const wasm_export_t *e = &m->exports[i];
        if (e->name_len != len || memcmp(e->name, name, len) != 0)
            continue;
        out->kind = e->kind;
        switch (e->kind) {
        case WASM_EXTERN_FUNC: out->u.func = inst->funcs[e->index]; break;
        case WASM_EXTERN_TABLE: out->u.table = inst->tables[e->index]; break;
        case WASM_EXTERN_MEMORY: out->u.memory = inst->memory; break;
        default: out->u.global = inst->globals[e->index]; break;
        }
        return true;
    }
    return false;
}

wasm_func_t *wasm_instance_func(const wasm_instance_t *inst, const char *name)
{
    wasm_extern_t e;
    if (!wasm_instance_export(inst, name, strlen(name), &e) || e.kind != WASM_EXTERN_FUNC)
        return NULL;
    return e.u.func;
}

wasm_memory_t *wasm_instance_memory(const wasm_instance_t *inst) { return inst->memory; }
void *wasm_instance_user(const wasm_instance_t *inst) { return inst->user; }
void wasm_instance_set_user(wasm_instance_t *inst, void *user) { inst->user = user; }
wasm_store_t *wasm_instance_store(const wasm_instance_t *inst) { return inst->store; }

uint32_t wasm_func_param_count(const wasm_func_t *f) { return f->type->nparams; }
uint32_t wasm_func_result_count(const wasm_func_t *f) { return f->type->nresults; }
int wasm_func_param_type(const wasm_func_t *f, uint32_t i) { return i < f->type->nparams ? f->type->types[i] : 0; }

int wasm_func_result_type(const wasm_func_t *f, uint32_t i)
{
    return i < f->type->nresults ? wasm_functype_results(f->type)[i] : 0;
}

wasm_result_t wasm_call(wasm_store_t *s, wasm_func_t *f, const wasm_value_t *args, size_t nargs,
                        wasm_value_t *results, size_t nresults)
{
    return wasm_call_v128(s, f, args, NULL, nargs, results, NULL, nresults);
}

wasm_result_t wasm_call_v128(wasm_store_t *s, wasm_func_t *f, const wasm_value_t *args,
                             const wasm_value_t *args_hi, size_t nargs, wasm_value_t *results,
                             wasm_value_t *results_hi, size_t nresults)
{
    if (!s || !f || nargs != f->type->nparams || nresults != f->type->nresults || s->running)
        return WASM_ERR_ARGS;
    if (f->inst && f->inst->store != s)
        return WASM_ERR_ARGS;
    if (!s->stack) {
        s->stack = wasm_alloc_array(s->limits.stack_slots, sizeof *s->stack);
        s->frames = wasm_alloc_array(s->limits.max_call_depth, sizeof *s->frames);
        if (!s->stack || !s->frames) {
            wasm_free(s->stack);
            wasm_free(s->frames);
            s->stack = NULL;
            s->frames = NULL;
            return WASM_ERR_NOMEM;
        }
    }
    if ((s->uses_v128 || args_hi || results_hi) && !s->stack_hi) {
        s->stack_hi = wasm_alloc_array(s->limits.stack_slots, sizeof *s->stack_hi);
        if (!s->stack_hi)
            return WASM_ERR_NOMEM;
    }
    size_t need = nargs > nresults ? nargs : nresults;
    if (need > s->limits.stack_slots)
        return WASM_ERR_LIMIT;
    if (nargs)
        memcpy(s->stack, args, nargs * sizeof *args);
    if (nargs && args_hi)
        memcpy(s->stack_hi, args_hi, nargs * sizeof *args_hi);
    else if (nargs && s->stack_hi)
        memset(s->stack_hi, 0, nargs * sizeof *s->stack_hi);
    s->running = true;
    wasm_result_t r = wasm_interp_run(s, f);
    s->running = false;
    if (r == WASM_OK && nresults)
        memcpy(results, s->stack, nresults * sizeof *results);
    if (r == WASM_OK && nresults && results_hi)
        memcpy(results_hi, s->stack_hi, nresults * sizeof *results_hi);
    return r;
}
