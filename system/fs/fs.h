/*
 * substrate filesystem: the public interface of the library.
 *
 * A copy-on-write filesystem on a block device of 4 KiB blocks. All metadata
 * lives in one B-tree whose nodes carry a CRC32C and are addressed from their
 * parent together with the child's CRC, so every block read is checked
 * against the checksum its parent recorded. File data blocks carry a CRC32C
 * in the extent item that points at them. Nothing live is ever overwritten:
 * a commit writes new blocks, flushes, then writes the newer of two
 * superblocks, so after a power cut the filesystem is exactly the state of
 * the last completed commit.
 *
 * The library is freestanding (no libc), allocates nothing: the caller hands
 * fs_mount() an arena of fs_arena_size() bytes. It has no idea whether it
 * runs in a protection domain or in a host tool.
 *
 * Paths are resolved relative to a base directory inode. "." and ".." are
 * not accepted as components, so a path can never leave the subtree of its
 * base: that is how the filesystem PD confines each client.
 *
 * Every call returns 0 or a positive count on success and a negative
 * errno-style code (FS_E*) on failure. A failed call changes nothing.
 */
#ifndef SUBSTRATE_SYSTEM_FS_FS_H
#define SUBSTRATE_SYSTEM_FS_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes: negated, with Linux's errno numbers so hosts can print them. */
enum {
    FS_OK = 0,
    FS_EPERM = -1,
    FS_ENOENT = -2,
    FS_EIO = -5,
    FS_EBADF = -9,
    FS_ENOMEM = -12,
    FS_EEXIST = -17,
    FS_EXDEV = -18,
    FS_ENOTDIR = -20,
    FS_EISDIR = -21,
    FS_EINVAL = -22,
    FS_EFBIG = -27,
    FS_ENOSPC = -28,
    FS_EROFS = -30,
    FS_ENAMETOOLONG = -36,
    FS_ENOTEMPTY = -39,
    FS_EILSEQ = -84,
    FS_ESTALE = -116,
    FS_EUCLEAN = -117, /* the image's structures are damaged */
};

#define FS_BLOCK_SIZE 4096u
#define FS_NAME_MAX 255u
#define FS_ROOT_INO 1u
/* Files may be up to 2^44 bytes (16 TiB); far beyond the 4 GiB the format must hold. */
#define FS_MAX_FILE_SIZE (1ull << 44)
/* One pwrite or pread moves at most this much; callers loop, as with POSIX short counts. */
#define FS_IO_MAX (1u << 20)

/* The block device underneath: synchronous, 4 KiB blocks, numbered from 0. */
typedef struct {
    void *ctx;
    uint64_t block_count;
    int (*read)(void *ctx, uint64_t block, uint32_t count, void *buf);
    int (*write)(void *ctx, uint64_t block, uint32_t count, const void *buf);
    /* Everything written before is durable when flush returns. */
    int (*flush)(void *ctx);
} fs_blockdev_t;

typedef enum { FS_TYPE_FILE = 1, FS_TYPE_DIR = 2 } fs_type_t;

typedef struct {
    uint64_t ino;
    uint32_t type; /* fs_type_t */
    uint32_t nlink;
    uint64_t size;    /* bytes; for a directory, its number of entries */
    uint64_t blocks;  /* data blocks allocated */
    uint64_t mtime;   /* whatever clock the mounter supplies, ns */
    uint64_t ctime;
} fs_stat_t;

typedef struct {
    uint64_t block_size;
    uint64_t total_blocks;
    uint64_t free_blocks;
    uint64_t files; /* inodes in use */
    uint64_t name_max;
    uint64_t generation; /* last committed */
} fs_statfs_t;

typedef struct {
    uint64_t ino;
    uint32_t type;
    uint32_t name_len;
    char name[FS_NAME_MAX + 1]; /* NUL-terminated for convenience */
} fs_dirent_t;

typedef struct fs fs_t;

/* Options for fs_mount. */
typedef struct {
    uint32_t cache_nodes; /* metadata blocks kept in memory; 0 picks a default */
    bool read_only;
    /* Commit before a change once this many metadata blocks are dirty (0: only
     * when the cache needs room). Small values trade speed for more frequent,
     * smaller commits; tests use them to put commits everywhere. */
    uint32_t dirty_limit;
    uint64_t (*now)(void *ctx); /* clock for mtime/ctime; NULL leaves them 0 */
    void *now_ctx;
    /* Called right after a commit's superblock write was issued (tests use it). */
    void (*on_commit)(void *ctx, uint64_t generation);
    void *on_commit_ctx;
} fs_mount_opts_t;

#define FS_DEFAULT_CACHE_NODES 1024u
#define FS_MIN_CACHE_NODES 128u

/* Bytes of arena fs_mount needs for a device of block_count blocks. 0 if impossible. */
size_t fs_arena_size(uint64_t block_count, uint32_t cache_nodes);

/* Makes an empty filesystem. The device needs at least 16 blocks. */
int fs_mkfs(const fs_blockdev_t *dev, uint64_t seed);

/*
 * Mounts: picks the newest valid superblock, walks and checks every metadata
 * block, and builds the free-space map. On failure, err (if given) says why.
 */
int fs_mount(fs_t **out, const fs_blockdev_t *dev, const fs_mount_opts_t *opts, void *arena,
             size_t arena_size, char *err, size_t err_len);
/* Commits and forgets the filesystem (the arena may be reused afterwards). */
int fs_unmount(fs_t *fs);
/* Commits everything changed so far: after it returns 0, all of it survives a power cut. */
int fs_sync(fs_t *fs);

/* Path operations, relative to the directory inode `base`. Paths are length-delimited. */
int fs_lookup(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint64_t *ino);
int fs_create(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint64_t *ino);
int fs_mkdir(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint64_t *ino);
int fs_unlink(fs_t *fs, uint64_t base, const char *path, size_t path_len);
int fs_rmdir(fs_t *fs, uint64_t base, const char *path, size_t path_len);
int fs_rename(fs_t *fs, uint64_t base, const char *from, size_t from_len, const char *to,
              size_t to_len);

/* Inode operations. */
int64_t fs_pread(fs_t *fs, uint64_t ino, uint64_t offset, void *buf, size_t len);
int64_t fs_pwrite(fs_t *fs, uint64_t ino, uint64_t offset, const void *buf, size_t len);
int fs_truncate(fs_t *fs, uint64_t ino, uint64_t size);
int fs_fsync(fs_t *fs, uint64_t ino);
int fs_stat(fs_t *fs, uint64_t ino, fs_stat_t *st);
/*
 * Returns the entry of directory `dir` at or after *cookie (start with 0):
 * 1 and advances *cookie when there is one, 0 at the end.
 */
int fs_readdir(fs_t *fs, uint64_t dir, uint64_t *cookie, fs_dirent_t *out);
int fs_statfs(fs_t *fs, fs_statfs_t *st);

/* True when a name is 1..255 bytes of valid UTF-8 without '/' or NUL, and not "." or "..". */
bool fs_name_valid(const char *name, size_t len);
const char *fs_strerror(int code);

#endif
