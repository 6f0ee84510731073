/*
 * Internals shared by the parts of the filesystem library: the mounted
 * state, the metadata cache and the B-tree primitives (fs_tree.c) that the
 * file and directory operations (fs.c) are written in.
 */
#ifndef SUBSTRATE_SYSTEM_FS_INTERNAL_H
#define SUBSTRATE_SYSTEM_FS_INTERNAL_H

#include "system/fs/fs_format.h"

#define FS_NONE UINT32_MAX
#define FS_SCRATCH_BLOCKS FS_CHUNK_BLOCKS

/* One cached metadata block. A dirty node lives at a block allocated in the
 * current transaction and is never evicted before the commit writes it. */
typedef struct {
    uint64_t block; /* 0: the slot is empty */
    uint32_t pins;
    uint32_t next; /* hash chain */
    uint32_t crc;  /* verified crc (clean) or crc last written */
    bool dirty;
    uint8_t *buf;
} fs_cnode_t;

struct fs {
    fs_blockdev_t dev;
    fs_mount_opts_t opts;
    uint64_t nblocks;
    uint64_t seed;
    uint64_t generation; /* last committed */
    uint64_t next_ino;
    uint64_t inodes;
    uint64_t root_block;
    uint32_t root_crc;
    uint8_t root_level;

    /* Free space: `used` is what the current state references, `durable` what
     * the last commit references. A block is allocatable only when it is in
     * neither, so nothing the on-disk state needs is overwritten. */
    uint64_t *used;
    uint64_t *durable;
    uint64_t used_count;
    uint64_t pending_count; /* in durable but no longer in used */
    uint64_t alloc_cursor;

    fs_cnode_t *nodes;
    uint32_t ncache;
    uint32_t *buckets;
    uint32_t clock;
    uint32_t dirty_nodes;

    uint8_t *scratch; /* FS_SCRATCH_BLOCKS blocks for data I/O */
    bool changed;     /* something to commit */
    bool needs_cleanup; /* mount saw an interrupted delete or truncate */
    bool failed;      /* a device write failed: refuse further changes */
};

static inline bool fs_bit(const uint64_t *map, uint64_t b) { return (map[b / 64] >> (b % 64)) & 1; }
static inline void fs_bit_set(uint64_t *map, uint64_t b) { map[b / 64] |= 1ull << (b % 64); }
static inline void fs_bit_clear(uint64_t *map, uint64_t b) { map[b / 64] &= ~(1ull << (b % 64)); }

/* Blocks. */
int fs_block_alloc(fs_t *fs, uint64_t *block);
void fs_block_free(fs_t *fs, uint64_t block);
uint64_t fs_blocks_available(const fs_t *fs);

/* B-tree of all metadata. Values are at most FS_VALUE_MAX bytes. */
int fs_tree_lookup(fs_t *fs, fs_key_t key, uint8_t *val, size_t cap, size_t *len);
/* First item with a key >= key and <= last; FS_ENOENT when there is none. */
int fs_tree_next(fs_t *fs, fs_key_t key, fs_key_t last, fs_key_t *found, uint8_t *val, size_t cap,
                 size_t *len);
int fs_tree_put(fs_t *fs, fs_key_t key, const uint8_t *val, size_t len);
int fs_tree_delete(fs_t *fs, fs_key_t key);

/* Transactions. */
int fs_commit(fs_t *fs);
/* Before a change: commits first if the cache is filling with dirty nodes,
 * then checks that `blocks` data blocks plus room for `tree_ops` tree changes
 * are available. frees_space changes may dip into the last reserve. */
int fs_begin_change(fs_t *fs, uint64_t blocks, uint32_t tree_ops, bool frees_space);

/* Finishes deletes and truncates a power cut interrupted (fs.c; mount calls it). */
int fs_finish_orphans(fs_t *fs);

/* Validation of one leaf item, shared with mount and fsck. Returns NULL when
 * the item is well formed, or what is wrong with it. */
const char *fs_item_check(const fs_t *fs, fs_key_t key, const uint8_t *val, size_t len);

/* Reading a node straight from the device, checked, for fsck. */
const char *fs_node_check(const uint8_t *buf, uint64_t block, uint64_t seed, uint32_t expect_crc,
                          uint8_t expect_level);
int fs_sb_decode(const uint8_t *sb, uint64_t dev_blocks, struct fs *out, const char **why);

#endif
