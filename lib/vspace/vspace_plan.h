/*
 * Page-table planning for x86_64 four-level paging.
 *
 * Given the mappings of one address space, builds the page tables that
 * translate exactly those mappings, using for every piece the largest page
 * (1 GiB, 2 MiB or 4 KiB) that its alignment, its extent and its mapping's
 * page-size limit allow. Mappings are applied in order and a later mapping
 * replaces an earlier one where they overlap, so a small uncached device page
 * can be laid over a range that a large cached page would otherwise cover:
 * the large page is split ("shattered") into next-size pages around it,
 * recursively, and keeps its attributes. No layout rule is asked of anyone.
 *
 * The planner allocates a page-table page only where the final translation
 * needs one, so the plan uses the fewest table pages possible for its leaves.
 *
 * This file is freestanding: the builder uses it to plan and size images, and
 * the kernel uses vspace_shatter_1g() at boot on CPUs without 1 GiB pages.
 */
#ifndef SUBSTRATE_LIB_VSPACE_PLAN_H
#define SUBSTRATE_LIB_VSPACE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VSPACE_PAGE_4K 0x1000ull
#define VSPACE_PAGE_2M 0x200000ull
#define VSPACE_PAGE_1G 0x40000000ull
#define VSPACE_ENTRIES 512

/* Attributes of a mapping; they become x86_64 page-table entry bits. */
enum {
    VSPACE_ATTR_READ = 1u << 0,     /* present */
    VSPACE_ATTR_WRITE = 1u << 1,    /* R/W */
    VSPACE_ATTR_EXEC = 1u << 2,     /* clear NX */
    VSPACE_ATTR_UNCACHED = 1u << 3, /* PCD|PWT */
    VSPACE_ATTR_USER = 1u << 4,     /* U/S */
    VSPACE_ATTR_GLOBAL = 1u << 5,   /* G */
};

/* x86_64 page-table entry bits. */
#define VSPACE_PTE_P (1ull << 0)
#define VSPACE_PTE_RW (1ull << 1)
#define VSPACE_PTE_US (1ull << 2)
#define VSPACE_PTE_PWT (1ull << 3)
#define VSPACE_PTE_PCD (1ull << 4)
#define VSPACE_PTE_PS (1ull << 7)
#define VSPACE_PTE_G (1ull << 8)
#define VSPACE_PTE_PAT_LARGE (1ull << 12)
#define VSPACE_PTE_NX (1ull << 63)
#define VSPACE_PTE_ADDR 0x000FFFFFFFFFF000ull

typedef struct {
    uint64_t vaddr;    /* 4 KiB aligned, canonical lower or upper half */
    uint64_t paddr;    /* 4 KiB aligned, below 2^52 */
    uint64_t size;     /* a non-zero multiple of 4 KiB */
    uint32_t attrs;    /* VSPACE_ATTR_* */
    uint64_t max_page; /* largest page this mapping may use: VSPACE_PAGE_* */
} vspace_mapping_t;

/*
 * Where tables go. The caller owns `tables`, an array of `capacity` 4 KiB
 * tables whose physical addresses are `phys_base + i * 4096`. With tables ==
 * NULL the planner only counts what it would need, so a builder can size a
 * pool first and fill it second.
 */
typedef struct {
    uint64_t (*tables)[VSPACE_ENTRIES];
    size_t capacity;
    size_t used;
    uint64_t phys_base;
} vspace_pool_t;

typedef enum {
    VSPACE_OK = 0,
    VSPACE_EINVAL,  /* a mapping is misaligned, empty, wraps, or not canonical */
    VSPACE_ENOSPC,  /* the pool is too small */
    VSPACE_ENOMEM,  /* the scratch space for the mapping list is too small */
} vspace_err_t;

/*
 * Scratch memory for the planner's list of final, non-overlapping pieces.
 * n mappings produce at most 2n + 1 pieces.
 */
typedef struct {
    uint64_t vstart, vend; /* [vstart, vend], both inclusive */
    uint64_t pstart;       /* physical address of vstart */
    uint32_t attrs;
    uint64_t max_page;
} vspace_piece_t;

/*
 * Builds the tables for `mappings` into `pool`; the root (PML4) is the first
 * table this call allocates, and its index is stored in *root. `allow_1g`
 * says whether the CPU has 1 GiB pages. `scratch` must hold 2 * count + 1
 * pieces. On error nothing in the pool below its previous `used` changes.
 */
vspace_err_t vspace_plan(const vspace_mapping_t *mappings, size_t count, bool allow_1g,
                         vspace_piece_t *scratch, size_t scratch_count, vspace_pool_t *pool,
                         size_t *root);

/* The entry bits for a leaf with these attributes (without the address or PS). */
uint64_t vspace_entry_bits(uint32_t attrs);

/*
 * Replaces every 1 GiB leaf under the PML4 at pool index `root` with a table of
 * 2 MiB leaves of the same translation and attributes, for CPUs that lack
 * 1 GiB pages. Needs one free table per 1 GiB leaf.
 */
vspace_err_t vspace_shatter_1g(vspace_pool_t *pool, size_t root);

#endif
