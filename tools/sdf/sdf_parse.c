/*
 * System description parser: element tree (sdf_xml.c) to the checked model
 * of sdf.h.
 *
 * The parser owns the rules of the format. It reads Microkit 2.x's System
 * Description Format for x86_64 and refuses everything else: unknown
 * elements and attributes, ARM-only features, bad numbers, unknown or
 * duplicate names and ids, overlapping maps, maps in the reserved top of a
 * PD's address space, write-only or writable-and-executable permissions,
 * protected calls to an equal or lower priority, misaligned regions and
 * maps, overlapping I/O port ranges, IRQs claimed twice.
 *
 * Work goes in three passes over the tree, because a description may name a
 * memory region or a PD before defining it: memory regions, then protection
 * domains (each parent before its children), then channels, and last the
 * checks that span PDs. An element with an error is reported and skipped
 * and the pass goes on, so one run shows many mistakes; any error makes the
 * whole parse fail and frees everything. Diagnostics always have the form
 * FILE:LINE:COLUMN: error: what is wrong; what to do.
 */
#include "tools/sdf/sdf_parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tools/sdf/sdf_xml.h"

#define SDF_MAX_ERRORS 20                 /* stop printing after this many */
#define SDF_MAX_FILE_SIZE (64u << 20)     /* a description is never this big */
#define SDF_PHYS_LIMIT (1ull << 52)       /* x86_64 physical address width */
#define SDF_X86_VECTOR_MAX 107            /* user IRQ vectors, as seL4 counts them */
#define SDF_MAX_STACK (16ull << 20)
#define SDF_MAX_CPU 255

typedef struct {
    const char *file;   /* owned by sys->files */
    FILE *diag;
    unsigned errors;
    const sdf_xml_t *xml;
    sdf_system_t *sys;
    size_t mr_cap, pd_cap, channel_cap;
    const char *const *dirs; /* where prefill files are looked for */
    size_t ndirs;
    uint32_t *mr_index;     /* open-addressing hash of region names -> index, or SDF_NONE */
    size_t mr_index_cap;    /* a power of two, at least twice the number of regions */
} ctx_t;

/* ---- diagnostics ---- */

__attribute__((format(printf, 4, 5)))
static void error_at(ctx_t *c, uint32_t line, uint32_t column, const char *fmt, ...)
{
    c->errors++;
    if (c->errors > SDF_MAX_ERRORS) {
        if (c->errors == SDF_MAX_ERRORS + 1)
            fprintf(c->diag, "%s: error: too many errors; fix these and run again\n", c->file);
        return;
    }
    fprintf(c->diag, "%s:%u:%u: error: ", c->file, line, column);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->diag, fmt, ap);
    va_end(ap);
    fputc('\n', c->diag);
}

#define ERR(c, n, ...) error_at((c), (n)->line, (n)->column, __VA_ARGS__)
#define ERR_LOC(c, l, ...) error_at((c), (l).line, (l).column, __VA_ARGS__)

static sdf_loc_t loc_of(const ctx_t *c, const sdf_xml_node_t *n)
{
    return (sdf_loc_t){.file = c->file, .line = n->line, .column = n->column};
}

static const sdf_xml_node_t *node(const ctx_t *c, uint32_t index)
{
    return index == SDF_XML_NONE ? NULL : &c->xml->nodes[index];
}

/* `child` names the loop variable, so it cannot be parenthesized. */
/* NOLINTBEGIN(bugprone-macro-parentheses) */
#define FOR_CHILDREN(c, parent, child)                                                          \
    for (const sdf_xml_node_t *child = node((c), (parent)->first_child); child;                \
         child = node((c), child->next_sibling))
/* NOLINTEND(bugprone-macro-parentheses) */

static char *copy_string(const char *s)
{
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (copy)
        memcpy(copy, s, n + 1);
    return copy;
}

/* Grows *array (of `elem` bytes each) so that it holds at least count + 1. */
static bool grow(void **array, size_t *cap, size_t count, size_t elem)
{
    if (count < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 8;
    void *grown = realloc(*array, new_cap * elem);
    if (!grown)
        return false;
    *array = grown;
    *cap = new_cap;
    return true;
}

/* ---- attributes ---- */

static bool in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(name, *list) == 0)
            return true;
    return false;
}

/* Attributes Microkit has on other architectures or features we do not build. */
static const char *const unsupported_attrs[] = {"smc", "domain", "fpu", NULL};

/* Every attribute of n must be in `allowed`. */
static bool check_attrs(ctx_t *c, const sdf_xml_node_t *n, const char *const *allowed)
{
    bool ok = true;
    for (size_t i = 0; i < n->attr_count; i++) {
        const char *a = n->attrs[i].name;
        if (in_list(a, allowed))
            continue;
        ok = false;
        if (in_list(a, unsupported_attrs)) {
            ERR(c, n, "attribute '%s' of <%s> is not supported on x86_64; remove it", a, n->name);
            continue;
        }
        char list[256];
        size_t used = 0;
        list[0] = '\0';
        for (const char *const *p = allowed; *p; p++) {
            int w = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", *p);
            if (w < 0 || (size_t)w >= sizeof list - used)
                break;
            used += (size_t)w;
        }
        if (used == 0)
            ERR(c, n, "unknown attribute '%s' on <%s>; <%s> takes no attributes", a, n->name,
                n->name);
        else
            ERR(c, n, "unknown attribute '%s' on <%s>; <%s> takes: %s", a, n->name, n->name, list);
    }
    return ok;
}

/* Decimal or 0x-prefixed hexadecimal, with optional '_' between digits. */
static bool parse_number(const char *s, uint64_t *out)
{
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t v = 0;
    bool any = false;
    for (; *s; s++) {
        if (*s == '_' && any && s[1] != '\0')
            continue;
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
        any = true;
    }
    *out = v;
    return any;
}

enum { OPTIONAL = 0, REQUIRED = 1 };

static bool missing_attr(ctx_t *c, const sdf_xml_node_t *n, const char *name)
{
    ERR(c, n, "<%s> needs attribute '%s'; add %s=\"...\"", n->name, name, name);
    return false;
}

/*
 * Reads numeric attribute `name` into *out, or `dflt` when it is absent and
 * optional. `max` bounds it; `why` tells the user the range.
 */
static bool attr_u64(ctx_t *c, const sdf_xml_node_t *n, const char *name, int required,
                     uint64_t dflt, uint64_t max, const char *why, uint64_t *out)
{
    const char *s = sdf_xml_attr(n, name);
    *out = dflt; /* defined on every path, even when the caller goes on after an error */
    if (!s)
        return required ? missing_attr(c, n, name) : true;
    uint64_t v;
    if (!parse_number(s, &v)) {
        ERR(c, n, "%s=\"%s\" is not a number; write a decimal or 0x-prefixed hexadecimal number "
                  "below 2^64", name, s);
        return false;
    }
    if (v > max) {
        ERR(c, n, "%s=\"%s\" is out of range; %s", name, s, why);
        return false;
    }
    *out = v;
    return true;
}

static bool attr_bool(ctx_t *c, const sdf_xml_node_t *n, const char *name, bool dflt, bool *out)
{
    const char *s = sdf_xml_attr(n, name);
    if (!s) {
        *out = dflt;
        return true;
    }
    if (strcmp(s, "true") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(s, "false") == 0) {
        *out = false;
        return true;
    }
    ERR(c, n, "%s=\"%s\" is not a truth value; write %s=\"true\" or %s=\"false\"", name, s, name,
        name);
    return false;
}

/* A non-empty string attribute, copied. *out stays NULL when it is absent and optional. */
static bool attr_string(ctx_t *c, const sdf_xml_node_t *n, const char *name, int required,
                        char **out)
{
    *out = NULL;
    const char *s = sdf_xml_attr(n, name);
    if (!s)
        return required ? missing_attr(c, n, name) : true;
    if (s[0] == '\0') {
        ERR(c, n, "%s=\"\" is empty; give it a value", name);
        return false;
    }
    *out = copy_string(s);
    if (!*out) {
        ERR(c, n, "out of memory");
        return false;
    }
    return true;
}

/* ---- lookups ---- */

/*
 * Region names go into a hash table: a description may hold thousands of
 * regions and maps, and a linear search per map would make parsing quadratic.
 */
static size_t name_hash(const char *s)
{
    size_t h = 14695981039346656037ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of `name` in the region index: where it is, or the free slot it would take. */
static size_t mr_slot(const ctx_t *c, const char *name)
{
    size_t mask = c->mr_index_cap - 1, i = name_hash(name) & mask;
    while (c->mr_index[i] != SDF_NONE && strcmp(c->sys->mrs[c->mr_index[i]].name, name) != 0)
        i = (i + 1) & mask;
    return i;
}

static uint32_t find_mr(const ctx_t *c, const char *name)
{
    return c->mr_index_cap ? c->mr_index[mr_slot(c, name)] : SDF_NONE;
}

static uint32_t find_pd(const sdf_system_t *sys, const char *name)
{
    for (size_t i = 0; i < sys->pd_count; i++)
        if (strcmp(sys->pds[i].name, name) == 0)
            return (uint32_t)i;
    return SDF_NONE;
}

static size_t count_children(const ctx_t *c, const sdf_xml_node_t *n, const char *name)
{
    size_t count = 0;
    FOR_CHILDREN(c, n, k)
        if (strcmp(k->name, name) == 0)
            count++;
    return count;
}

/* ---- memory regions ---- */

static uint64_t largest_page_dividing(uint64_t v)
{
    if (v % SDF_PAGE_1G == 0)
        return SDF_PAGE_1G;
    if (v % SDF_PAGE_2M == 0)
        return SDF_PAGE_2M;
    return SDF_PAGE_4K;
}

static const char *const mr_attrs[] = {"name", "size", "page_size", "phys_addr", "prefill_path",
                                       NULL};

static char *find_prefill(const sdf_mr_t *mr, const char *const *dirs, size_t ndirs,
                          uint64_t *size);
static void describe_prefill_dirs(const sdf_mr_t *mr, const char *const *dirs, size_t ndirs,
                                  char *where, size_t where_size);

/*
 * Looks for the region's prefill file. A region without a size takes the
 * file's length, so then the file must exist and not be empty. A region
 * with a size only records what it finds: the builder may find the file on
 * its search path later (sdf_resolve_images), and the image writer, which
 * copies the bytes, refuses a file larger than its region.
 */
static bool resolve_prefill(ctx_t *c, const sdf_xml_node_t *n, sdf_mr_t *mr, bool has_size)
{
    uint64_t bytes = 0;
    mr->prefill_file = find_prefill(mr, c->dirs, c->ndirs, &bytes);
    mr->prefill_size = mr->prefill_file ? bytes : 0;
    if (has_size)
        return true;
    if (!mr->prefill_file) {
        char where[768];
        describe_prefill_dirs(mr, c->dirs, c->ndirs, where, sizeof where);
        ERR(c, n, "prefill file '%s' of memory_region '%s' is not in %s, and the region has no "
                  "size; give it size=\"...\" or add the file's directory with --search-path",
            mr->prefill_path, mr->name, where);
        return false;
    }
    if (bytes == 0 || bytes > SDF_PHYS_LIMIT / 2) {
        ERR(c, n, "prefill file '%s' of memory_region '%s' is %s, and the region has no size; "
                  "fill it from a non-empty file of sensible size, or give it size=\"...\"",
            mr->prefill_file, mr->name, bytes ? "too large" : "empty");
        return false;
    }
    return true;
}

static bool parse_mr_fields(ctx_t *c, const sdf_xml_node_t *n, sdf_mr_t *mr)
{
    bool ok = check_attrs(c, n, mr_attrs);
    ok &= attr_string(c, n, "name", REQUIRED, &mr->name);
    ok &= attr_string(c, n, "prefill_path", OPTIONAL, &mr->prefill_path);
    /* A prefilled region may leave its size to the file, as in Microkit. */
    bool has_size = sdf_xml_attr(n, "size") != NULL;
    ok &= attr_u64(c, n, "size", sdf_xml_attr(n, "prefill_path") ? OPTIONAL : REQUIRED, 0,
                   SDF_PHYS_LIMIT, "a region is at most 2^52 bytes", &mr->size);
    mr->page_size_given = sdf_xml_attr(n, "page_size") != NULL;
    ok &= attr_u64(c, n, "page_size", OPTIONAL, 0, UINT64_MAX, "", &mr->page_size);
    mr->has_phys_addr = sdf_xml_attr(n, "phys_addr") != NULL;
    ok &= attr_u64(c, n, "phys_addr", OPTIONAL, 0, SDF_PHYS_LIMIT - SDF_PAGE_4K,
                   "physical addresses are below 2^52", &mr->phys_addr);
    if (!ok)
        return false;
    if (mr->prefill_path) {
        if (!resolve_prefill(c, n, mr, has_size))
            return false;
        if (!has_size) {
            uint64_t unit = mr->page_size_given && (mr->page_size == SDF_PAGE_2M ||
                                                    mr->page_size == SDF_PAGE_1G)
                                ? mr->page_size
                                : SDF_PAGE_4K;
            mr->size = (mr->prefill_size + unit - 1) & ~(unit - 1);
        }
    }
    if (mr->size == 0 || mr->size % SDF_PAGE_4K != 0) {
        ERR(c, n, "size 0x%llx of memory_region '%s' is not a non-zero multiple of 4 KiB; "
                  "round it up to a multiple of 0x1000", (unsigned long long)mr->size, mr->name);
        return false;
    }
    if (mr->page_size_given) {
        if (mr->page_size != SDF_PAGE_4K && mr->page_size != SDF_PAGE_2M &&
            mr->page_size != SDF_PAGE_1G) {
            ERR(c, n, "page_size 0x%llx is not an x86_64 page size; use 0x1000, 0x200000 or "
                      "0x40000000", (unsigned long long)mr->page_size);
            return false;
        }
        if (mr->size % mr->page_size != 0) {
            ERR(c, n, "size 0x%llx of memory_region '%s' is not a multiple of its page_size "
                      "0x%llx; change the size or use a smaller page_size",
                (unsigned long long)mr->size, mr->name, (unsigned long long)mr->page_size);
            return false;
        }
    } else {
        mr->page_size = largest_page_dividing(mr->size);
        if (mr->has_phys_addr) {
            uint64_t p = largest_page_dividing(mr->phys_addr);
            if (p < mr->page_size)
                mr->page_size = p;
        }
    }
    if (mr->has_phys_addr) {
        if (mr->phys_addr % mr->page_size != 0) {
            ERR(c, n, "phys_addr 0x%llx of memory_region '%s' is not aligned to its page_size "
                      "0x%llx; align it or use a smaller page_size",
                (unsigned long long)mr->phys_addr, mr->name, (unsigned long long)mr->page_size);
            return false;
        }
        if (mr->size > SDF_PHYS_LIMIT - mr->phys_addr) {
            ERR(c, n, "memory_region '%s' ends beyond the 2^52 physical address limit; "
                      "lower its phys_addr or size", mr->name);
            return false;
        }
    }
    uint32_t dup = find_mr(c, mr->name);
    if (dup != SDF_NONE) {
        ERR(c, n, "duplicate memory_region name '%s' (first defined at line %u); rename one",
            mr->name, c->sys->mrs[dup].loc.line);
        return false;
    }
    return true;
}

static void free_mr(sdf_mr_t *mr)
{
    free(mr->name);
    free(mr->prefill_path);
    free(mr->prefill_file);
}

static void parse_mr(ctx_t *c, const sdf_xml_node_t *n)
{
    sdf_mr_t mr = {.loc = loc_of(c, n)};
    if (n->first_child != SDF_XML_NONE)
        ERR(c, node(c, n->first_child), "<%s> inside <memory_region>; a memory_region has no "
                                        "child elements", node(c, n->first_child)->name);
    if (!parse_mr_fields(c, n, &mr) ||
        !grow((void **)&c->sys->mrs, &c->mr_cap, c->sys->mr_count, sizeof mr)) {
        free_mr(&mr);
        return;
    }
    c->mr_index[mr_slot(c, mr.name)] = (uint32_t)c->sys->mr_count;
    c->sys->mrs[c->sys->mr_count++] = mr;
}

/* ---- protection domains ---- */

static const char *const map_attrs[] = {"mr", "vaddr", "perms", "cached", "setvar_vaddr",
                                        "setvar_size", "setvar_prefill_size", NULL};

static bool parse_perms(ctx_t *c, const sdf_xml_node_t *n, uint8_t *out)
{
    const char *s = sdf_xml_attr(n, "perms");
    if (!s) {
        *out = SDF_PERM_R | SDF_PERM_W;
        return true;
    }
    uint8_t p = 0;
    for (const char *q = s; *q; q++) {
        uint8_t bit = *q == 'r' ? SDF_PERM_R : *q == 'w' ? SDF_PERM_W : *q == 'x' ? SDF_PERM_X : 0;
        if (!bit || (p & bit)) {
            ERR(c, n, "perms=\"%s\" is not a set of permissions; write each of r, w and x at "
                      "most once, e.g. perms=\"rw\"", s);
            return false;
        }
        p |= bit;
    }
    if (!(p & SDF_PERM_R)) {
        ERR(c, n, "perms=\"%s\" has no 'r'; x86_64 cannot map memory %s without reading, so "
                  "add 'r'", s, p ? "writable or executable" : "at all");
        return false;
    }
    if ((p & SDF_PERM_W) && (p & SDF_PERM_X)) {
        ERR(c, n, "perms=\"%s\" is both writable and executable, which substrate never maps; "
                  "map the region twice, once \"rw\" and once \"rx\", or drop one", s);
        return false;
    }
    *out = p;
    return true;
}

static void free_map(sdf_map_t *m)
{
    free(m->setvar_vaddr);
    free(m->setvar_size);
    free(m->setvar_prefill_size);
}

static bool parse_map(ctx_t *c, const sdf_xml_node_t *n, const sdf_pd_t *pd, sdf_map_t *m)
{
    *m = (sdf_map_t){.loc = loc_of(c, n), .mr = SDF_NONE};
    bool ok = check_attrs(c, n, map_attrs);
    ok &= attr_u64(c, n, "vaddr", REQUIRED, 0, UINT64_MAX, "", &m->vaddr);
    ok &= parse_perms(c, n, &m->perms);
    ok &= attr_bool(c, n, "cached", true, &m->cached);
    ok &= attr_string(c, n, "setvar_vaddr", OPTIONAL, &m->setvar_vaddr);
    ok &= attr_string(c, n, "setvar_size", OPTIONAL, &m->setvar_size);
    ok &= attr_string(c, n, "setvar_prefill_size", OPTIONAL, &m->setvar_prefill_size);
    const char *mr_name = sdf_xml_attr(n, "mr");
    if (!mr_name)
        ok = missing_attr(c, n, "mr");
    else if ((m->mr = find_mr(c, mr_name)) == SDF_NONE) {
        ERR(c, n, "map names memory_region '%s', which does not exist; define it with "
                  "<memory_region name=\"%s\" size=\"...\"/> or fix the name", mr_name, mr_name);
        ok = false;
    }
    if (!ok)
        return false;
    const sdf_mr_t *mr = &c->sys->mrs[m->mr];
    if (m->setvar_prefill_size && !mr->prefill_path) {
        ERR(c, n, "setvar_prefill_size on a map of memory_region '%s', which has no "
                  "prefill_path; give the region one or drop the attribute", mr->name);
        return false;
    }
    /*
     * Only a page_size the user wrote binds the map's alignment, as in
     * Microkit; an inferred one just allows large pages where the map's
     * alignment happens to permit them.
     */
    uint64_t align = mr->page_size_given ? mr->page_size : SDF_PAGE_4K;
    if (m->vaddr % align != 0) {
        ERR(c, n, "vaddr 0x%llx is not aligned to the page size 0x%llx of memory_region '%s'; "
                  "align it%s", (unsigned long long)m->vaddr, (unsigned long long)align,
            mr->name, align > SDF_PAGE_4K ? " or give the region a smaller page_size" : "");
        return false;
    }
    if (m->vaddr >= SDF_PD_RESERVED_BASE || mr->size > SDF_PD_RESERVED_BASE - m->vaddr) {
        ERR(c, n, "map of '%s' at 0x%llx in protection domain '%s' reaches past 0x%llx, where "
                  "the stack and IPC buffer are; map it lower", mr->name,
            (unsigned long long)m->vaddr, pd->name, (unsigned long long)SDF_PD_RESERVED_BASE);
        return false;
    }
    return true;
}

static const char *const irq_ioapic_attrs[] = {"id", "setvar_id", "ioapic", "pin", "trigger",
                                               "polarity", "vector", NULL};
static const char *const irq_msi_attrs[] = {"id", "setvar_id", "pcidev", "handle", "vector",
                                            NULL};

/* "bus:device.function" in hexadecimal, as lspci prints it. */
static bool parse_pcidev(const char *s, uint8_t *bus, uint8_t *dev, uint8_t *func)
{
    unsigned long v[3];
    const char seps[3] = {':', '.', '\0'};
    for (int i = 0; i < 3; i++) {
        v[i] = 0;
        int digits = 0;
        for (; *s && *s != seps[i]; s++, digits++) {
            char ch = *s;
            unsigned d;
            if (ch >= '0' && ch <= '9')
                d = (unsigned)(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                d = (unsigned)(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F')
                d = (unsigned)(ch - 'A' + 10);
            else
                return false;
            if (digits >= 4)
                return false;
            v[i] = v[i] * 16 + d;
        }
        if (digits == 0 || *s != seps[i])
            return false;
        if (*s)
            s++;
    }
    if (v[0] > 255 || v[1] > 31 || v[2] > 7)
        return false;
    *bus = (uint8_t)v[0];
    *dev = (uint8_t)v[1];
    *func = (uint8_t)v[2];
    return true;
}

static bool parse_irq(ctx_t *c, const sdf_xml_node_t *n, sdf_irq_t *irq)
{
    *irq = (sdf_irq_t){.loc = loc_of(c, n)};
    uint64_t v;
    bool ok = true;
    if (sdf_xml_attr(n, "irq")) {
        ERR(c, n, "<irq irq=...> is the ARM and RISC-V form, not supported on x86_64; use the "
                  "IOAPIC form (pin, vector, ...) or the MSI form (pcidev, handle, vector)");
        return false;
    }
    bool ioapic = sdf_xml_attr(n, "pin") != NULL;
    bool msi = sdf_xml_attr(n, "pcidev") != NULL;
    if (ioapic == msi) {
        ERR(c, n, "<irq> needs exactly one of pin=\"...\" (IOAPIC form) or pcidev=\"...\" "
                  "(MSI form); give one of them");
        return false;
    }
    ok &= check_attrs(c, n, ioapic ? irq_ioapic_attrs : irq_msi_attrs);
    ok &= attr_u64(c, n, "id", REQUIRED, 0, SDF_MAX_CHANNEL_ID,
                   "channel, irq and child ids are 0..61", &v);
    irq->id = (uint32_t)v;
    ok &= attr_u64(c, n, "vector", REQUIRED, 0, SDF_X86_VECTOR_MAX, "vectors are 0..107", &v);
    irq->vector = (uint32_t)v;
    ok &= attr_string(c, n, "setvar_id", OPTIONAL, &irq->setvar_id);
    if (ioapic) {
        irq->kind = SDF_IRQ_IOAPIC;
        ok &= attr_u64(c, n, "ioapic", OPTIONAL, 0, 255, "IOAPIC numbers are 0..255", &v);
        irq->ioapic = (uint32_t)v;
        ok &= attr_u64(c, n, "pin", REQUIRED, 0, 255, "IOAPIC pins are 0..255", &v);
        irq->pin = (uint32_t)v;
        const char *trigger = sdf_xml_attr(n, "trigger");
        const char *polarity = sdf_xml_attr(n, "polarity");
        irq->level_triggered = true;
        if (trigger && strcmp(trigger, "level") != 0) {
            if (strcmp(trigger, "edge") == 0) {
                irq->level_triggered = false;
            } else {
                ERR(c, n, "trigger=\"%s\" is not a trigger mode; write \"level\" or \"edge\"",
                    trigger);
                ok = false;
            }
        }
        if (polarity && strcmp(polarity, "high") != 0) {
            if (strcmp(polarity, "low") == 0) {
                irq->active_low = true;
            } else {
                ERR(c, n, "polarity=\"%s\" is not a polarity; write \"high\" or \"low\"",
                    polarity);
                ok = false;
            }
        }
    } else {
        irq->kind = SDF_IRQ_MSI;
        const char *pcidev = sdf_xml_attr(n, "pcidev");
        if (!parse_pcidev(pcidev, &irq->pci_bus, &irq->pci_dev, &irq->pci_func)) {
            ERR(c, n, "pcidev=\"%s\" is not a PCI address; write bus:device.function in "
                      "hexadecimal, e.g. \"00:03.0\" (device at most 1f, function at most 7)",
                pcidev);
            ok = false;
        }
        ok &= attr_u64(c, n, "handle", REQUIRED, 0, UINT64_MAX, "", &irq->handle);
    }
    return ok;
}

static const char *const ioport_attrs[] = {"id", "setvar_id", "setvar_addr", "addr", "size",
                                           NULL};

static bool parse_ioport(ctx_t *c, const sdf_xml_node_t *n, sdf_ioport_t *io)
{
    *io = (sdf_ioport_t){.loc = loc_of(c, n)};
    uint64_t id, addr, size;
    bool ok = check_attrs(c, n, ioport_attrs);
    ok &= attr_u64(c, n, "id", REQUIRED, 0, SDF_MAX_IOPORT_ID, "I/O port ids are 0..62", &id);
    ok &= attr_u64(c, n, "addr", REQUIRED, 0, 0xFFFF, "I/O ports are 0..0xffff", &addr);
    ok &= attr_u64(c, n, "size", REQUIRED, 0, 0x10000, "there are 0x10000 I/O ports", &size);
    ok &= attr_string(c, n, "setvar_id", OPTIONAL, &io->setvar_id);
    ok &= attr_string(c, n, "setvar_addr", OPTIONAL, &io->setvar_addr);
    if (!ok)
        return false;
    if (size == 0 || addr + size > 0x10000) {
        ERR(c, n, "I/O port range 0x%llx+0x%llx is empty or runs past port 0xffff; give a size "
                  "of at least 1 that ends at or below 0x10000",
            (unsigned long long)addr, (unsigned long long)size);
        return false;
    }
    io->id = (uint32_t)id;
    io->addr = (uint16_t)addr;
    io->size = (uint32_t)size;
    return true;
}

static bool parse_setvar(ctx_t *c, const sdf_xml_node_t *n, sdf_setvar_t *sv)
{
    static const char *const attrs[] = {"symbol", "region_paddr", NULL};
    *sv = (sdf_setvar_t){.loc = loc_of(c, n), .kind = SDF_SETVAR_REGION_PADDR, .mr = SDF_NONE};
    bool ok = check_attrs(c, n, attrs);
    ok &= attr_string(c, n, "symbol", REQUIRED, &sv->symbol);
    const char *region = sdf_xml_attr(n, "region_paddr");
    if (!region) {
        ok = missing_attr(c, n, "region_paddr");
    } else if ((sv->mr = find_mr(c, region)) == SDF_NONE) {
        ERR(c, n, "setvar names memory_region '%s', which does not exist; define it or fix the "
                  "name", region);
        ok = false;
    }
    return ok;
}

/* Elements Microkit has for other architectures or features we do not build. */
static const char *const unsupported_elements[] = {
    "smc", "io_address_space", "domains", "domain_schedule", "virtual_machine", "cspace",
    "iomap", "vcpu", NULL};

static void unknown_element(ctx_t *c, const sdf_xml_node_t *n, const char *parent,
                            const char *expected)
{
    if (in_list(n->name, unsupported_elements))
        ERR(c, n, "<%s> is not supported on x86_64; remove it", n->name);
    else
        ERR(c, n, "unknown element <%s> in <%s>; expected %s", n->name, parent, expected);
}

static const char *const pd_attrs[] = {"name", "priority", "budget", "period", "passive",
                                       "stack_size", "cpu", NULL};
static const char *const child_pd_attrs[] = {"name", "priority", "budget", "period", "passive",
                                             "stack_size", "cpu", "id", "setvar_id", NULL};

static bool parse_pd_attrs(ctx_t *c, const sdf_xml_node_t *n, bool is_child, sdf_pd_t *pd)
{
    uint64_t v;
    bool ok = check_attrs(c, n, is_child ? child_pd_attrs : pd_attrs);
    ok &= attr_string(c, n, "name", REQUIRED, &pd->name);
    if (pd->name && strlen(pd->name) >= SDF_PD_NAME_MAX) {
        ERR(c, n, "protection domain name '%s' is longer than %d characters; shorten it",
            pd->name, SDF_PD_NAME_MAX - 1);
        ok = false;
    }
    ok &= attr_u64(c, n, "priority", OPTIONAL, 0, SDF_MAX_PRIORITY, "priorities are 0..254", &v);
    pd->priority = (uint8_t)v;
    ok &= attr_u64(c, n, "budget", OPTIONAL, 1000, UINT64_MAX, "", &pd->budget_us);
    ok &= attr_u64(c, n, "period", OPTIONAL, pd->budget_us, UINT64_MAX, "", &pd->period_us);
    ok &= attr_bool(c, n, "passive", false, &pd->passive);
    ok &= attr_u64(c, n, "stack_size", OPTIONAL, 0x1000, UINT64_MAX, "", &pd->stack_size);
    ok &= attr_u64(c, n, "cpu", OPTIONAL, 0, SDF_MAX_CPU, "cpu numbers are 0..255", &v);
    pd->cpu = (uint32_t)v;
    if (is_child) {
        ok &= attr_u64(c, n, "id", REQUIRED, 0, SDF_MAX_CHANNEL_ID,
                       "channel, irq and child ids are 0..61", &v);
        pd->child_id = (uint32_t)v;
        ok &= attr_string(c, n, "setvar_id", OPTIONAL, &pd->setvar_id);
    }
    if (!ok)
        return false;
    if (pd->budget_us == 0) {
        ERR(c, n, "budget of protection domain '%s' is 0; give it a budget of at least 1 us",
            pd->name);
        ok = false;
    }
    if (pd->budget_us > pd->period_us) {
        ERR(c, n, "budget (%llu us) of protection domain '%s' is larger than its period "
                  "(%llu us); lower the budget or raise the period",
            (unsigned long long)pd->budget_us, pd->name, (unsigned long long)pd->period_us);
        ok = false;
    }
    if (pd->stack_size < 0x1000 || pd->stack_size > SDF_MAX_STACK ||
        pd->stack_size % 0x1000 != 0) {
        ERR(c, n, "stack_size 0x%llx of protection domain '%s' is not a multiple of 0x1000 "
                  "between 0x1000 and 0x1000000; change it",
            (unsigned long long)pd->stack_size, pd->name);
        ok = false;
    }
    if (pd->name && find_pd(c->sys, pd->name) != SDF_NONE) {
        ERR(c, n, "duplicate protection domain name '%s' (first defined at line %u); rename one",
            pd->name, c->sys->pds[find_pd(c->sys, pd->name)].loc.line);
        ok = false;
    }
    return ok;
}

typedef struct {
    uint64_t start, end; /* [start, end) */
    size_t index;
} range_t;

static int range_cmp(const void *a, const void *b)
{
    const range_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* No two maps of one PD overlap; the later one in the file is reported. */
static void check_map_overlaps(ctx_t *c, const sdf_pd_t *pd)
{
    if (pd->map_count < 2 || !pd->maps)
        return;
    range_t *r = calloc(pd->map_count, sizeof *r);
    if (!r) {
        ERR_LOC(c, pd->loc, "out of memory");
        return;
    }
    for (size_t i = 0; i < pd->map_count; i++) {
        r[i].start = pd->maps[i].vaddr;
        r[i].end = pd->maps[i].vaddr + c->sys->mrs[pd->maps[i].mr].size;
        r[i].index = i;
    }
    qsort(r, pd->map_count, sizeof *r, range_cmp);
    /* Keep the range that reaches furthest so far; any later start below its end overlaps. */
    size_t reach = 0;
    for (size_t i = 1; i < pd->map_count; i++) {
        if (r[i].start < r[reach].end) {
            const sdf_map_t *a = &pd->maps[r[reach].index], *b = &pd->maps[r[i].index];
            if (r[reach].index > r[i].index) {
                const sdf_map_t *t = a;
                a = b;
                b = t;
            }
            ERR_LOC(c, b->loc, "map of '%s' at 0x%llx overlaps the map of '%s' at 0x%llx (line "
                               "%u) in protection domain '%s'; move one of them",
                    c->sys->mrs[b->mr].name, (unsigned long long)b->vaddr,
                    c->sys->mrs[a->mr].name, (unsigned long long)a->vaddr, a->loc.line,
                    pd->name);
        }
        if (r[i].end > r[reach].end)
            reach = i;
    }
    free(r);
}

typedef struct {
    const char *symbol;
    sdf_loc_t loc;
} symbol_use_t;

static size_t add_symbol(symbol_use_t *uses, size_t count, const char *symbol, sdf_loc_t loc)
{
    if (!symbol)
        return count;
    uses[count].symbol = symbol;
    uses[count].loc = loc;
    return count + 1;
}

/* Each symbol is patched by at most one setvar_* of its PD. */
static void check_symbols(ctx_t *c, size_t pd_index)
{
    const sdf_pd_t *pd = &c->sys->pds[pd_index];
    size_t cap = 3 * pd->map_count + pd->irq_count + 2 * pd->ioport_count + pd->setvar_count +
                 c->sys->pd_count;
    if (cap == 0)
        return;
    symbol_use_t *uses = calloc(cap, sizeof *uses);
    if (!uses) {
        ERR_LOC(c, pd->loc, "out of memory");
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < pd->map_count; i++) {
        n = add_symbol(uses, n, pd->maps[i].setvar_vaddr, pd->maps[i].loc);
        n = add_symbol(uses, n, pd->maps[i].setvar_size, pd->maps[i].loc);
        n = add_symbol(uses, n, pd->maps[i].setvar_prefill_size, pd->maps[i].loc);
    }
    for (size_t i = 0; i < pd->irq_count; i++)
        n = add_symbol(uses, n, pd->irqs[i].setvar_id, pd->irqs[i].loc);
    for (size_t i = 0; i < pd->ioport_count; i++) {
        n = add_symbol(uses, n, pd->ioports[i].setvar_id, pd->ioports[i].loc);
        n = add_symbol(uses, n, pd->ioports[i].setvar_addr, pd->ioports[i].loc);
    }
    for (size_t i = 0; i < pd->setvar_count; i++)
        n = add_symbol(uses, n, pd->setvars[i].symbol, pd->setvars[i].loc);
    for (size_t i = 0; i < c->sys->pd_count; i++)
        if (c->sys->pds[i].parent == pd_index)
            n = add_symbol(uses, n, c->sys->pds[i].setvar_id, c->sys->pds[i].loc);
    for (size_t i = 1; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(uses[i].symbol, uses[j].symbol) == 0) {
                ERR_LOC(c, uses[i].loc, "symbol '%s' of protection domain '%s' is already set "
                                        "at line %u; each symbol takes one setvar, so rename "
                                        "one", uses[i].symbol, pd->name, uses[j].loc.line);
                break;
            }
    free(uses);
}

/* Ids of one kind are unique within their PD: irq ids here, channel ids later. */
static void check_pd_ids(ctx_t *c, const sdf_pd_t *pd)
{
    for (size_t i = 1; pd->irqs && i < pd->irq_count; i++)
        for (size_t j = 0; j < i; j++)
            if (pd->irqs[i].id == pd->irqs[j].id) {
                ERR_LOC(c, pd->irqs[i].loc, "id %u is already used by the irq at line %u in "
                                            "protection domain '%s'; ids must be unique, pick "
                                            "another", pd->irqs[i].id, pd->irqs[j].loc.line,
                        pd->name);
                break;
            }
    for (size_t i = 1; pd->ioports && i < pd->ioport_count; i++)
        for (size_t j = 0; j < i; j++)
            if (pd->ioports[i].id == pd->ioports[j].id) {
                ERR_LOC(c, pd->ioports[i].loc, "ioport id %u is already used at line %u in "
                                               "protection domain '%s'; pick another",
                        pd->ioports[i].id, pd->ioports[j].loc.line, pd->name);
                break;
            }
}

static void parse_pd(ctx_t *c, const sdf_xml_node_t *n, uint32_t parent, unsigned depth);

/* Maps, IRQs, I/O ports, setvars and the program image: everything but children. */
static bool parse_pd_contents(ctx_t *c, const sdf_xml_node_t *n, size_t pd_index)
{
    sdf_pd_t *pd = &c->sys->pds[pd_index];
    bool ok = true;
    size_t maps = count_children(c, n, "map"), irqs = count_children(c, n, "irq");
    size_t ioports = count_children(c, n, "ioport"), setvars = count_children(c, n, "setvar");
    pd->maps = maps ? calloc(maps, sizeof *pd->maps) : NULL;
    pd->irqs = irqs ? calloc(irqs, sizeof *pd->irqs) : NULL;
    pd->ioports = ioports ? calloc(ioports, sizeof *pd->ioports) : NULL;
    pd->setvars = setvars ? calloc(setvars, sizeof *pd->setvars) : NULL;
    if ((maps && !pd->maps) || (irqs && !pd->irqs) || (ioports && !pd->ioports) ||
        (setvars && !pd->setvars)) {
        ERR(c, n, "out of memory");
        return false;
    }
    const sdf_xml_node_t *image = NULL;
    FOR_CHILDREN(c, n, k) {
        if (strcmp(k->name, "program_image") == 0) {
            static const char *const attrs[] = {"path", NULL};
            if (image) {
                ERR(c, k, "second <program_image> in protection domain '%s' (the first is at "
                          "line %u); keep one", pd->name, image->line);
                ok = false;
                continue;
            }
            image = k;
            ok &= check_attrs(c, k, attrs);
            ok &= attr_string(c, k, "path", REQUIRED, &pd->program_image);
        } else if (strcmp(k->name, "map") == 0) {
            sdf_map_t *m = &pd->maps[pd->map_count];
            if (parse_map(c, k, pd, m))
                pd->map_count++;
            else {
                free_map(m);
                ok = false;
            }
        } else if (strcmp(k->name, "irq") == 0) {
            sdf_irq_t *irq = &pd->irqs[pd->irq_count];
            if (parse_irq(c, k, irq))
                pd->irq_count++;
            else {
                free(irq->setvar_id);
                ok = false;
            }
        } else if (strcmp(k->name, "ioport") == 0) {
            sdf_ioport_t *io = &pd->ioports[pd->ioport_count];
            if (parse_ioport(c, k, io))
                pd->ioport_count++;
            else {
                free(io->setvar_id);
                free(io->setvar_addr);
                ok = false;
            }
        } else if (strcmp(k->name, "setvar") == 0) {
            sdf_setvar_t *sv = &pd->setvars[pd->setvar_count];
            if (parse_setvar(c, k, sv))
                pd->setvar_count++;
            else {
                free(sv->symbol);
                ok = false;
            }
        } else if (strcmp(k->name, "protection_domain") != 0) {
            unknown_element(c, k, "protection_domain",
                            "program_image, map, irq, ioport, setvar or protection_domain");
            ok = false;
        }
    }
    if (!image) {
        ERR(c, n, "protection domain '%s' has no <program_image>; add <program_image "
                  "path=\"%s.elf\"/>", pd->name, pd->name);
        ok = false;
    }
    check_map_overlaps(c, pd);
    check_pd_ids(c, pd);
    return ok;
}

static void parse_pd(ctx_t *c, const sdf_xml_node_t *n, uint32_t parent, unsigned depth)
{
    sdf_system_t *sys = c->sys;
    if (sys->pd_count >= SDF_MAX_PDS) {
        ERR(c, n, "more than %d protection domains; Microkit systems have at most %d, so merge "
                  "some", SDF_MAX_PDS, SDF_MAX_PDS);
        return;
    }
    sdf_pd_t pd = {.loc = loc_of(c, n), .parent = parent};
    if (!parse_pd_attrs(c, n, parent != SDF_NONE, &pd) && !pd.name) {
        free(pd.setvar_id);
        return;
    }
    if (!grow((void **)&sys->pds, &c->pd_cap, sys->pd_count, sizeof pd)) {
        ERR(c, n, "out of memory");
        free(pd.name);
        free(pd.setvar_id);
        return;
    }
    /* Added even when its attributes had errors, so later references to it do not cascade. */
    size_t index = sys->pd_count++;
    sys->pds[index] = pd;
    parse_pd_contents(c, n, index);
    FOR_CHILDREN(c, n, k) {
        if (strcmp(k->name, "protection_domain") != 0)
            continue;
        size_t before = sys->pd_count;
        parse_pd(c, k, (uint32_t)index, depth + 1);
        if (sys->pd_count == before)
            continue;
        /* A child's id is unique among its siblings. */
        const sdf_pd_t *child = &sys->pds[before];
        for (size_t i = index + 1; i < before; i++)
            if (sys->pds[i].parent == index && sys->pds[i].child_id == child->child_id) {
                ERR_LOC(c, child->loc, "child id %u is already used by protection domain '%s' "
                                       "(line %u) under '%s'; pick another", child->child_id,
                        sys->pds[i].name, sys->pds[i].loc.line, sys->pds[index].name);
                break;
            }
    }
    check_symbols(c, index);
}

/* ---- channels ---- */

static const char *const end_attrs[] = {"pd", "id", "pp", "notify", NULL};

static bool parse_end(ctx_t *c, const sdf_xml_node_t *n, sdf_channel_end_t *end)
{
    *end = (sdf_channel_end_t){.loc = loc_of(c, n), .pd = SDF_NONE};
    uint64_t id;
    bool ok = check_attrs(c, n, end_attrs);
    ok &= attr_u64(c, n, "id", REQUIRED, 0, SDF_MAX_CHANNEL_ID,
                   "channel, irq and child ids are 0..61", &id);
    end->id = (uint32_t)id;
    ok &= attr_bool(c, n, "pp", false, &end->pp);
    ok &= attr_bool(c, n, "notify", true, &end->notify);
    const char *pd = sdf_xml_attr(n, "pd");
    if (!pd)
        ok = missing_attr(c, n, "pd");
    else if ((end->pd = find_pd(c->sys, pd)) == SDF_NONE) {
        ERR(c, n, "channel end names protection domain '%s', which does not exist; fix the "
                  "name", pd);
        ok = false;
    }
    return ok;
}

/* The id of `end` is not yet used by its PD's irqs or earlier channels. */
static bool check_end_id(ctx_t *c, const sdf_channel_end_t *end)
{
    const sdf_pd_t *pd = &c->sys->pds[end->pd];
    for (size_t i = 0; i < pd->irq_count; i++)
        if (pd->irqs[i].id == end->id) {
            ERR_LOC(c, end->loc, "id %u of protection domain '%s' is already used by the irq at "
                                 "line %u; channel and irq ids share one space, pick another",
                    end->id, pd->name, pd->irqs[i].loc.line);
            return false;
        }
    for (size_t i = 0; i < c->sys->channel_count; i++)
        for (int e = 0; e < 2; e++) {
            const sdf_channel_end_t *o = &c->sys->channels[i].end[e];
            if (o->pd == end->pd && o->id == end->id) {
                ERR_LOC(c, end->loc, "id %u of protection domain '%s' is already used by the "
                                     "channel at line %u; pick another", end->id, pd->name,
                        c->sys->channels[i].loc.line);
                return false;
            }
        }
    return true;
}

static void parse_channel(ctx_t *c, const sdf_xml_node_t *n)
{
    static const char *const none[] = {NULL};
    sdf_channel_t ch = {.loc = loc_of(c, n)};
    bool ok = check_attrs(c, n, none);
    size_t ends = 0;
    FOR_CHILDREN(c, n, k) {
        if (strcmp(k->name, "end") != 0) {
            unknown_element(c, k, "channel", "end");
            ok = false;
        } else if (ends < 2) {
            ok &= parse_end(c, k, &ch.end[ends]);
            ends++;
        } else {
            ERR(c, k, "third <end> in a channel; a channel connects exactly two protection "
                      "domains, so remove it");
            ok = false;
        }
    }
    if (ends < 2) {
        ERR(c, n, "channel has %zu <end>; a channel needs exactly two, add <end pd=\"...\" "
                  "id=\"...\"/>", ends);
        ok = false;
    }
    if (!ok)
        return;
    const sdf_pd_t *a = &c->sys->pds[ch.end[0].pd], *b = &c->sys->pds[ch.end[1].pd];
    if (ch.end[0].pd == ch.end[1].pd) {
        ERR(c, n, "both ends of the channel are protection domain '%s'; a channel connects two "
                  "different PDs", a->name);
        return;
    }
    if (ch.end[0].pp && ch.end[1].pp) {
        ERR(c, n, "both ends have pp=\"true\"; protected calls go one way only, so remove pp "
                  "from one end");
        return;
    }
    for (int e = 0; e < 2; e++) {
        const sdf_pd_t *caller = e == 0 ? a : b, *callee = e == 0 ? b : a;
        if (ch.end[e].pp && callee->priority <= caller->priority) {
            ERR_LOC(c, ch.end[e].loc, "'%s' (priority %u) makes protected calls to '%s' "
                                      "(priority %u), which is not higher; a protected call goes "
                                      "only to a strictly higher priority, so raise '%s' or "
                                      "drop pp", caller->name, caller->priority, callee->name,
                    callee->priority, callee->name);
            ok = false;
        }
    }
    ok &= check_end_id(c, &ch.end[0]);
    ok &= check_end_id(c, &ch.end[1]);
    if (!ok)
        return;
    if (!grow((void **)&c->sys->channels, &c->channel_cap, c->sys->channel_count, sizeof ch)) {
        ERR(c, n, "out of memory");
        return;
    }
    c->sys->channels[c->sys->channel_count++] = ch;
}

/* ---- checks across PDs ---- */

static void check_irqs_and_ports(ctx_t *c)
{
    const sdf_system_t *sys = c->sys;
    for (size_t p = 0; p < sys->pd_count; p++) {
        for (size_t i = 0; i < sys->pds[p].irq_count; i++) {
            const sdf_irq_t *x = &sys->pds[p].irqs[i];
            bool reported = false;
            for (size_t q = 0; q <= p && !reported; q++) {
                size_t end = q == p ? i : sys->pds[q].irq_count;
                for (size_t j = 0; j < end && !reported; j++) {
                    const sdf_irq_t *y = &sys->pds[q].irqs[j];
                    bool same_source =
                        x->kind == y->kind &&
                        (x->kind == SDF_IRQ_IOAPIC
                             ? x->ioapic == y->ioapic && x->pin == y->pin
                             : x->pci_bus == y->pci_bus && x->pci_dev == y->pci_dev &&
                                   x->pci_func == y->pci_func && x->handle == y->handle);
                    if (same_source || x->vector == y->vector) {
                        ERR_LOC(c, x->loc, "this irq %s the irq at line %u (protection domain "
                                           "'%s'); an interrupt goes to one PD only, so remove "
                                           "one or change its %s",
                                same_source ? "has the same source as" : "uses the vector of",
                                y->loc.line, sys->pds[q].name, same_source ? "source" : "vector");
                        reported = true;
                    }
                }
            }
        }
        for (size_t i = 0; i < sys->pds[p].ioport_count; i++) {
            const sdf_ioport_t *x = &sys->pds[p].ioports[i];
            bool reported = false;
            for (size_t q = 0; q <= p && !reported; q++) {
                size_t end = q == p ? i : sys->pds[q].ioport_count;
                for (size_t j = 0; j < end && !reported; j++) {
                    const sdf_ioport_t *y = &sys->pds[q].ioports[j];
                    if (x->addr < y->addr + y->size && y->addr < x->addr + x->size) {
                        ERR_LOC(c, x->loc, "I/O ports 0x%x..0x%x overlap ports 0x%x..0x%x "
                                           "granted at line %u (protection domain '%s'); grant "
                                           "each port once", x->addr, x->addr + x->size - 1,
                                y->addr, y->addr + y->size - 1, y->loc.line, sys->pds[q].name);
                        reported = true;
                    }
                }
            }
        }
    }
}

static void parse_system(ctx_t *c)
{
    static const char *const none[] = {NULL};
    const sdf_xml_node_t *root = &c->xml->nodes[0];
    if (strcmp(root->name, "system") != 0) {
        ERR(c, root, "the root element is <%s>; a system description is one <system> element",
            root->name);
        return;
    }
    check_attrs(c, root, none);
    size_t regions = count_children(c, root, "memory_region");
    c->mr_index_cap = 16;
    while (c->mr_index_cap < 2 * regions)
        c->mr_index_cap *= 2;
    c->mr_index = malloc(c->mr_index_cap * sizeof *c->mr_index);
    if (!c->mr_index) {
        c->mr_index_cap = 0;
        ERR(c, root, "out of memory");
        return;
    }
    for (size_t i = 0; i < c->mr_index_cap; i++)
        c->mr_index[i] = SDF_NONE;
    FOR_CHILDREN(c, root, k) {
        if (strcmp(k->name, "memory_region") == 0)
            parse_mr(c, k);
        else if (strcmp(k->name, "protection_domain") != 0 && strcmp(k->name, "channel") != 0)
            unknown_element(c, k, "system", "memory_region, protection_domain or channel");
    }
    FOR_CHILDREN(c, root, k)
        if (strcmp(k->name, "protection_domain") == 0)
            parse_pd(c, k, SDF_NONE, 0);
    FOR_CHILDREN(c, root, k)
        if (strcmp(k->name, "channel") == 0)
            parse_channel(c, k);
    check_irqs_and_ports(c);
    if (c->sys->pd_count == 0 && c->errors == 0)
        ERR(c, root, "the system has no protection domain; add a <protection_domain>");
}

/* ---- entry points ---- */

void sdf_free(sdf_system_t *sys)
{
    if (!sys)
        return;
    for (size_t i = 0; i < sys->mr_count; i++)
        free_mr(&sys->mrs[i]);
    free(sys->mrs);
    for (size_t i = 0; i < sys->pd_count; i++) {
        sdf_pd_t *pd = &sys->pds[i];
        free(pd->name);
        free(pd->program_image);
        free(pd->program_image_path);
        free(pd->setvar_id);
        for (size_t j = 0; j < pd->map_count; j++)
            free_map(&pd->maps[j]);
        free(pd->maps);
        for (size_t j = 0; j < pd->irq_count; j++)
            free(pd->irqs[j].setvar_id);
        free(pd->irqs);
        for (size_t j = 0; j < pd->ioport_count; j++) {
            free(pd->ioports[j].setvar_id);
            free(pd->ioports[j].setvar_addr);
        }
        free(pd->ioports);
        for (size_t j = 0; j < pd->setvar_count; j++)
            free(pd->setvars[j].symbol);
        free(pd->setvars);
    }
    free(sys->pds);
    free(sys->channels);
    for (size_t i = 0; i < sys->file_count; i++)
        free(sys->files[i]);
    free(sys->files);
    free(sys);
}

static int parse_buffer(const char *file_name, const char *buf, size_t len,
                        const char *const *dirs, size_t ndirs, sdf_system_t **out, FILE *diag)
{
    *out = NULL;
    sdf_system_t *sys = calloc(1, sizeof *sys);
    if (sys)
        sys->files = calloc(1, sizeof *sys->files);
    if (!sys || !sys->files || !(sys->files[0] = copy_string(file_name))) {
        fprintf(diag, "%s: error: out of memory\n", file_name);
        sdf_free(sys);
        return -1;
    }
    sys->file_count = 1;
    sdf_xml_t xml;
    if (sdf_xml_read(sys->files[0], buf, len, &xml, diag) != 0) {
        sdf_free(sys);
        return -1;
    }
    ctx_t c = {.file = sys->files[0], .diag = diag, .xml = &xml, .sys = sys, .dirs = dirs,
               .ndirs = ndirs};
    parse_system(&c);
    free(c.mr_index);
    sdf_xml_free(&xml);
    if (c.errors) {
        sdf_free(sys);
        return -1;
    }
    *out = sys;
    return 0;
}

int sdf_parse_buffer(const char *file_name, const char *buf, size_t len, sdf_system_t **out,
                     FILE *diag)
{
    return parse_buffer(file_name, buf, len, NULL, 0, out, diag);
}

int sdf_parse_file(const char *path, sdf_system_t **out, FILE *diag)
{
    return sdf_parse_file_search(path, NULL, 0, out, diag);
}

int sdf_parse_file_search(const char *path, const char *const *dirs, size_t ndirs,
                          sdf_system_t **out, FILE *diag)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(diag, "%s: error: cannot open the system description: %s; check the path\n",
                path, strerror(errno));
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = -1;
    for (;;) {
        if (len == cap) {
            if (cap >= SDF_MAX_FILE_SIZE) {
                fprintf(diag, "%s: error: the file is larger than %u MiB, which no system "
                              "description is; check the path\n", path, SDF_MAX_FILE_SIZE >> 20);
                goto out;
            }
            cap = cap ? cap * 2 : 65536;
            char *grown = realloc(buf, cap);
            if (!grown) {
                fprintf(diag, "%s: error: out of memory\n", path);
                goto out;
            }
            buf = grown;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(diag, "%s: error: cannot read the system description: %s\n", path,
                strerror(errno));
        goto out;
    }
    rc = parse_buffer(path, buf ? buf : "", len, dirs, ndirs, out, diag);
out:
    free(buf);
    fclose(f);
    return rc;
}

/* A readable regular file's size, or false. */
static bool readable_file_size(const char *path, uint64_t *size)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fclose(f);
    *size = (uint64_t)st.st_size;
    return true;
}

static char *join_path(const char *dir, const char *name)
{
    size_t len = strlen(dir), n = len + 1 + strlen(name) + 1;
    bool slash = len > 0 && dir[len - 1] == '/'; /* "dir/" + "x", not "dir//x" */
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s%s%s", dir, slash ? "" : "/", name);
    return p;
}

/*
 * The path of `name` found as the builder finds files: an absolute name as
 * it is, a relative one in `dirs` in order, or in the current directory
 * when there are none. NULL when there is no such readable file.
 */
static char *find_file(const char *name, const char *const *dirs, size_t ndirs, uint64_t *size)
{
    if (name[0] == '/' || ndirs == 0)
        return readable_file_size(name, size) ? copy_string(name) : NULL;
    for (size_t i = 0; i < ndirs; i++) {
        char *p = join_path(dirs[i], name);
        if (p && readable_file_size(p, size))
            return p;
        free(p);
    }
    return NULL;
}

/*
 * A prefill file is looked for as Microkit does, in the search directories,
 * and then, as the image writer has always done, where the path leads from
 * the current directory and beside the system description.
 */
static char *find_prefill(const sdf_mr_t *mr, const char *const *dirs, size_t ndirs,
                          uint64_t *size)
{
    const char *name = mr->prefill_path;
    char *found = ndirs ? find_file(name, dirs, ndirs, size) : NULL;
    if (!found)
        found = find_file(name, NULL, 0, size);
    const char *slash = mr->loc.file ? strrchr(mr->loc.file, '/') : NULL;
    if (!found && name[0] != '/' && slash) {
        size_t n = (size_t)(slash - mr->loc.file) + 1 + strlen(name) + 1;
        char *beside = malloc(n);
        if (beside) {
            snprintf(beside, n, "%.*s/%s", (int)(slash - mr->loc.file), mr->loc.file, name);
            if (readable_file_size(beside, size))
                return beside;
            free(beside);
        }
    }
    return found;
}

static void describe_prefill_dirs(const sdf_mr_t *mr, const char *const *dirs, size_t ndirs,
                                  char *where, size_t where_size)
{
    if (mr->prefill_path[0] == '/') {
        snprintf(where, where_size, "that absolute path");
        return;
    }
    size_t used = 0;
    where[0] = '\0';
    for (size_t d = 0; d < ndirs && used < where_size; d++) {
        int w = snprintf(where + used, where_size - used, "%s, ", dirs[d]);
        if (w < 0)
            return;
        used += (size_t)w;
    }
    const char *slash = mr->loc.file ? strrchr(mr->loc.file, '/') : NULL;
    if (used < where_size)
        snprintf(where + used, where_size - used, "the current directory%s%.*s",
                 slash ? " or " : "", slash ? (int)(slash - mr->loc.file) : 0,
                 slash ? mr->loc.file : "");
}

/* Where find_file looked, for a message. */
static void describe_dirs(const char *name, const char *const *dirs, size_t ndirs, char *where,
                          size_t where_size)
{
    snprintf(where, where_size, "the current directory");
    if (name[0] == '/') {
        snprintf(where, where_size, "that absolute path");
    } else if (ndirs > 0) {
        size_t used = 0;
        where[0] = '\0';
        for (size_t d = 0; d < ndirs && used < where_size; d++) {
            int w = snprintf(where + used, where_size - used, "%s%s", d ? ", " : "", dirs[d]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
    }
}

int sdf_resolve_images(sdf_system_t *sys, const char *const *dirs, size_t ndirs, FILE *diag)
{
    char **found = calloc(sys->pd_count ? sys->pd_count : 1, sizeof *found);
    if (!found) {
        fprintf(diag, "error: out of memory\n");
        return -1;
    }
    int rc = 0;
    char where[768];
    for (size_t i = 0; i < sys->pd_count; i++) {
        const sdf_pd_t *pd = &sys->pds[i];
        uint64_t size;
        found[i] = find_file(pd->program_image, dirs, ndirs, &size);
        if (found[i])
            continue;
        rc = -1;
        describe_dirs(pd->program_image, dirs, ndirs, where, sizeof where);
        fprintf(diag, "%s:%u:%u: error: program image '%s' of protection domain '%s' is not in "
                      "%s; build it, or add its directory with --search-path\n",
                pd->loc.file, pd->loc.line, pd->loc.column, pd->program_image, pd->name, where);
    }
    /* Prefill files the parse did not find must be on the search path now. */
    for (size_t i = 0; i < sys->mr_count; i++) {
        const sdf_mr_t *mr = &sys->mrs[i];
        if (!mr->prefill_path || mr->prefill_file)
            continue;
        uint64_t bytes = 0;
        char *file = find_prefill(mr, dirs, ndirs, &bytes);
        if (!file) {
            describe_prefill_dirs(mr, dirs, ndirs, where, sizeof where);
            fprintf(diag, "%s:%u:%u: error: prefill file '%s' of memory_region '%s' is not in "
                          "%s; create it, or add its directory with --search-path\n",
                    mr->loc.file, mr->loc.line, mr->loc.column, mr->prefill_path, mr->name,
                    where);
            rc = -1;
        }
        free(file);
    }
    for (size_t i = 0; i < sys->pd_count; i++) {
        if (rc == 0) {
            free(sys->pds[i].program_image_path);
            sys->pds[i].program_image_path = found[i];
        } else {
            free(found[i]);
        }
    }
    /* Only when everything resolves does the model change. */
    for (size_t i = 0; rc == 0 && i < sys->mr_count; i++) {
        sdf_mr_t *mr = &sys->mrs[i];
        if (mr->prefill_path && !mr->prefill_file)
            mr->prefill_file = find_prefill(mr, dirs, ndirs, &mr->prefill_size);
    }
    free(found);
    return rc;
}
