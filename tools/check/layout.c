/*
 * Per-PD page planning for the report and the benchmark.
 *
 * This file asks the real planner (vspace_plan) for the tables and then reads
 * them back the way the MMU would, so the page sizes it reports are the ones
 * the image will use, not a second opinion. The plan is made twice: once to
 * count the tables, once into a pool of exactly that size.
 */
#include "tools/check/layout.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lib/vspace/vspace_plan.h"

/* Where unplaced regions are assumed to start: above the first 4 GiB. */
#define LAYOUT_PLACEMENT_BASE 0x100000000ull

uint64_t layout_region_paddr(const sdf_system_t *sys, size_t mr)
{
    if (sys->mrs[mr].has_phys_addr)
        return sys->mrs[mr].phys_addr;
    /* Unplaced regions one after another, each aligned to its page size. */
    uint64_t cursor = LAYOUT_PLACEMENT_BASE;
    for (size_t i = 0; i <= mr; i++) {
        const sdf_mr_t *r = &sys->mrs[i];
        if (r->has_phys_addr)
            continue;
        cursor = (cursor + r->page_size - 1) & ~(r->page_size - 1);
        if (i == mr)
            break;
        cursor += r->size;
    }
    return cursor;
}

static uint32_t attrs_of(const sdf_map_t *m)
{
    uint32_t a = VSPACE_ATTR_READ | VSPACE_ATTR_USER;
    if (m->perms & SDF_PERM_W)
        a |= VSPACE_ATTR_WRITE;
    if (m->perms & SDF_PERM_X)
        a |= VSPACE_ATTR_EXEC;
    if (!m->cached)
        a |= VSPACE_ATTR_UNCACHED;
    return a;
}

/* The size of the leaf translating va, or 0 when va is unmapped. */
static uint64_t leaf_size(const vspace_pool_t *pool, size_t root, uint64_t va)
{
    const uint64_t *table = pool->tables[root];
    for (int level = 3; level >= 0; level--) {
        uint64_t entry = table[(va >> (12 + 9 * level)) & 511];
        if (!(entry & VSPACE_PTE_P))
            return 0;
        if (level == 0 || (entry & VSPACE_PTE_PS))
            return VSPACE_PAGE_4K << (9 * level);
        size_t next = (size_t)(((entry & VSPACE_PTE_ADDR) - pool->phys_base) / VSPACE_PAGE_4K);
        if (next >= pool->used)
            return 0;
        table = pool->tables[next];
    }
    return 0;
}

void layout_free(layout_pd_t *layout)
{
    free(layout->maps);
    layout->maps = NULL;
}

int layout_plan_pd(const sdf_system_t *sys, const uint64_t *mr_phys, size_t pd_index, bool only_4k,
                   layout_pd_t *out)
{
    const sdf_pd_t *pd = &sys->pds[pd_index];
    size_t count = pd->map_count + 2;
    int rc = -1;
    *out = (layout_pd_t){0};
    vspace_mapping_t *maps = calloc(count, sizeof *maps);
    vspace_piece_t *scratch = calloc(2 * count + 1, sizeof *scratch);
    vspace_pool_t pool = {0};
    out->maps = calloc(pd->map_count ? pd->map_count : 1, sizeof *out->maps);
    if (!maps || !scratch || !out->maps)
        goto out;
    for (size_t i = 0; i < pd->map_count; i++) {
        const sdf_map_t *m = &pd->maps[i];
        const sdf_mr_t *mr = &sys->mrs[m->mr];
        maps[i] = (vspace_mapping_t){.vaddr = m->vaddr, .paddr = mr_phys ? mr_phys[m->mr] : layout_region_paddr(sys, m->mr),
                                     .size = mr->size, .attrs = attrs_of(m),
                                     .max_page = only_4k ? VSPACE_PAGE_4K : mr->page_size};
    }
    /* The stack and the IPC buffer, in 4 KiB pages; their frames are the builder's. */
    uint32_t rw = VSPACE_ATTR_READ | VSPACE_ATTR_WRITE | VSPACE_ATTR_USER;
    maps[pd->map_count] = (vspace_mapping_t){.vaddr = SDF_PD_STACK_TOP - pd->stack_size,
                                             .paddr = 0, .size = pd->stack_size, .attrs = rw,
                                             .max_page = VSPACE_PAGE_4K};
    maps[pd->map_count + 1] = (vspace_mapping_t){.vaddr = SDF_PD_IPC_BUFFER, .paddr = 0,
                                                 .size = VSPACE_PAGE_4K, .attrs = rw,
                                                 .max_page = VSPACE_PAGE_4K};
    size_t root;
    if (vspace_plan(maps, count, true, scratch, 2 * count + 1, &pool, &root) != VSPACE_OK)
        goto out;
    if (only_4k) {
        /* Every leaf is 4 KiB by construction: counting the tables is enough. */
        out->tables = pool.used;
        for (size_t i = 0; i < pd->map_count; i++)
            out->maps[i].pages[LAYOUT_4K] = (size_t)(maps[i].size / VSPACE_PAGE_4K);
        rc = 0;
        goto out;
    }
    size_t needed = pool.used;
    pool = (vspace_pool_t){.tables = calloc(needed, sizeof *pool.tables), .capacity = needed,
                           .phys_base = 0x1000000};
    if (!pool.tables ||
        vspace_plan(maps, count, true, scratch, 2 * count + 1, &pool, &root) != VSPACE_OK)
        goto out;
    out->tables = pool.used;
    for (size_t i = 0; i < pd->map_count; i++) {
        uint64_t va = maps[i].vaddr, end = maps[i].vaddr + maps[i].size;
        while (va < end) {
            uint64_t size = leaf_size(&pool, root, va);
            if (size == 0)
                goto out; /* the plan must translate every mapped page */
            out->maps[i].pages[size == VSPACE_PAGE_4K ? LAYOUT_4K
                               : size == VSPACE_PAGE_2M ? LAYOUT_2M
                                                        : LAYOUT_1G]++;
            va = (va & ~(size - 1)) + size;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        layout_free(out);
    free(pool.tables);
    free(scratch);
    free(maps);
    return rc;
}

typedef struct {
    uint64_t start, end; /* [start, end) */
} span_t;

static int span_cmp(const void *a, const void *b)
{
    const span_t *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

size_t layout_tables_4k(const sdf_system_t *sys, size_t pd_index)
{
    const sdf_pd_t *pd = &sys->pds[pd_index];
    size_t n = pd->map_count + 2;
    span_t *spans = calloc(n, sizeof *spans);
    if (!spans)
        return 0;
    for (size_t i = 0; i < pd->map_count; i++)
        spans[i] = (span_t){pd->maps[i].vaddr,
                            pd->maps[i].vaddr + sys->mrs[pd->maps[i].mr].size};
    spans[pd->map_count] = (span_t){SDF_PD_STACK_TOP - pd->stack_size, SDF_PD_STACK_TOP};
    spans[pd->map_count + 1] = (span_t){SDF_PD_IPC_BUFFER, SDF_PD_IPC_BUFFER + VSPACE_PAGE_4K};
    qsort(spans, n, sizeof *spans, span_cmp);
    size_t tables = 1; /* the PML4 */
    /* Spans are disjoint and sorted, so each level's slots are met in order. */
    static const unsigned shifts[] = {21, 30, 39}; /* a PT per 2 MiB, a PD per 1 GiB, ... */
    for (size_t level = 0; level < 3; level++) {
        bool any = false;
        uint64_t last_counted = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t first = spans[i].start >> shifts[level];
            uint64_t last = (spans[i].end - 1) >> shifts[level];
            if (any && first <= last_counted)
                first = last_counted + 1;
            if (first <= last) {
                tables += (size_t)(last - first + 1);
                last_counted = last;
                any = true;
            }
        }
    }
    free(spans);
    return tables;
}
