/*
 * ext_arena: a fixed memory arena with a real free, for the extension host.
 *
 * The extension host loads, unloads and reloads WebAssembly modules while it
 * runs, so every block lib/wasm frees must become usable again, not only the
 * last one. Blocks are carved first-fit from an address-ordered free list;
 * a freed block merges with free neighbours on both sides, so a load/unload
 * cycle leaves the arena as it found it. Realloc grows a block in place when
 * the block after it is free and large enough, else moves it.
 *
 * Every block has a 16-byte header (its size, and a check word that tells a
 * live block from a stray pointer); payloads are 16-byte aligned. Freeing a
 * pointer the arena did not hand out, or freeing twice, is caught by the
 * check word and ignored (counted in `bad_frees`). Plain C, no C library:
 * the PD links it, and the host tests it under ASan.
 */
#ifndef SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_ARENA_H
#define SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT_ARENA_ALIGN 16u

typedef struct ext_arena_block ext_arena_block_t;

typedef struct {
    uint8_t *base;
    size_t size;                  /* bytes managed (a multiple of EXT_ARENA_ALIGN) */
    ext_arena_block_t *free_list; /* free blocks by ascending address */
    size_t in_use;                /* bytes of live blocks, headers included */
    size_t peak;                  /* the most in_use ever was */
    size_t live_blocks;
    size_t bad_frees;             /* frees of pointers that were not live blocks */
} ext_arena_t;

/* Manages `size` bytes at `mem` (aligned down/up to EXT_ARENA_ALIGN). False if too small. */
bool ext_arena_init(ext_arena_t *a, void *mem, size_t size);
void *ext_arena_alloc(ext_arena_t *a, size_t n);
void ext_arena_free(ext_arena_t *a, void *p);
/* realloc semantics: p NULL allocates, n 0 frees (returns NULL); on failure p is untouched. */
void *ext_arena_realloc(ext_arena_t *a, void *p, size_t n);
/* The largest request that would succeed now. */
size_t ext_arena_largest_free(const ext_arena_t *a);
/* Walks every block: sizes add up, free blocks are ordered, never adjacent, and counted right. */
bool ext_arena_check(const ext_arena_t *a);

#endif
