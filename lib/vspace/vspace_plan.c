/*
 * Page-table planning: mappings in, minimal x86_64 page tables out.
 *
 * Two steps. First the mappings are flattened into a sorted list of disjoint
 * pieces, later mappings replacing earlier ones where they overlap. Then the
 * tables are built top-down from that final picture: at each level, a slot
 * becomes a leaf when one piece covers it entirely, with a physical address
 * aligned to the slot's size, at a page size that the CPU and the piece's
 * mapping allow; otherwise the slot gets a table and the level below decides.
 *
 * Because tables are made only from the final picture, shattering is never a
 * repair step here: a large page that a later mapping cuts into is simply
 * never made, and its surviving parts become next-size pages. It also means a
 * table page exists only where a leaf cannot, which is the fewest possible.
 *
 * Addresses are handled with inclusive ends ("last") so that a mapping that
 * ends at the very top of the address space needs no special case.
 *
 * This file must stay freestanding: no libc beyond what a compiler provides.
 */
#include "lib/vspace/vspace_plan.h"

#define LOWER_HALF_LAST 0x00007FFFFFFFFFFFull
#define UPPER_HALF_FIRST 0xFFFF800000000000ull
#define PHYS_LIMIT (1ull << 52)

static uint64_t level_size(int level)
{
    return VSPACE_PAGE_4K << (9 * level);
}

static bool is_canonical_range(uint64_t first, uint64_t last)
{
    return (last <= LOWER_HALF_LAST) || (first >= UPPER_HALF_FIRST && first <= last);
}

uint64_t vspace_entry_bits(uint32_t attrs)
{
    uint64_t bits = VSPACE_PTE_P;
    if (attrs & VSPACE_ATTR_WRITE)
        bits |= VSPACE_PTE_RW;
    if (attrs & VSPACE_ATTR_USER)
        bits |= VSPACE_PTE_US;
    if (attrs & VSPACE_ATTR_UNCACHED)
        bits |= VSPACE_PTE_PCD | VSPACE_PTE_PWT;
    if (attrs & VSPACE_ATTR_GLOBAL)
        bits |= VSPACE_PTE_G;
    if (!(attrs & VSPACE_ATTR_EXEC))
        bits |= VSPACE_PTE_NX;
    return bits;
}

static bool mapping_valid(const vspace_mapping_t *m)
{
    if (m->size == 0 || (m->vaddr | m->paddr | m->size) & (VSPACE_PAGE_4K - 1))
        return false;
    if (m->vaddr + (m->size - 1) < m->vaddr || m->paddr + (m->size - 1) < m->paddr)
        return false; /* wraps */
    if (m->paddr + (m->size - 1) >= PHYS_LIMIT)
        return false;
    if (!(m->attrs & VSPACE_ATTR_READ))
        return false; /* x86 has no mapping that is present but unreadable */
    if (m->max_page != VSPACE_PAGE_4K && m->max_page != VSPACE_PAGE_2M && m->max_page != VSPACE_PAGE_1G)
        return false;
    return is_canonical_range(m->vaddr, m->vaddr + (m->size - 1));
}

/*
 * Lays mapping m over the sorted disjoint pieces [0, *n). Pieces that m
 * overlaps lose the overlapped part; at most one piece is split in two.
 */
static vspace_err_t pieces_insert(vspace_piece_t *p, size_t *n, size_t cap, const vspace_mapping_t *m)
{
    uint64_t first = m->vaddr, last = m->vaddr + (m->size - 1);
    size_t i = 0, j;
    vspace_piece_t repl[3];
    size_t k = 0;

    while (i < *n && p[i].vend < first) /* vend is inclusive */
        i++;
    for (j = i; j < *n && p[j].vstart <= last; j++)
        ;
    if (i < j && p[i].vstart < first) {
        repl[k] = p[i];
        repl[k].vend = first - 1;
        k++;
    }
    repl[k].vstart = first;
    repl[k].vend = last;
    repl[k].pstart = m->paddr;
    repl[k].attrs = m->attrs;
    repl[k].max_page = m->max_page;
    k++;
    if (i < j && p[j - 1].vend > last) {
        repl[k] = p[j - 1];
        repl[k].vstart = last + 1;
        repl[k].pstart = p[j - 1].pstart + (last + 1 - p[j - 1].vstart);
        k++;
    }
    size_t new_n = *n - (j - i) + k;
    if (new_n > cap)
        return VSPACE_ENOMEM;
    /* Move the tail, then drop the replacement in. */
    size_t tail = *n - j;
    if (i + k != j) {
        if (i + k > j) {
            for (size_t t = tail; t > 0; t--)
                p[i + k + t - 1] = p[j + t - 1];
        } else {
            for (size_t t = 0; t < tail; t++)
                p[i + k + t] = p[j + t];
        }
    }
    for (size_t t = 0; t < k; t++)
        p[i + t] = repl[t];
    *n = new_n;
    return VSPACE_OK;
}

typedef struct {
    const vspace_piece_t *pieces;
    size_t count;
    bool allow_1g;
    vspace_pool_t *pool;
} plan_t;

static vspace_err_t table_alloc(vspace_pool_t *pool, size_t *index)
{
    if (pool->tables && pool->used >= pool->capacity)
        return VSPACE_ENOSPC;
    *index = pool->used++;
    if (pool->tables)
        for (size_t e = 0; e < VSPACE_ENTRIES; e++)
            pool->tables[*index][e] = 0;
    return VSPACE_OK;
}

static uint64_t table_phys(const vspace_pool_t *pool, size_t index)
{
    return pool->phys_base + (uint64_t)index * VSPACE_PAGE_4K;
}

static void table_set(vspace_pool_t *pool, size_t table, size_t slot, uint64_t entry)
{
    if (pool->tables)
        pool->tables[table][slot] = entry;
}

static bool leaf_allowed(const plan_t *plan, int level)
{
    return level == 0 || level == 1 || (level == 2 && plan->allow_1g);
}

/* The virtual address where slot `slot` of a table at `level` starting at `base` begins. */
static uint64_t slot_base(int level, uint64_t base, size_t slot)
{
    uint64_t v = base + (uint64_t)slot * level_size(level);
    if (level == 3 && slot >= 256)
        v |= 0xFFFF000000000000ull; /* sign-extend into the upper half */
    return v;
}

/*
 * Fills table `table` at `level`, whose range starts at `base`, from the
 * pieces [lo, hi), which are exactly the pieces that intersect its range.
 */
static vspace_err_t build(const plan_t *plan, int level, uint64_t base, size_t table, size_t lo, size_t hi)
{
    uint64_t size = level_size(level);
    size_t cur = lo;

    for (size_t slot = 0; slot < VSPACE_ENTRIES && cur < hi; slot++) {
        uint64_t first = slot_base(level, base, slot), last = first + (size - 1);
        size_t a = cur, b;

        while (a < hi && plan->pieces[a].vend < first)
            a++;
        for (b = a; b < hi && plan->pieces[b].vstart <= last; b++)
            ;
        cur = a;
        if (a == b)
            continue; /* nothing mapped in this slot */

        const vspace_piece_t *p = &plan->pieces[a];
        uint64_t pa = p->pstart + (first - p->vstart);
        if (leaf_allowed(plan, level) && b == a + 1 && p->vstart <= first && p->vend >= last &&
            (pa & (size - 1)) == 0 && p->max_page >= size) {
            uint64_t bits = vspace_entry_bits(p->attrs);
            if (level > 0) {
                bits |= VSPACE_PTE_PS;
            }
            table_set(plan->pool, table, slot, bits | pa);
        } else {
            size_t child;
            vspace_err_t err = table_alloc(plan->pool, &child);
            if (err)
                return err;
            /* Intermediate entries grant everything; the leaves decide. */
            uint64_t bits = VSPACE_PTE_P | VSPACE_PTE_RW;
            if (first <= LOWER_HALF_LAST)
                bits |= VSPACE_PTE_US;
            table_set(plan->pool, table, slot, bits | table_phys(plan->pool, child));
            err = build(plan, level - 1, first, child, a, b);
            if (err)
                return err;
        }
        /* The last piece may continue into the next slot; keep it current. */
        cur = (plan->pieces[b - 1].vend > last) ? b - 1 : b;
    }
    return VSPACE_OK;
}

vspace_err_t vspace_plan(const vspace_mapping_t *mappings, size_t count, bool allow_1g,
                         vspace_piece_t *scratch, size_t scratch_count, vspace_pool_t *pool,
                         size_t *root)
{
    size_t n = 0;
    size_t used_before = pool->used;

    for (size_t i = 0; i < count; i++)
        if (!mapping_valid(&mappings[i]))
            return VSPACE_EINVAL;
    for (size_t i = 0; i < count; i++) {
        vspace_err_t err = pieces_insert(scratch, &n, scratch_count, &mappings[i]);
        if (err)
            return err;
    }

    plan_t plan = {.pieces = scratch, .count = n, .allow_1g = allow_1g, .pool = pool};
    vspace_err_t err = table_alloc(pool, root);
    if (!err)
        err = build(&plan, 3, 0, *root, 0, n);
    if (err)
        pool->used = used_before; /* what was written above `used` is garbage to the caller */
    return err;
}

vspace_err_t vspace_shatter_1g(vspace_pool_t *pool, size_t root)
{
    if (!pool->tables || root >= pool->used)
        return VSPACE_EINVAL;
    for (size_t i = 0; i < VSPACE_ENTRIES; i++) {
        uint64_t e4 = pool->tables[root][i];
        if (!(e4 & VSPACE_PTE_P))
            continue;
        uint64_t off = (e4 & VSPACE_PTE_ADDR) - pool->phys_base;
        if ((e4 & VSPACE_PTE_ADDR) < pool->phys_base || off / VSPACE_PAGE_4K >= pool->used)
            return VSPACE_EINVAL; /* not one of ours */
        size_t pdpt = (size_t)(off / VSPACE_PAGE_4K);
        for (size_t j = 0; j < VSPACE_ENTRIES; j++) {
            uint64_t e3 = pool->tables[pdpt][j];
            if (!(e3 & VSPACE_PTE_P) || !(e3 & VSPACE_PTE_PS))
                continue;
            size_t pd;
            vspace_err_t err = table_alloc(pool, &pd);
            if (err)
                return err;
            /* The 2 MiB entries keep every bit of the 1 GiB one, PS and PAT included. */
            uint64_t bits = e3 & ~(VSPACE_PTE_ADDR & ~VSPACE_PTE_PAT_LARGE);
            uint64_t pa = e3 & VSPACE_PTE_ADDR & ~VSPACE_PTE_PAT_LARGE;
            for (size_t k = 0; k < VSPACE_ENTRIES; k++)
                pool->tables[pd][k] = bits | (pa + k * VSPACE_PAGE_2M);
            uint64_t link = VSPACE_PTE_P | VSPACE_PTE_RW | (e3 & VSPACE_PTE_US);
            pool->tables[pdpt][j] = link | table_phys(pool, pd);
        }
    }
    return VSPACE_OK;
}
