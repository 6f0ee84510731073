/*
 * ext_arena: first-fit allocation from an address-ordered free list, with
 * coalescing on free (see ext_arena.h for the contract).
 *
 * Invariants, checked by ext_arena_check: the blocks tile the arena exactly;
 * every block is live or free by its tag; the free list holds exactly the
 * free blocks, in ascending address order, and no two free blocks touch (a
 * free merges at once with free neighbours). A block is never smaller than
 * EXT_ARENA_MIN_BLOCK, so a free one always has room for its list link.
 */
#include "service/extension_host/ext_arena.h"

#include <string.h>

struct ext_arena_block {
    size_t size; /* bytes of the block, header included; a multiple of EXT_ARENA_ALIGN */
    size_t tag;  /* TAG_LIVE or TAG_FREE, mixed with the block's address */
    ext_arena_block_t *next; /* free blocks only: the next free block (overlaps the payload) */
};

#define HEADER EXT_ARENA_ALIGN
#define EXT_ARENA_MIN_BLOCK (2u * EXT_ARENA_ALIGN)
#define TAG_LIVE ((size_t)0x4c495645a5a5a5a5u)
#define TAG_FREE ((size_t)0x46524545c3c3c3c3u)

_Static_assert(offsetof(ext_arena_block_t, next) == HEADER, "the header is 16 bytes");

static size_t tag_of(const ext_arena_block_t *b, size_t kind) { return kind ^ (size_t)(uintptr_t)b; }

static uint8_t *end_of(const ext_arena_block_t *b) { return (uint8_t *)b + b->size; }

bool ext_arena_init(ext_arena_t *a, void *mem, size_t size)
{
    uintptr_t start = ((uintptr_t)mem + EXT_ARENA_ALIGN - 1) & ~(uintptr_t)(EXT_ARENA_ALIGN - 1);
    memset(a, 0, sizeof *a);
    if (mem == NULL || size < (size_t)(start - (uintptr_t)mem) + EXT_ARENA_MIN_BLOCK)
        return false;
    size -= (size_t)(start - (uintptr_t)mem);
    size &= ~(size_t)(EXT_ARENA_ALIGN - 1);
    a->base = (uint8_t *)start;
    a->size = size;
    ext_arena_block_t *b = (ext_arena_block_t *)a->base;
    b->size = size;
    b->tag = tag_of(b, TAG_FREE);
    b->next = NULL;
    a->free_list = b;
    return true;
}

/* Bytes of a block that holds n payload bytes, or 0 if no block could. */
static size_t block_bytes(const ext_arena_t *a, size_t n)
{
    if (n > a->size)
        return 0;
    size_t need = (n + HEADER + EXT_ARENA_ALIGN - 1) & ~(size_t)(EXT_ARENA_ALIGN - 1);
    return need < EXT_ARENA_MIN_BLOCK ? EXT_ARENA_MIN_BLOCK : need;
}

static void mark_live(ext_arena_t *a, ext_arena_block_t *b)
{
    b->tag = tag_of(b, TAG_LIVE);
    a->in_use += b->size;
    a->live_blocks++;
    if (a->in_use > a->peak)
        a->peak = a->in_use;
}

/* Cuts a free block of `need` bytes off the front of free block *link points at, which it replaces. */
static ext_arena_block_t *take(ext_arena_block_t **link, size_t need)
{
    ext_arena_block_t *b = *link, *after = b->next;
    if (b->size - need >= EXT_ARENA_MIN_BLOCK) {
        /* When growing a block in place, `need` may be a single header's
         * worth, so the new header can overlap this one's link: read first. */
        ext_arena_block_t *rest = (ext_arena_block_t *)((uint8_t *)b + need);
        size_t rest_size = b->size - need;
        rest->size = rest_size;
        rest->tag = tag_of(rest, TAG_FREE);
        rest->next = after;
        *link = rest;
        b->size = need;
    } else {
        *link = after;
    }
    return b;
}

void *ext_arena_alloc(ext_arena_t *a, size_t n)
{
    size_t need = block_bytes(a, n);
    if (need == 0)
        return NULL;
    for (ext_arena_block_t **link = &a->free_list; *link; link = &(*link)->next) {
        if ((*link)->size < need)
            continue;
        ext_arena_block_t *b = take(link, need);
        mark_live(a, b);
        return (uint8_t *)b + HEADER;
    }
    return NULL;
}

/* The live block behind a payload pointer, or NULL if p is not one. */
static ext_arena_block_t *live_block(const ext_arena_t *a, void *p)
{
    uintptr_t u = (uintptr_t)p;
    if (u < (uintptr_t)a->base + HEADER || u >= (uintptr_t)a->base + a->size || (u & (EXT_ARENA_ALIGN - 1)))
        return NULL;
    ext_arena_block_t *b = (ext_arena_block_t *)(u - HEADER);
    if (b->tag != tag_of(b, TAG_LIVE) || b->size < EXT_ARENA_MIN_BLOCK ||
        b->size > (size_t)(a->base + a->size - (uint8_t *)b))
        return NULL;
    return b;
}

/* Puts a block (no longer counted live) on the free list, merging with its neighbours. */
static void release(ext_arena_t *a, ext_arena_block_t *b)
{
    ext_arena_block_t *prev = NULL, *next = a->free_list;
    while (next && next < b) {
        prev = next;
        next = next->next;
    }
    b->tag = tag_of(b, TAG_FREE);
    b->next = next;
    if (next && end_of(b) == (uint8_t *)next) {
        b->size += next->size;
        b->next = next->next;
        next->tag = 0;
    }
    if (prev && end_of(prev) == (uint8_t *)b) {
        prev->size += b->size;
        prev->next = b->next;
        b->tag = 0;
    } else if (prev) {
        prev->next = b;
    } else {
        a->free_list = b;
    }
}

void ext_arena_free(ext_arena_t *a, void *p)
{
    if (p == NULL)
        return;
    ext_arena_block_t *b = live_block(a, p);
    if (b == NULL) {
        a->bad_frees++;
        return;
    }
    a->in_use -= b->size;
    a->live_blocks--;
    release(a, b);
}

/* Gives the tail of a live block beyond `need` back, if it is big enough to be a block. */
static void trim(ext_arena_t *a, ext_arena_block_t *b, size_t need)
{
    if (b->size - need < EXT_ARENA_MIN_BLOCK)
        return;
    ext_arena_block_t *rest = (ext_arena_block_t *)((uint8_t *)b + need);
    rest->size = b->size - need;
    a->in_use -= rest->size;
    b->size = need;
    release(a, rest);
}

void *ext_arena_realloc(ext_arena_t *a, void *p, size_t n)
{
    if (p == NULL)
        return ext_arena_alloc(a, n);
    if (n == 0) {
        ext_arena_free(a, p);
        return NULL;
    }
    ext_arena_block_t *b = live_block(a, p);
    size_t need = block_bytes(a, n);
    if (b == NULL || need == 0) {
        if (b == NULL)
            a->bad_frees++;
        return NULL;
    }
    if (need <= b->size) {
        trim(a, b, need);
        return p;
    }
    /* Grow in place into a free block right behind this one. */
    for (ext_arena_block_t **link = &a->free_list; *link && (uint8_t *)*link <= end_of(b); link = &(*link)->next) {
        if ((uint8_t *)*link != end_of(b) || b->size + (*link)->size < need)
            continue;
        ext_arena_block_t *more = take(link, need - b->size);
        a->in_use += more->size;
        b->size += more->size;
        more->tag = 0;
        if (a->in_use > a->peak)
            a->peak = a->in_use;
        return p;
    }
    void *fresh = ext_arena_alloc(a, n);
    if (fresh == NULL)
        return NULL;
    memcpy(fresh, p, b->size - HEADER);
    ext_arena_free(a, p);
    return fresh;
}

size_t ext_arena_largest_free(const ext_arena_t *a)
{
    size_t best = 0;
    for (const ext_arena_block_t *f = a->free_list; f; f = f->next)
        if (f->size > best)
            best = f->size;
    return best >= EXT_ARENA_MIN_BLOCK ? best - HEADER : 0;
}

bool ext_arena_check(const ext_arena_t *a)
{
    const ext_arena_block_t *next_free = a->free_list;
    size_t live = 0, live_bytes = 0;
    bool prev_free = false;
    const uint8_t *p = a->base, *end = a->base + a->size;
    while (p < end) {
        const ext_arena_block_t *b = (const ext_arena_block_t *)p;
        if (b->size < EXT_ARENA_MIN_BLOCK || (b->size & (EXT_ARENA_ALIGN - 1)) || b->size > (size_t)(end - p))
            return false;
        if (b->tag == tag_of(b, TAG_FREE)) {
            if (prev_free || b != next_free)
                return false;
            next_free = b->next;
            prev_free = true;
        } else if (b->tag == tag_of(b, TAG_LIVE)) {
            live++;
            live_bytes += b->size;
            prev_free = false;
        } else {
            return false;
        }
        p += b->size;
    }
    return p == end && next_free == NULL && live == a->live_blocks && live_bytes == a->in_use;
}
