/*
 * An in-memory block device for the filesystem tests, able to lose power:
 * after `cut_after` writes it drops every later write (and, with `torn`,
 * the write that crosses the cut keeps only its first half-block of bytes),
 * as a disk does when the power goes. Reads and flushes count too.
 */
#ifndef SUBSTRATE_TESTS_FS_MEMDEV_H
#define SUBSTRATE_TESTS_FS_MEMDEV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs.h"

typedef struct {
    uint8_t *data;
    uint64_t blocks;
    uint64_t writes;     /* block writes issued so far (each block counts once) */
    uint64_t cut_after;  /* UINT64_MAX: never */
    bool torn;
    bool fail_reads;
    uint64_t reads, flushes;
    fs_blockdev_t dev;
} memdev_t;

static int memdev_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    memdev_t *m = ctx;
    if (block >= m->blocks || count > m->blocks - block || m->fail_reads)
        return -1;
    m->reads++;
    memcpy(buf, m->data + block * FS_BLOCK_SIZE, (size_t)count * FS_BLOCK_SIZE);
    return 0;
}

static int memdev_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    memdev_t *m = ctx;
    if (block >= m->blocks || count > m->blocks - block)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *src = (const uint8_t *)buf + (size_t)i * FS_BLOCK_SIZE;
        uint8_t *dst = m->data + (block + i) * FS_BLOCK_SIZE;
        if (m->writes < m->cut_after)
            memcpy(dst, src, FS_BLOCK_SIZE);
        else if (m->writes == m->cut_after && m->torn)
            memcpy(dst, src, FS_BLOCK_SIZE / 2);
        m->writes++;
    }
    return 0; /* a disk losing power does not report it */
}

static int memdev_flush(void *ctx)
{
    ((memdev_t *)ctx)->flushes++;
    return 0;
}

static inline void memdev_init(memdev_t *m, uint64_t blocks)
{
    memset(m, 0, sizeof *m);
    m->data = calloc(blocks, FS_BLOCK_SIZE);
    m->blocks = blocks;
    m->cut_after = UINT64_MAX;
    m->dev.ctx = m;
    m->dev.block_count = blocks;
    m->dev.read = memdev_read;
    m->dev.write = memdev_write;
    m->dev.flush = memdev_flush;
}

static inline void memdev_free(memdev_t *m) { free(m->data); }

/* A copy of the disk as it is, with no cut armed. */
static inline void memdev_clone(memdev_t *dst, const memdev_t *src)
{
    memdev_init(dst, src->blocks);
    memcpy(dst->data, src->data, src->blocks * FS_BLOCK_SIZE);
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
