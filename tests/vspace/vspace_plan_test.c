/*
 * Property test of the page planner against a reference model.
 *
 * Thousands of random mapping sets (random sizes, alignments, overlaps,
 * orders, attributes and page-size limits, in both halves of the address
 * space) are planned. The resulting tables are walked as the MMU walks them,
 * and every leaf is compared with the reference model, which is the plain
 * definition: an address translates through the last mapping that contains
 * it. The comparison is exact, not sampled: between two consecutive mapping
 * boundaries both sides are linear, so checking each such segment's first
 * and last page inside each leaf checks every page.
 *
 * Beyond translation, the test proves the plan is as small as it can be:
 * every leaf is the largest page the model allows there, every table is
 * reachable exactly once, and so the number of tables is the minimum. Plans
 * with 1 GiB pages are then shattered as the kernel does on CPUs without
 * them, and checked again.
 *
 * Usage: vspace_plan_test [ITERATIONS [SEED]]
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vspace/vspace_plan.h"

#define MAX_MAPPINGS 14
#define POOL_TABLES 4096
#define POOL_PHYS 0x7000000000ull /* where the test pretends its pool lives */
#define MAX_LEAVES 200000

static uint64_t rng_state;

static uint64_t rng(void)
{
    /* xorshift64*: small, fast and reproducible from the printed seed. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}

static uint64_t pick(uint64_t n)
{
    return rng() % n;
}

typedef struct {
    uint64_t first, size, paddr, bits;
    int level;
} leaf_t;

static uint64_t (*pool_tables)[VSPACE_ENTRIES];
static leaf_t leaves[MAX_LEAVES];
static size_t leaf_count;
static unsigned char reached[POOL_TABLES];
static int failures;
static const char *current_case;

#define CHECK(cond, ...)                                                                                   \
    do {                                                                                                   \
        if (!(cond)) {                                                                                     \
            if (failures++ < 10) {                                                                         \
                fprintf(stderr, "%s: check failed at %s:%d: %s: ", current_case, __FILE__, __LINE__, #cond); \
                fprintf(stderr, __VA_ARGS__);                                                              \
                fprintf(stderr, "\n");                                                                     \
            }                                                                                              \
            return;                                                                                        \
        }                                                                                                  \
    } while (0)

static uint64_t level_size(int level)
{
    return VSPACE_PAGE_4K << (9 * level);
}

/* The entry bits the x86_64 manual asks for, written out independently. */
static uint64_t expected_bits(uint32_t attrs)
{
    uint64_t bits = 1ull; /* present */
    if (attrs & VSPACE_ATTR_WRITE)
        bits |= 1ull << 1;
    if (attrs & VSPACE_ATTR_USER)
        bits |= 1ull << 2;
    if (attrs & VSPACE_ATTR_UNCACHED)
        bits |= (1ull << 3) | (1ull << 4); /* write-through and cache-disable: strong uncached */
    if (attrs & VSPACE_ATTR_GLOBAL)
        bits |= 1ull << 8;
    if (!(attrs & VSPACE_ATTR_EXEC))
        bits |= 1ull << 63;
    return bits;
}

/* The reference model: the last mapping containing v, or -1. */
static int model_winner(const vspace_mapping_t *m, size_t n, uint64_t v)
{
    for (size_t i = n; i-- > 0;)
        if (v >= m[i].vaddr && v - m[i].vaddr < m[i].size)
            return (int)i;
    return -1;
}

/* Walks the tables as the MMU would, collecting leaves and marking tables. */
static void walk(const vspace_pool_t *pool, size_t table, int level, uint64_t base, size_t used)
{
    CHECK(table < used, "table index %zu beyond %zu used", table, used);
    CHECK(!reached[table], "table %zu reached twice", table);
    reached[table] = 1;
    for (size_t s = 0; s < VSPACE_ENTRIES; s++) {
        uint64_t e = pool->tables[table][s];
        uint64_t first = base + s * level_size(level);
        if (level == 3 && s >= 256)
            first |= 0xFFFF000000000000ull;
        if (!(e & VSPACE_PTE_P))
            continue;
        if (level == 0 || (e & VSPACE_PTE_PS)) {
            CHECK(level <= 2, "PS set in a PML4 entry");
            CHECK(leaf_count < MAX_LEAVES, "too many leaves");
            uint64_t addr = e & VSPACE_PTE_ADDR;
            if (level > 0)
                addr &= ~VSPACE_PTE_PAT_LARGE;
            CHECK((addr & (level_size(level) - 1)) == 0, "leaf address %#" PRIx64 " misaligned", addr);
            leaves[leaf_count++] = (leaf_t){first, level_size(level), addr, e & ~VSPACE_PTE_ADDR & ~VSPACE_PTE_PS, level};
        } else {
            uint64_t child = e & VSPACE_PTE_ADDR;
            CHECK(child >= pool->phys_base && (child - pool->phys_base) / VSPACE_PAGE_4K < used,
                  "entry points outside the pool: %#" PRIx64, child);
            CHECK(!(e & VSPACE_PTE_NX), "NX on an intermediate entry");
            walk(pool, (size_t)((child - pool->phys_base) / VSPACE_PAGE_4K), level - 1, first, used);
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Checks one leaf against the model at every segment boundary inside it. */
static void check_leaf(const leaf_t *l, const vspace_mapping_t *m, size_t n)
{
    uint64_t last = l->first + (l->size - 1);
    uint64_t points[2 * MAX_MAPPINGS + 1];
    size_t np = 0;
    points[np++] = l->first;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = m[i].vaddr, e = m[i].vaddr + m[i].size; /* e may be 0 at the top: harmless */
        if (s > l->first && s <= last)
            points[np++] = s;
        if (e > l->first && e <= last)
            points[np++] = e;
    }
    qsort(points, np, sizeof points[0], cmp_u64);
    for (size_t k = 0; k < np; k++) {
        uint64_t seg_first = points[k];
        uint64_t seg_last = (k + 1 < np) ? points[k + 1] - VSPACE_PAGE_4K : last - (VSPACE_PAGE_4K - 1);
        uint64_t probes[2] = {seg_first, seg_last};
        for (int p = 0; p < 2; p++) {
            uint64_t v = probes[p];
            int w = model_winner(m, n, v);
            CHECK(w >= 0, "leaf maps %#" PRIx64 " but the model has nothing there", v);
            uint64_t want_pa = m[w].paddr + (v - m[w].vaddr);
            uint64_t got_pa = l->paddr + (v - l->first);
            CHECK(want_pa == got_pa, "at %#" PRIx64 ": paddr %#" PRIx64 ", model %#" PRIx64, v, got_pa, want_pa);
            CHECK(expected_bits(m[w].attrs) == l->bits, "at %#" PRIx64 ": bits %#" PRIx64 ", model %#" PRIx64, v,
                  l->bits, expected_bits(m[w].attrs));
            CHECK(l->size <= m[w].max_page, "at %#" PRIx64 ": page %#" PRIx64 " exceeds the mapping's limit %#" PRIx64,
                  v, l->size, m[w].max_page);
        }
    }
}

/* Bytes the model maps, from the union of the mappings. Ends are kept in 128
 * bits so a mapping that ends at the very top of the space sorts last. */
typedef unsigned __int128 u128;

static int cmp_u128(const void *a, const void *b)
{
    u128 x = *(const u128 *)a, y = *(const u128 *)b;
    return x < y ? -1 : x > y;
}

static uint64_t model_bytes(const vspace_mapping_t *m, size_t n)
{
    u128 points[2 * MAX_MAPPINGS];
    size_t np = 0;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        points[np++] = m[i].vaddr;
        points[np++] = (u128)m[i].vaddr + m[i].size;
    }
    qsort(points, np, sizeof points[0], cmp_u128);
    for (size_t k = 0; k + 1 < np; k++) {
        if (points[k + 1] == points[k])
            continue;
        if (model_winner(m, n, (uint64_t)points[k]) >= 0)
            total += (uint64_t)(points[k + 1] - points[k]);
    }
    return total;
}

/* True when the model lets [first, first + size) be a single leaf. */
static int model_allows_leaf(const vspace_mapping_t *m, size_t n, uint64_t first, uint64_t size, int allow_1g)
{
    if (size == VSPACE_PAGE_1G && !allow_1g)
        return 0;
    if (size > VSPACE_PAGE_1G)
        return 0;
    int w = model_winner(m, n, first);
    if (w < 0)
        return 0;
    uint64_t last = first + (size - 1);
    if (m[w].vaddr > first || m[w].vaddr + (m[w].size - 1) < last)
        return 0;
    for (size_t i = (size_t)w + 1; i < n; i++)
        if (m[i].vaddr <= last && m[i].vaddr + (m[i].size - 1) >= first)
            return 0; /* a later mapping cuts into the block */
    if ((m[w].paddr + (first - m[w].vaddr)) & (size - 1))
        return 0;
    return m[w].max_page >= size;
}

static void check_plan(const vspace_mapping_t *m, size_t n, int allow_1g, const vspace_pool_t *pool, size_t root,
                       int shattered)
{
    memset(reached, 0, sizeof reached);
    leaf_count = 0;
    int before = failures;
    walk(pool, root, 3, 0, pool->used);
    if (failures != before)
        return;
    for (size_t t = 0; t < pool->used; t++)
        CHECK(reached[t], "table %zu allocated but unreachable", t);

    uint64_t leaf_total = 0;
    for (size_t i = 0; i < leaf_count; i++) {
        check_leaf(&leaves[i], m, n);
        leaf_total += leaves[i].size;
        if (shattered)
            CHECK(leaves[i].size != VSPACE_PAGE_1G, "a 1 GiB page survived shattering");
        /* Maximality: the enclosing next-size block could not have been one leaf. */
        if (!shattered && leaves[i].level < 2) {
            uint64_t big = leaves[i].size * VSPACE_ENTRIES;
            uint64_t block = leaves[i].first & ~(big - 1);
            CHECK(!model_allows_leaf(m, n, block, big, allow_1g),
                  "leaf at %#" PRIx64 " of size %#" PRIx64 " could have been a %#" PRIx64 " page", leaves[i].first,
                  leaves[i].size, big);
        }
    }
    CHECK(leaf_total == model_bytes(m, n), "leaves cover %#" PRIx64 " bytes, model %#" PRIx64, leaf_total,
          model_bytes(m, n));
}

static const uint64_t sizes[] = {VSPACE_PAGE_4K, VSPACE_PAGE_2M, VSPACE_PAGE_1G};

static vspace_mapping_t random_mapping(void)
{
    vspace_mapping_t m;
    /* A few hot regions make overlaps and shared large pages likely. */
    static const uint64_t bases[] = {0x0ull, 0x40000000ull, 0x7FFF80000000ull, 0xFFFF800000000000ull,
                                     0xFFFFFFFF80000000ull};
    uint64_t base = bases[pick(sizeof bases / sizeof bases[0])];
    uint64_t unit = sizes[pick(3)];
    m.vaddr = base + unit * pick(4) + VSPACE_PAGE_4K * (pick(3) == 0 ? pick(1024) : 0);
    switch (pick(4)) {
    case 0: m.size = VSPACE_PAGE_4K * (1 + pick(8)); break;
    case 1: m.size = VSPACE_PAGE_2M * (1 + pick(3)); break;
    case 2: m.size = VSPACE_PAGE_1G * (1 + pick(2)); break;
    default: m.size = VSPACE_PAGE_2M * pick(3) + VSPACE_PAGE_4K * (1 + pick(600)); break;
    }
    m.paddr = sizes[pick(3)] * pick(16) + (pick(4) == 0 ? VSPACE_PAGE_4K * pick(512) : 0);
    m.attrs = VSPACE_ATTR_READ | (uint32_t)(pick(32) << 1);
    m.max_page = sizes[pick(3)];
    /* Keep every mapping inside one half and clear of the top of the space. */
    if (m.vaddr - 0x800000000000ull < 0xFFFF000000000000ull) /* in the non-canonical hole */
        m.vaddr = 0x800000000000ull - m.size;
    if (m.vaddr < 0x800000000000ull && m.vaddr + m.size > 0x800000000000ull)
        m.vaddr = 0x800000000000ull - m.size;
    if (m.vaddr >= 0xFFFF800000000000ull && m.vaddr + m.size < m.vaddr)
        m.vaddr = 0 - m.size;
    /* A mapping that must use small pages stays small, so a walk stays quick. */
    if ((m.max_page == VSPACE_PAGE_4K || ((m.paddr ^ m.vaddr) & (VSPACE_PAGE_2M - 1))) && m.size > 0x2000000)
        m.size = 0x2000000;
    return m;
}

static vspace_piece_t scratch[2 * MAX_MAPPINGS + 1];

static void run_case(const vspace_mapping_t *m, size_t n, int allow_1g)
{
    vspace_pool_t count = {.tables = NULL, .phys_base = POOL_PHYS};
    size_t root;
    vspace_err_t err = vspace_plan(m, n, allow_1g, scratch, 2 * n + 1, &count, &root);
    CHECK(err == VSPACE_OK, "counting failed: %d", err);

    vspace_pool_t pool = {.tables = pool_tables, .capacity = POOL_TABLES, .phys_base = POOL_PHYS};
    err = vspace_plan(m, n, allow_1g, scratch, 2 * n + 1, &pool, &root);
    CHECK(err == VSPACE_OK, "planning failed: %d", err);
    CHECK(pool.used == count.used, "counted %zu tables, used %zu", count.used, pool.used);
    check_plan(m, n, allow_1g, &pool, root, 0);

    /* One table fewer than needed must fail and leave the pool as it was. */
    vspace_pool_t tight = {.tables = pool_tables, .capacity = count.used - 1, .phys_base = POOL_PHYS};
    CHECK(vspace_plan(m, n, allow_1g, scratch, 2 * n + 1, &tight, &root) == VSPACE_ENOSPC, "tight pool accepted");
    CHECK(tight.used == 0, "failed plan left %zu tables used", tight.used);

    if (allow_1g) {
        pool.used = 0;
        err = vspace_plan(m, n, 1, scratch, 2 * n + 1, &pool, &root);
        CHECK(err == VSPACE_OK, "replanning failed");
        err = vspace_shatter_1g(&pool, root);
        CHECK(err == VSPACE_OK, "shattering failed: %d", err);
        check_plan(m, n, allow_1g, &pool, root, 1);
    }
}

static void report(const char *name, int before)
{
    printf("%s: %s\n", failures == before ? "PASS" : "FAIL", name);
}

/* The cases the design exists for, with their exact expected shapes. */
static void fixed_cases(void)
{
    int before;
    vspace_pool_t pool = {.tables = pool_tables, .capacity = POOL_TABLES, .phys_base = POOL_PHYS};
    size_t root;

    current_case = "device page inside a 1 GiB cached page";
    before = failures;
    {
        vspace_mapping_t m[2] = {
            {0x40000000, 0x40000000, VSPACE_PAGE_1G, VSPACE_ATTR_READ | VSPACE_ATTR_WRITE | VSPACE_ATTR_USER,
             VSPACE_PAGE_1G},
            {0x40123000, 0xFEE00000, VSPACE_PAGE_4K, VSPACE_ATTR_READ | VSPACE_ATTR_WRITE | VSPACE_ATTR_UNCACHED,
             VSPACE_PAGE_4K},
        };
        pool.used = 0;
        if (vspace_plan(m, 2, 1, scratch, 5, &pool, &root) != VSPACE_OK)
            failures++;
        /* PML4, PDPT, one PD of 2 MiB pages, one PT around the device page. */
        if (pool.used != 4)
            failures++;
        check_plan(m, 2, 1, &pool, root, 0);
        if (leaf_count != 511 + 511 + 1)
            failures++;
    }
    report("vspace/device-page-shatters-1g-page", before);

    current_case = "1 GiB region mapped with one page";
    before = failures;
    {
        vspace_mapping_t m[1] = {{0x40000000, 0x80000000, VSPACE_PAGE_1G, VSPACE_ATTR_READ | VSPACE_ATTR_USER,
                                  VSPACE_PAGE_1G}};
        pool.used = 0;
        if (vspace_plan(m, 1, 1, scratch, 3, &pool, &root) != VSPACE_OK || pool.used != 2)
            failures++;
        check_plan(m, 1, 1, &pool, root, 0);
        if (leaf_count != 1)
            failures++;
        if (vspace_shatter_1g(&pool, root) != VSPACE_OK || pool.used != 3)
            failures++;
        check_plan(m, 1, 1, &pool, root, 1);
    }
    report("vspace/1g-page-and-boot-shattering", before);

    current_case = "IPC buffer and guard pages next to a large region";
    before = failures;
    {
        vspace_mapping_t m[2] = {
            {0x10000000, 0x20000000, 0x10000000, VSPACE_ATTR_READ | VSPACE_ATTR_WRITE | VSPACE_ATTR_USER,
             VSPACE_PAGE_2M},
            {0x20001000, 0x30000000, VSPACE_PAGE_4K, VSPACE_ATTR_READ | VSPACE_ATTR_WRITE | VSPACE_ATTR_USER,
             VSPACE_PAGE_4K},
        };
        pool.used = 0;
        if (vspace_plan(m, 2, 1, scratch, 5, &pool, &root) != VSPACE_OK)
            failures++;
        check_plan(m, 2, 1, &pool, root, 0);
        /* 128 2 MiB pages and the one 4 KiB page; PML4, PDPT, PD, PT. */
        if (leaf_count != 129 || pool.used != 4)
            failures++;
    }
    report("vspace/ipc-buffer-beside-large-region", before);

    current_case = "bad mappings are refused";
    before = failures;
    {
        vspace_mapping_t bad[] = {
            {0x1001, 0, VSPACE_PAGE_4K, VSPACE_ATTR_READ, VSPACE_PAGE_4K},
            {0x1000, 0x10, VSPACE_PAGE_4K, VSPACE_ATTR_READ, VSPACE_PAGE_4K},
            {0x1000, 0, 0, VSPACE_ATTR_READ, VSPACE_PAGE_4K},
            {0x7FFFFFFFF000ull, 0, 2 * VSPACE_PAGE_4K, VSPACE_ATTR_READ, VSPACE_PAGE_4K}, /* into the hole */
            {0x1000, 0, VSPACE_PAGE_4K, VSPACE_ATTR_WRITE, VSPACE_PAGE_4K},                /* not readable */
            {0x1000, 0, VSPACE_PAGE_4K, VSPACE_ATTR_READ, 0x3000},                         /* odd page size */
            {0x1000, 1ull << 52, VSPACE_PAGE_4K, VSPACE_ATTR_READ, VSPACE_PAGE_4K},         /* beyond phys */
        };
        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            pool.used = 0;
            if (vspace_plan(&bad[i], 1, 1, scratch, 3, &pool, &root) != VSPACE_EINVAL || pool.used != 0)
                failures++;
        }
        vspace_mapping_t two[2] = {{0x1000, 0, VSPACE_PAGE_4K, VSPACE_ATTR_READ, VSPACE_PAGE_4K},
                                   {0x3000, 0, VSPACE_PAGE_4K, VSPACE_ATTR_READ, VSPACE_PAGE_4K}};
        pool.used = 0;
        if (vspace_plan(two, 2, 1, scratch, 1, &pool, &root) != VSPACE_ENOMEM)
            failures++;
    }
    report("vspace/invalid-mappings-rejected", before);
}

int main(int argc, char **argv)
{
    long iterations = argc > 1 ? strtol(argv[1], NULL, 10) : 3000;
    uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x5EED5EED1234ull;
    pool_tables = calloc(POOL_TABLES, sizeof *pool_tables);
    if (!pool_tables)
        return 2;

    fixed_cases();

    int before = failures;
    current_case = "random";
    for (long it = 0; it < iterations && failures - before < 10; it++) {
        rng_state = seed + (uint64_t)it * 0x9E3779B97F4A7C15ull;
        if (rng_state == 0)
            rng_state = 1;
        vspace_mapping_t m[MAX_MAPPINGS];
        size_t n = 1 + pick(MAX_MAPPINGS);
        for (size_t i = 0; i < n; i++)
            m[i] = random_mapping();
        int f = failures;
        run_case(m, n, (int)pick(2));
        if (failures != f)
            fprintf(stderr, "  (iteration %ld, seed %#" PRIx64 ")\n", it, seed);
    }
    printf("%s: vspace/random-plans-match-model (%ld sets)\n", failures == before ? "PASS" : "FAIL", iterations);
    free(pool_tables);
    return failures ? 1 : 0;
}
