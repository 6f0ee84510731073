/*
 * wasm_decode: the binary format, from bytes to a module description.
 *
 * Owns the reading of every section except function bodies, which the
 * compiler validates and translates one at a time. Every length and index
 * is checked against the bytes that remain and against the index spaces
 * declared so far, so the module this produces only ever points inside its
 * own copy of the bytes. A failure reports malformed (the bytes do not
 * decode) or invalid (they decode but break a validation rule) and leaves
 * cleanup to wasm_module_free, which copes with a half-filled module.
 */
#include <string.h>

#include "lib/wasm/wasm_impl.h"
#include "lib/wasm/wasm_reader.h"

static bool utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        size_t extra;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            extra = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            extra = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            extra = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (n - i <= extra)
            return false;
        for (size_t k = 1; k <= extra; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000))
            return false;
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += extra + 1;
    }
    return true;
}

static bool read_name(wasm_reader_t *r, const char **name, uint32_t *len)
{
    uint32_t n;
    if (!rd_u32(r, &n))
        return false;
    if (n > (size_t)(r->end - r->p))
        return rd_fail(r, WASM_ERR_MALFORMED, "unexpected end");
    if (!utf8_valid(r->p, n))
        return rd_fail(r, WASM_ERR_MALFORMED, "malformed UTF-8 encoding");
    *name = (const char *)r->p;
    *len = n;
    r->p += n;
    return true;
}

bool wasm_read_valtype(wasm_reader_t *r, uint8_t *t)
{
    uint8_t b;
    *t = 0;
    if (!rd_byte(r, &b))
        return false;
    switch (b) {
    case WASM_I32: case WASM_I64: case WASM_F32: case WASM_F64: case WASM_V128:
    case WASM_FUNCREF: case WASM_EXTERNREF:
        *t = b;
        return true;
    default:
        return rd_fail(r, WASM_ERR_MALFORMED, "malformed value type");
    }
}

static bool read_reftype(wasm_reader_t *r, uint8_t *t)
{
    uint8_t b;
    *t = 0;
    if (!rd_byte(r, &b))
        return false;
    if (b != WASM_FUNCREF && b != WASM_EXTERNREF)
        return rd_fail(r, WASM_ERR_MALFORMED, "malformed reference type");
    *t = b;
    return true;
}

static bool read_limits(wasm_reader_t *r, wasm_lim_t *lim, uint64_t bound, const char *what)
{
    uint8_t flag;
    uint32_t v;
    if (!rd_byte(r, &flag))
        return false;
    if (flag > 1)
        return rd_fail(r, WASM_ERR_MALFORMED, "integer too large");
    if (!rd_u32(r, &v))
        return false;
    lim->min = v;
    lim->has_max = flag == 1;
    lim->max = 0;
    if (lim->has_max) {
        if (!rd_u32(r, &v))
            return false;
        lim->max = v;
    }
    if (lim->min > bound || (lim->has_max && lim->max > bound))
        return rd_fail(r, WASM_ERR_INVALID, what);
    if (lim->has_max && lim->max < lim->min)
        return rd_fail(r, WASM_ERR_INVALID, "size minimum must not be greater than maximum");
    return true;
}

static bool read_memtype(wasm_reader_t *r, wasm_lim_t *lim)
{
    return read_limits(r, lim, WASM_MAX_PAGES, "memory size must be at most 65536 pages (4GiB)");
}

static bool read_tabletype(wasm_reader_t *r, wasm_tabletype_t *t)
{
    if (!read_reftype(r, &t->elem_type))
        return false;
    return read_limits(r, &t->lim, UINT32_MAX, "table size");
}

static bool read_globaltype(wasm_reader_t *r, uint8_t *type, bool *mut)
{
    uint8_t m;
    if (!wasm_read_valtype(r, type) || !rd_byte(r, &m))
        return false;
    if (m > 1)
        return rd_fail(r, WASM_ERR_MALFORMED, "malformed mutability");
    *mut = m == 1;
    return true;
}

/* A constant expression of type `want`. */
static bool read_const(wasm_reader_t *r, wasm_module_t *m, uint8_t want, wasm_const_t *c)
{
    uint8_t op, end;
    uint32_t idx;
    if (!rd_byte(r, &op))
        return false;
    switch (op) {
    case 0x41: {
        int32_t v;
        if (!rd_s32(r, &v))
            return false;
        c->kind = CONST_I32, c->type = WASM_I32, c->value = (uint32_t)v;
        break;
    }
    case 0x42: {
        int64_t v;
        if (!rd_s64(r, &v))
            return false;
        c->kind = CONST_I64, c->type = WASM_I64, c->value = (uint64_t)v;
        break;
    }
    case 0x43: {
        uint32_t v;
        if (!rd_fixed32(r, &v))
            return false;
        c->kind = CONST_F32, c->type = WASM_F32, c->value = v;
        break;
    }
    case 0x44: {
        uint64_t v;
        if (!rd_fixed64(r, &v))
            return false;
        c->kind = CONST_F64, c->type = WASM_F64, c->value = v;
        break;
    }
    case 0xfd: {
        /* v128.const, the only SIMD constant instruction. */
        uint32_t sub;
        if (!rd_u32(r, &sub))
            return false;
        if (sub != 12)
            return rd_fail(r, WASM_ERR_INVALID, "constant expression required");
        if (!rd_fixed64(r, &c->value) || !rd_fixed64(r, &c->value_hi))
            return false;
        c->kind = CONST_V128, c->type = WASM_V128;
        break;
    }
    case 0xd0: {
        uint8_t t;
        if (!read_reftype(r, &t))
            return false;
        c->kind = CONST_REF_NULL, c->type = t, c->value = 0;
        break;
    }
    case 0xd2:
        if (!rd_u32(r, &idx))
            return false;
        if (idx >= m->nfuncs)
            return rd_fail(r, WASM_ERR_INVALID, "unknown function");
        m->declared_refs[idx] = 1;
        c->kind = CONST_REF_FUNC, c->type = WASM_FUNCREF, c->value = idx;
        break;
    case 0x23:
        if (!rd_u32(r, &idx))
            return false;
        if (idx >= m->nglobal_imports)
            return rd_fail(r, WASM_ERR_INVALID, "unknown global");
        if (m->globals[idx].mutable_)
            return rd_fail(r, WASM_ERR_INVALID, "constant expression required");
        c->kind = CONST_GLOBAL_GET, c->type = m->globals[idx].type, c->value = idx;
        break;
    case 0x0b:
        return rd_fail(r, WASM_ERR_INVALID, "type mismatch");
    default:
        return rd_fail(r, WASM_ERR_INVALID, "constant expression required");
    }
    if (!rd_byte(r, &end))
        return false;
    if (end != 0x0b)
        return rd_fail(r, WASM_ERR_INVALID, end == 0x41 || end == 0x42 || end == 0x43 || end == 0x44 ||
                                                    end == 0x23 || end == 0xd0 || end == 0xd2 || end == 0xfd
                                                ? "type mismatch"
                                                : "constant expression required");
    if (c->type != want)
        return rd_fail(r, WASM_ERR_INVALID, "type mismatch");
    return true;
}

static bool read_count(wasm_reader_t *r, uint32_t *n, uint32_t limit)
{
    if (!rd_u32(r, n))
        return false;
    /* Every entry takes at least one byte, so a count beyond the bytes left is malformed. */
    if (*n > (size_t)(r->end - r->p))
        return rd_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
    if (*n > limit)
        return rd_fail(r, WASM_ERR_LIMIT, "too many entries");
    return true;
}

static bool sec_types(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_TYPES))
        return false;
    m->types = wasm_alloc_array(n ? n : 1, sizeof *m->types);
    if (!m->types)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint8_t form;
        uint32_t np, nr;
        wasm_functype_t *t = &m->types[i];
        if (!rd_byte(r, &form))
            return false;
        if (form != 0x60)
            return rd_fail(r, WASM_ERR_MALFORMED, "integer representation too long");
        if (!read_count(r, &np, WASM_MAX_PARAMS))
            return false;
        const uint8_t *pp = r->p;
        for (uint32_t k = 0; k < np; k++) {
            uint8_t vt;
            if (!wasm_read_valtype(r, &vt))
                return false;
        }
        if (!read_count(r, &nr, WASM_MAX_PARAMS))
            return false;
        const uint8_t *rp = r->p;
        for (uint32_t k = 0; k < nr; k++) {
            uint8_t vt;
            if (!wasm_read_valtype(r, &vt))
                return false;
        }
        t->types = wasm_alloc(np + nr + 1);
        if (!t->types)
            return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
        memcpy(t->types, pp, np);
        memcpy(t->types + np, rp, nr);
        t->nparams = np;
        t->nresults = nr;
        m->ntypes = i + 1;
    }
    return true;
}

static bool grow_index(wasm_reader_t *r, void **arr, uint32_t have, uint32_t add, size_t size)
{
    void *p = wasm_realloc(*arr, ((size_t)have + add + 1) * size);
    if (!p)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    memset((uint8_t *)p + (size_t)have * size, 0, ((size_t)add + 1) * size);
    *arr = p;
    return true;
}

static bool sec_imports(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    m->imports = wasm_alloc_array(n ? n : 1, sizeof *m->imports);
    if (!m->imports)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_import_t *im = &m->imports[i];
        if (!read_name(r, &im->module, &im->module_len) || !read_name(r, &im->name, &im->name_len) ||
            !rd_byte(r, &im->kind))
            return false;
        m->nimports = i + 1;
        switch (im->kind) {
        case WASM_EXTERN_FUNC:
            if (!rd_u32(r, &im->index))
                return false;
            if (im->index >= m->ntypes)
                return rd_fail(r, WASM_ERR_INVALID, "unknown type");
            if (!grow_index(r, (void **)&m->func_types, m->nfuncs, 1, sizeof *m->func_types))
                return false;
            m->func_types[m->nfuncs++] = im->index;
            m->nfunc_imports++;
            break;
        case WASM_EXTERN_TABLE: {
            wasm_tabletype_t tt;
            if (!read_tabletype(r, &tt))
                return false;
            im->type = tt.elem_type;
            im->lim = tt.lim;
            if (!grow_index(r, (void **)&m->tables, m->ntables, 1, sizeof *m->tables))
                return false;
            m->tables[m->ntables++] = tt;
            m->ntable_imports++;
            break;
        }
        case WASM_EXTERN_MEMORY:
            if (!read_memtype(r, &im->lim))
                return false;
            if (!grow_index(r, (void **)&m->memories, m->nmemories, 1, sizeof *m->memories))
                return false;
            m->memories[m->nmemories++] = im->lim;
            m->nmemory_imports++;
            if (m->nmemories > 1)
                return rd_fail(r, WASM_ERR_INVALID, "multiple memories");
            break;
        case WASM_EXTERN_GLOBAL:
            if (!read_globaltype(r, &im->type, &im->mutable_))
                return false;
            if (!grow_index(r, (void **)&m->globals, m->nglobals, 1, sizeof *m->globals))
                return false;
            m->globals[m->nglobals].type = im->type;
            m->globals[m->nglobals].mutable_ = im->mutable_;
            m->nglobals++;
            m->nglobal_imports++;
            break;
        default:
            return rd_fail(r, WASM_ERR_MALFORMED, "malformed import kind");
        }
    }
    return true;
}

static bool sec_functions(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    if (!grow_index(r, (void **)&m->func_types, m->nfuncs, n, sizeof *m->func_types))
        return false;
    m->funcs = wasm_alloc_array((size_t)n + 1, sizeof *m->funcs);
    if (!m->funcs)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t t;
        if (!rd_u32(r, &t))
            return false;
        if (t >= m->ntypes)
            return rd_fail(r, WASM_ERR_INVALID, "unknown type");
        m->func_types[m->nfuncs++] = t;
        m->funcs[i].type = t;
    }
    return true;
}

static bool sec_tables(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, 100000))
        return false;
    if (!grow_index(r, (void **)&m->tables, m->ntables, n, sizeof *m->tables))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!read_tabletype(r, &m->tables[m->ntables++]))
            return false;
    return true;
}

static bool sec_memories(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, 100000))
        return false;
    if (!grow_index(r, (void **)&m->memories, m->nmemories, n, sizeof *m->memories))
        return false;
    for (uint32_t i = 0; i < n; i++)
        if (!read_memtype(r, &m->memories[m->nmemories++]))
            return false;
    if (m->nmemories > 1)
        return rd_fail(r, WASM_ERR_INVALID, "multiple memories");
    return true;
}

static bool sec_globals(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    if (!grow_index(r, (void **)&m->globals, m->nglobals, n, sizeof *m->globals))
        return false;
    for (uint32_t i = 0; i < n; i++) {
        wasm_globaldef_t *g = &m->globals[m->nglobals];
        if (!read_globaltype(r, &g->type, &g->mutable_) || !read_const(r, m, g->type, &g->init))
            return false;
        m->nglobals++;
    }
    return true;
}

static bool sec_exports(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    m->exports = wasm_alloc_array(n ? n : 1, sizeof *m->exports);
    if (!m->exports)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_export_t *e = &m->exports[i];
        if (!read_name(r, &e->name, &e->name_len) || !rd_byte(r, &e->kind) || !rd_u32(r, &e->index))
            return false;
        uint32_t limit;
        switch (e->kind) {
        case WASM_EXTERN_FUNC: limit = m->nfuncs; break;
        case WASM_EXTERN_TABLE: limit = m->ntables; break;
        case WASM_EXTERN_MEMORY: limit = m->nmemories; break;
        case WASM_EXTERN_GLOBAL: limit = m->nglobals; break;
        default: return rd_fail(r, WASM_ERR_MALFORMED, "malformed export kind");
        }
        if (e->index >= limit)
            return rd_fail(r, WASM_ERR_INVALID, e->kind == WASM_EXTERN_FUNC ? "unknown function"
                                                : e->kind == WASM_EXTERN_TABLE ? "unknown table"
                                                : e->kind == WASM_EXTERN_MEMORY ? "unknown memory"
                                                                                : "unknown global");
        if (e->kind == WASM_EXTERN_FUNC)
            m->declared_refs[e->index] = 1;
        for (uint32_t k = 0; k < i; k++)
            if (m->exports[k].name_len == e->name_len && memcmp(m->exports[k].name, e->name, e->name_len) == 0)
                return rd_fail(r, WASM_ERR_INVALID, "duplicate export name");
        m->nexports = i + 1;
    }
    return true;
}

static bool sec_start(wasm_reader_t *r, wasm_module_t *m)
{
    if (!rd_u32(r, &m->start))
        return false;
    if (m->start >= m->nfuncs)
        return rd_fail(r, WASM_ERR_INVALID, "unknown function");
    const wasm_functype_t *t = &m->types[m->func_types[m->start]];
    if (t->nparams || t->nresults)
        return rd_fail(r, WASM_ERR_INVALID, "start function");
    m->has_start = true;
    return true;
}

static bool read_elem_items(wasm_reader_t *r, wasm_module_t *m, wasm_elem_t *e, bool exprs)
{
    if (!read_count(r, &e->count, WASM_MAX_TABLE))
        return false;
    e->items = wasm_alloc_array((size_t)e->count + 1, sizeof *e->items);
    if (!e->items)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < e->count; i++) {
        if (exprs) {
            if (!read_const(r, m, e->type, &e->items[i]))
                return false;
        } else {
            uint32_t f;
            if (!rd_u32(r, &f))
                return false;
            if (f >= m->nfuncs)
                return rd_fail(r, WASM_ERR_INVALID, "unknown function");
            m->declared_refs[f] = 1;
            e->items[i].kind = CONST_REF_FUNC;
            e->items[i].type = WASM_FUNCREF;
            e->items[i].value = f;
        }
    }
    return true;
}

static bool sec_elems(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    m->elems = wasm_alloc_array(n ? n : 1, sizeof *m->elems);
    if (!m->elems)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_elem_t *e = &m->elems[i];
        uint32_t flags;
        m->nelems = i + 1;
        if (!rd_u32(r, &flags))
            return false;
        if (flags > 7)
            return rd_fail(r, WASM_ERR_MALFORMED, "malformed elements segment kind");
        bool passive_or_decl = flags & 1, explicit_table = flags & 2, exprs = flags & 4;
        e->type = WASM_FUNCREF;
        if (!passive_or_decl) {
            e->mode = SEG_ACTIVE;
            if (explicit_table && !rd_u32(r, &e->table))
                return false;
            if (e->table >= m->ntables)
                return rd_fail(r, WASM_ERR_INVALID, "unknown table");
            if (!read_const(r, m, WASM_I32, &e->offset))
                return false;
        } else {
            e->mode = explicit_table ? SEG_DECLARATIVE : SEG_PASSIVE;
        }
        if (passive_or_decl || explicit_table) {
            if (exprs) {
                if (!read_reftype(r, &e->type))
                    return false;
            } else {
                uint8_t kind;
                if (!rd_byte(r, &kind))
                    return false;
                if (kind != 0)
                    return rd_fail(r, WASM_ERR_MALFORMED, "malformed element kind");
            }
        }
        if (!read_elem_items(r, m, e, exprs))
            return false;
        if (e->mode == SEG_ACTIVE && m->tables[e->table].elem_type != e->type)
            return rd_fail(r, WASM_ERR_INVALID, "type mismatch");
    }
    return true;
}

static bool sec_datacount(wasm_reader_t *r, wasm_module_t *m)
{
    if (!rd_u32(r, &m->datacount))
        return false;
    m->has_datacount = true;
    return true;
}

static bool sec_code(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    if (n != m->nfuncs - m->nfunc_imports)
        return rd_fail(r, WASM_ERR_MALFORMED, "function and code section have inconsistent lengths");
    for (uint32_t i = 0; i < n; i++) {
        wasm_funcdef_t *f = &m->funcs[i];
        uint32_t size, ngroups;
        if (!rd_u32(r, &size))
            return false;
        if (size > (size_t)(r->end - r->p))
            return rd_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
        wasm_reader_t body = {r->p, r->p + size, WASM_OK, NULL};
        r->p += size;
        const wasm_functype_t *t = &m->types[f->type];
        if (!rd_u32(&body, &ngroups))
            return rd_fail(r, body.result, body.error);
        uint64_t total = t->nparams;
        const uint8_t *groups = body.p;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t cnt;
            uint8_t vt;
            if (!rd_u32(&body, &cnt) || !wasm_read_valtype(&body, &vt))
                return rd_fail(r, body.result, body.error);
            total += cnt;
            if (total > UINT32_MAX)
                return rd_fail(r, WASM_ERR_MALFORMED, "too many locals");
        }
        if (total > WASM_MAX_LOCALS)
            return rd_fail(r, WASM_ERR_LIMIT, "too many locals");
        f->nlocals = (uint32_t)total;
        f->local_types = wasm_alloc(total - t->nparams + 1);
        if (!f->local_types)
            return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
        wasm_reader_t again = {groups, body.p, WASM_OK, NULL};
        size_t at = 0;
        for (uint32_t g = 0; g < ngroups; g++) {
            uint32_t cnt = 0;
            uint8_t vt = 0;
            /* Both reads succeeded in the first pass over the same bytes. */
            if (!rd_u32(&again, &cnt) || !wasm_read_valtype(&again, &vt))
                return rd_fail(r, WASM_ERR_MALFORMED, "malformed locals");
            memset(f->local_types + at, vt, cnt);
            at += cnt;
        }
        f->body = body.p;
        f->body_len = (size_t)(body.end - body.p);
    }
    return true;
}

static bool sec_data(wasm_reader_t *r, wasm_module_t *m)
{
    uint32_t n;
    if (!read_count(r, &n, WASM_MAX_FUNCS))
        return false;
    if (m->has_datacount && n != m->datacount)
        return rd_fail(r, WASM_ERR_MALFORMED, "data count and data section have inconsistent lengths");
    m->datas = wasm_alloc_array(n ? n : 1, sizeof *m->datas);
    if (!m->datas)
        return rd_fail(r, WASM_ERR_NOMEM, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wasm_data_t *d = &m->datas[i];
        uint32_t flags;
        m->ndatas = i + 1;
        if (!rd_u32(r, &flags))
            return false;
        if (flags > 2)
            return rd_fail(r, WASM_ERR_MALFORMED, "malformed data segment kind");
        d->mode = flags == 1 ? SEG_PASSIVE : SEG_ACTIVE;
        if (flags == 2 && !rd_u32(r, &d->memory))
            return false;
        if (d->mode == SEG_ACTIVE) {
            if (d->memory >= m->nmemories)
                return rd_fail(r, WASM_ERR_INVALID, "unknown memory");
            if (!read_const(r, m, WASM_I32, &d->offset))
                return false;
        }
        if (!rd_u32(r, &d->len))
            return false;
        if (d->len > (size_t)(r->end - r->p))
            return rd_fail(r, WASM_ERR_MALFORMED, "unexpected end of section or function");
        d->bytes = r->p;
        r->p += d->len;
    }
    return true;
}

/* Section ids in the order the binary format requires them. */
static int section_rank(uint8_t id)
{
    static const int rank[13] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
    return id < 13 ? rank[id] : -1;
}

wasm_result_t wasm_decode(wasm_module_t *m, const char **error)
{
    wasm_reader_t r = {m->bytes, m->bytes + m->len, WASM_OK, NULL};
    uint32_t magic, version;
    *error = NULL;
    if (!rd_fixed32(&r, &magic) || magic != 0x6d736100u) {
        *error = "magic header not detected";
        return WASM_ERR_MALFORMED;
    }
    if (!rd_fixed32(&r, &version) || version != 1) {
        *error = "unknown binary version";
        return WASM_ERR_MALFORMED;
    }
    /* ref.func targets are only known once the elements, exports and globals are read. */
    int last = 0;
    bool have_funcs = false, have_code = false;
    while (r.p < r.end) {
        uint8_t id;
        uint32_t size;
        if (!rd_byte(&r, &id) || !rd_u32(&r, &size))
            goto fail;
        if (size > (size_t)(r.end - r.p)) {
            rd_fail(&r, WASM_ERR_MALFORMED, "section size mismatch: unexpected end");
            goto fail;
        }
        int rank = section_rank(id);
        if (rank < 0) {
            rd_fail(&r, WASM_ERR_MALFORMED, "malformed section id");
            goto fail;
        }
        wasm_reader_t s = {r.p, r.p + size, WASM_OK, NULL};
        r.p += size;
        if (id == 0) {
            const char *name;
            uint32_t len;
            if (!read_name(&s, &name, &len)) {
                r = s;
                goto fail;
            }
            continue;
        }
        if (rank <= last) {
            rd_fail(&r, WASM_ERR_MALFORMED, "unexpected content after last section");
            goto fail;
        }
        last = rank;
        bool ok = true;
        if (id >= 4 && !m->declared_refs) {
            /* The function index space is complete once the function section is past. */
            m->declared_refs = wasm_alloc(m->nfuncs + 1);
            if (!m->declared_refs) {
                rd_fail(&r, WASM_ERR_NOMEM, "out of memory");
                goto fail;
            }
        }
        switch (id) {
        case 1: ok = sec_types(&s, m); break;
        case 2: ok = sec_imports(&s, m); break;
        case 3: ok = sec_functions(&s, m); have_funcs = true; break;
        case 4: ok = sec_tables(&s, m); break;
        case 5: ok = sec_memories(&s, m); break;
        case 6: ok = sec_globals(&s, m); break;
        case 7: ok = sec_exports(&s, m); break;
        case 8: ok = sec_start(&s, m); break;
        case 9: ok = sec_elems(&s, m); break;
        case 10: ok = sec_code(&s, m); have_code = true; break;
        case 11: ok = sec_data(&s, m); break;
        case 12: ok = sec_datacount(&s, m); break;
        default: break;
        }
        if (ok && s.p != s.end)
            ok = rd_fail(&s, WASM_ERR_MALFORMED, "section size mismatch");
        if (!ok) {
            r = s;
            goto fail;
        }
    }
    if (!m->declared_refs) {
        m->declared_refs = wasm_alloc(m->nfuncs + 1);
        if (!m->declared_refs) {
            *error = "out of memory";
            return WASM_ERR_NOMEM;
        }
    }
    if (m->nfuncs > m->nfunc_imports && !have_code) {
        *error = "function and code section have inconsistent lengths";
        return WASM_ERR_MALFORMED;
    }
    if (have_code && !have_funcs && m->nfuncs == m->nfunc_imports) {
        /* An empty code section with no function section is fine; sec_code checked counts. */
    }
    if (m->has_datacount && m->ndatas != m->datacount) {
        *error = "data count and data section have inconsistent lengths";
        return WASM_ERR_MALFORMED;
    }
    if (!m->funcs) {
        m->funcs = wasm_alloc(sizeof *m->funcs);
        if (!m->funcs) {
            *error = "out of memory";
            return WASM_ERR_NOMEM;
        }
    }
    if (m->ntables == 0 && !m->tables)
        m->tables = wasm_alloc(sizeof *m->tables);
    return WASM_OK;
fail:
    *error = r.error ? r.error : "malformed module";
    return r.result != WASM_OK ? r.result : WASM_ERR_MALFORMED;
}
