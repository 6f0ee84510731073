/*
 * An in-memory block device for the filesystem tests, able to lose power:
 * after `cut_after` writes it drops every later write (and, with `torn`,
 * the write that crosses the cut keeps only its first half-block of bytes),
 * as a disk does when the power goes. Reads and flushes count too.
 *
 * With `reorder`, it behaves like a disk with a volatile write cache: writes
 * since the last flush are held back (reads see them), a flush makes them
 * durable, and memdev_power_fail() lands an arbitrary subset of the held
 * writes, in any order, before the power goes.
 */
#ifndef SUBSTRATE_TESTS_FS_MEMDEV_H
#define SUBSTRATE_TESTS_FS_MEMDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs.h"

typedef struct {
    uint8_t **block;     /* sparse: NULL reads as zeros */
    uint64_t blocks;
    uint64_t writes;     /* block writes issued so far (each block counts once) */
    uint64_t cut_after;  /* UINT64_MAX: never */
    bool torn;
    bool reorder;
    bool fail_reads;
    /* reorder mode: writes not yet flushed */
    struct memdev_pending {
        uint64_t block, index;
        uint8_t *data;
    } *pending;
    size_t npending, cap_pending;
    uint64_t *landed; /* indices of held writes memdev_power_fail() landed */
    size_t nlanded;
    uint64_t first_held; /* writes before this index were flushed when the power went */
    uint64_t reads, flushes;
    fs_blockdev_t dev;
} memdev_t;

static inline uint8_t *memdev_block(memdev_t *m, uint64_t b)
{
    if (!m->block[b])
        m->block[b] = calloc(1, FS_BLOCK_SIZE);
    return m->block[b];
}

static int memdev_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    memdev_t *m = ctx;
    if (block >= m->blocks || count > m->blocks - block || m->fail_reads)
        return -1;
    m->reads++;
    for (uint32_t i = 0; i < count; i++) {
        uint8_t *dst = (uint8_t *)buf + (size_t)i * FS_BLOCK_SIZE;
        const uint8_t *src = m->block[block + i];
        /* The newest held write of this block, if any, is what a read sees. */
        for (size_t k = m->npending; k-- > 0;)
            if (m->pending[k].block == block + i) {
                src = m->pending[k].data;
                break;
            }
        if (src)
            memcpy(dst, src, FS_BLOCK_SIZE);
        else
            memset(dst, 0, FS_BLOCK_SIZE);
    }
    return 0;
}

static int memdev_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    memdev_t *m = ctx;
    if (block >= m->blocks || count > m->blocks - block)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *src = (const uint8_t *)buf + (size_t)i * FS_BLOCK_SIZE;
        if (m->writes < m->cut_after && m->reorder) {
            if (m->npending == m->cap_pending) {
                m->cap_pending = m->cap_pending ? 2 * m->cap_pending : 64;
                m->pending = realloc(m->pending, m->cap_pending * sizeof *m->pending);
            }
            struct memdev_pending *p = &m->pending[m->npending++];
            p->block = block + i;
            p->index = m->writes;
            p->data = malloc(FS_BLOCK_SIZE);
            memcpy(p->data, src, FS_BLOCK_SIZE);
        } else if (m->writes < m->cut_after)
            memcpy(memdev_block(m, block + i), src, FS_BLOCK_SIZE);
        else if (m->writes == m->cut_after && m->torn)
            memcpy(memdev_block(m, block + i), src, FS_BLOCK_SIZE / 2);
        m->writes++;
    }
    return 0; /* a disk losing power does not report it */
}

static void memdev_drop_pending(memdev_t *m)
{
    for (size_t k = 0; k < m->npending; k++)
        free(m->pending[k].data);
    m->npending = 0;
}

static int memdev_flush(void *ctx)
{
    memdev_t *m = ctx;
    m->flushes++;
    if (m->writes >= m->cut_after)
        return 0; /* the power went right after the last write that reached the cache */
    for (size_t k = 0; k < m->npending; k++)
        memcpy(memdev_block(m, m->pending[k].block), m->pending[k].data, FS_BLOCK_SIZE);
    memdev_drop_pending(m);
    return 0;
}

/* reorder mode: the power goes; a subset of the held writes (chosen by rng) lands, in any order. */
static inline void memdev_power_fail(memdev_t *m, uint64_t rng)
{
    free(m->landed);
    m->landed = calloc(m->npending + 1, sizeof *m->landed);
    m->nlanded = 0;
    m->first_held = m->npending ? m->pending[0].index : m->writes;
    for (size_t k = m->npending; k-- > 0;) { /* newest first: older ones may land after them */
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        if (rng & 1) {
            memcpy(memdev_block(m, m->pending[k].block), m->pending[k].data, FS_BLOCK_SIZE);
            m->landed[m->nlanded++] = m->pending[k].index;
        }
    }
    memdev_drop_pending(m);
    m->reorder = false;
}

/* reorder mode, after memdev_power_fail: did write number `index` reach the disk? */
static inline bool memdev_write_landed(const memdev_t *m, uint64_t index)
{
    if (index < m->first_held)
        return true;
    for (size_t k = 0; k < m->nlanded; k++)
        if (m->landed[k] == index)
            return true;
    return false;
}

static inline void memdev_init(memdev_t *m, uint64_t blocks)
{
    memset(m, 0, sizeof *m);
    m->block = calloc(blocks, sizeof *m->block);
    m->blocks = blocks;
    m->cut_after = UINT64_MAX;
    m->dev.ctx = m;
    m->dev.block_count = blocks;
    m->dev.read = memdev_read;
    m->dev.write = memdev_write;
    m->dev.flush = memdev_flush;
}

static inline void memdev_free(memdev_t *m)
{
    memdev_drop_pending(m);
    free(m->pending);
    free(m->landed);
    for (uint64_t b = 0; b < m->blocks; b++)
        free(m->block[b]);
    free(m->block);
}

/* A copy of the disk as it is, with no cut armed. */
static inline void memdev_clone(memdev_t *dst, const memdev_t *src)
{
    memdev_init(dst, src->blocks);
    for (uint64_t b = 0; b < src->blocks; b++)
        if (src->block[b])
            memcpy(memdev_block(dst, b), src->block[b], FS_BLOCK_SIZE);
}

/* Mounts with a heap arena; returns the fs or NULL, with the arena in *arena. */
static inline fs_t *memdev_mount(memdev_t *m, uint32_t cache, void **arena, char *err, size_t errlen,
                                 int *rc)
{
    fs_mount_opts_t o;
    memset(&o, 0, sizeof o);
    o.cache_nodes = cache;
    size_t need = fs_arena_size(m->blocks, cache);
    *arena = malloc(need);
    fs_t *fs = NULL;
    int r = fs_mount(&fs, &m->dev, &o, *arena, need, err, errlen);
    if (rc)
        *rc = r;
    if (r) {
        free(*arena);
        *arena = NULL;
        return NULL;
    }
    return fs;
}

#endif
