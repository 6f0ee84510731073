/*
 * The on-disk format, shared by the library, fsck and the tests.
 *
 * Every integer on disk is little-endian and read or written through the
 * fs_get/fs_put helpers below, never by casting a pointer, so the format does
 * not depend on the host's layout rules.
 *
 * Blocks are 4 KiB. Blocks 0 and 1 are the superblock pair: a commit of
 * generation g writes slot g % 2, so the previous commit stays intact until
 * the new one is durable. Every other block is either free, a B-tree node, or
 * file data.
 *
 * Superblock (first 128 bytes of its block; the rest is zero):
 *    0 u64 magic FS_SB_MAGIC          8 u32 version        12 u32 block size
 *   16 u64 block count               24 u64 generation
 *   32 u64 root block                40 u32 root crc      44 u8 root level
 *   48 u64 seed (identifies this filesystem; every node repeats it)
 *   56 u64 next inode number         64 u64 blocks in use 72 u64 inodes in use
 *  124 u32 crc32c of bytes 0..123
 *
 * Node (a whole block):
 *    0 u32 magic FS_NODE_MAGIC        4 u32 crc32c of the block with this field zero
 *    8 u64 its own block number      16 u64 generation written
 *   24 u64 seed                      32 u16 item count    34 u8 level (0 = leaf)
 *   36 u32 bytes of the item area in use
 *   40 ... items
 * A leaf item is a key, a u16 value length and the value, packed one after
 * another in key order. An internal entry is a key, the child's block number
 * (u64) and the child's crc32c (u32); child i holds keys in [key i, key i+1).
 *
 * Key (17 bytes): u64 object id, u8 type, u64 offset; ordered in that order.
 *   (ino, INODE, 0)         the inode: FS_INODE_SIZE bytes
 *   (dir, DIRENT, h<<4|s)   a directory entry; h = 60-bit keyed hash of the name,
 *                           s = 0..15 the slot among names that share h
 *   (ino, CHUNK, n)         file blocks 16n..16n+15: per block a u64 block
 *                           number (0 = hole) and the u32 crc32c of its 4 KiB
 *
 * Inode value: u32 type, u32 nlink, u64 size, u64 parent (directories),
 *              u64 mtime, u64 ctime, u64 entries (directories) / blocks (files).
 * Directory entry value: u64 child inode, u8 type, u8 name length (1..255), name.
 */
#ifndef SUBSTRATE_SYSTEM_FS_FORMAT_H
#define SUBSTRATE_SYSTEM_FS_FORMAT_H

#include <stdint.h>

#include "system/fs/fs.h"

#define FS_SB_MAGIC 0x5346525453425553ull /* "SUBSTRFS" */
#define FS_SB_VERSION 1u
#define FS_SB_BYTES 128u
#define FS_SB_CRC_OFF 124u
#define FS_FIRST_BLOCK 2u
#define FS_MIN_BLOCKS 16u

#define FS_NODE_MAGIC 0x4e464253u /* "SBFN" */
#define FS_NODE_HDR 40u
#define FS_NODE_SPACE (FS_BLOCK_SIZE - FS_NODE_HDR)
#define FS_MAX_LEVELS 8u

#define FS_KEY_SIZE 17u
#define FS_LEAF_ITEM_HDR (FS_KEY_SIZE + 2u)
#define FS_INTERNAL_ENTRY (FS_KEY_SIZE + 12u)
#define FS_INTERNAL_MAX (FS_NODE_SPACE / FS_INTERNAL_ENTRY)

enum { FS_KEY_INODE = 1, FS_KEY_DIRENT = 2, FS_KEY_CHUNK = 3 };

#define FS_INODE_SIZE 48u
#define FS_CHUNK_BLOCKS 16u
#define FS_CHUNK_SLOT 12u
#define FS_CHUNK_SIZE (FS_CHUNK_BLOCKS * FS_CHUNK_SLOT)
#define FS_DIRENT_HDR 10u
#define FS_DIRENT_MAX (FS_DIRENT_HDR + FS_NAME_MAX)
#define FS_DIRENT_SLOTS 16u
/* The largest value any item may have; leaves split so one always fits. */
#define FS_VALUE_MAX FS_DIRENT_MAX

typedef struct {
    uint64_t id;
    uint8_t type;
    uint64_t off;
} fs_key_t;

typedef struct {
    uint32_t type;
    uint32_t nlink;
    uint64_t size;
    uint64_t parent;
    uint64_t mtime;
    uint64_t ctime;
    uint64_t count; /* directory entries, or file data blocks */
} fs_inode_t;

static inline uint16_t fs_get16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t fs_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t fs_get64(const uint8_t *p)
{
    return (uint64_t)fs_get32(p) | ((uint64_t)fs_get32(p + 4) << 32);
}
static inline void fs_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void fs_put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void fs_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static inline fs_key_t fs_key_get(const uint8_t *p)
{
    fs_key_t k = {fs_get64(p), p[8], fs_get64(p + 9)};
    return k;
}
static inline void fs_key_put(uint8_t *p, fs_key_t k)
{
    fs_put64(p, k.id);
    p[8] = k.type;
    fs_put64(p + 9, k.off);
}
static inline int fs_key_cmp(fs_key_t a, fs_key_t b)
{
    if (a.id != b.id)
        return a.id < b.id ? -1 : 1;
    if (a.type != b.type)
        return a.type < b.type ? -1 : 1;
    if (a.off != b.off)
        return a.off < b.off ? -1 : 1;
    return 0;
}

static inline void fs_inode_decode(const uint8_t *p, fs_inode_t *in)
{
    in->type = fs_get32(p);
    in->nlink = fs_get32(p + 4);
    in->size = fs_get64(p + 8);
    in->parent = fs_get64(p + 16);
    in->mtime = fs_get64(p + 24);
    in->ctime = fs_get64(p + 32);
    in->count = fs_get64(p + 40);
}
static inline void fs_inode_encode(uint8_t *p, const fs_inode_t *in)
{
    fs_put32(p, in->type);
    fs_put32(p + 4, in->nlink);
    fs_put64(p + 8, in->size);
    fs_put64(p + 16, in->parent);
    fs_put64(p + 24, in->mtime);
    fs_put64(p + 32, in->ctime);
    fs_put64(p + 40, in->count);
}

uint32_t fs_crc32c(uint32_t crc, const void *data, size_t len);
/* Tests: force the table implementation even where the CPU has CRC32C. */
void fs_crc32c_use_table(bool table_only);
/* The crc of a node block: its bytes with the crc field taken as zero. */
uint32_t fs_node_crc(const uint8_t *block);
uint32_t fs_sb_crc(const uint8_t *sb);
/* The keyed 60-bit hash that places a directory entry. */
uint64_t fs_name_hash(uint64_t seed, const char *name, size_t len);

/* Freestanding helpers: the library links against no C library. */
void fs_memcpy(void *dst, const void *src, size_t n);
void fs_memmove(void *dst, const void *src, size_t n);
void fs_memset(void *dst, int c, size_t n);
int fs_memcmp(const void *a, const void *b, size_t n);

#endif
