/*
 * File and directory operations on top of the metadata tree.
 *
 * Every operation checks everything it can (names, types, existence, space)
 * before it changes anything, so an error leaves the filesystem as it was.
 * The tree changes of one operation land in one transaction: a commit only
 * happens between operations (fs_begin_change may commit first), so after a
 * power cut each operation is either wholly there or wholly absent. The one
 * exception is the freeing of a large file's blocks, which may span several
 * commits: the name goes first and the inode is marked with no links, and
 * mount finishes any such deletion a cut interrupted.
 *
 * File data is never written in place: a write puts new blocks on the device
 * before the chunk item that points at them (with their crc) changes.
 * A read checks each block against its crc and fails with FS_EIO instead of
 * returning bytes that differ from what was written.
 */
#include "system/fs/fs_internal.h"

#define CHUNK_BYTES ((uint64_t)FS_BLOCK_SIZE * FS_CHUNK_BLOCKS)

static uint64_t now(fs_t *fs) { return fs->opts.now ? fs->opts.now(fs->opts.now_ctx) : 0; }

static int inode_get(fs_t *fs, uint64_t ino, fs_inode_t *in)
{
    uint8_t v[FS_INODE_SIZE];
    size_t len = 0;
    fs_key_t k = {ino, FS_KEY_INODE, 0};
    if (ino == 0)
        return FS_ENOENT;
    int r = fs_tree_lookup(fs, k, v, sizeof v, &len);
    if (r)
        return r;
    if (len != FS_INODE_SIZE)
        return FS_EUCLEAN;
    fs_inode_decode(v, in);
    return FS_OK;
}

static int inode_put(fs_t *fs, uint64_t ino, const fs_inode_t *in)
{
    uint8_t v[FS_INODE_SIZE];
    fs_key_t k = {ino, FS_KEY_INODE, 0};
    fs_inode_encode(v, in);
    return fs_tree_put(fs, k, v, sizeof v);
}

/* ---------- directories ---------- */

typedef struct {
    uint64_t ino;
    uint8_t type;
    uint64_t key_off;
} dentry_t;

static int dir_find(fs_t *fs, uint64_t dir, const char *name, size_t len, dentry_t *out)
{
    uint64_t h = fs_name_hash(fs->seed, name, len) << 4;
    fs_key_t k = {dir, FS_KEY_DIRENT, h}, last = {dir, FS_KEY_DIRENT, h | (FS_DIRENT_SLOTS - 1)};
    uint8_t v[FS_DIRENT_MAX];
    for (;;) {
        fs_key_t found;
        size_t vlen = 0;
        int r = fs_tree_next(fs, k, last, &found, v, sizeof v, &vlen);
        if (r)
            return r;
        if (vlen >= FS_DIRENT_HDR && v[9] == len && vlen == FS_DIRENT_HDR + len &&
            fs_memcmp(v + FS_DIRENT_HDR, name, len) == 0) {
            out->ino = fs_get64(v);
            out->type = v[8];
            out->key_off = found.off;
            return FS_OK;
        }
        if (found.off == last.off)
            return FS_ENOENT;
        k.off = found.off + 1;
    }
}

/* A free slot for a new name, among the 16 its hash allows. */
static int dir_free_slot(fs_t *fs, uint64_t dir, const char *name, size_t len, uint64_t *off)
{
    uint64_t h = fs_name_hash(fs->seed, name, len) << 4;
    for (uint64_t s = 0; s < FS_DIRENT_SLOTS; s++) {
        fs_key_t k = {dir, FS_KEY_DIRENT, h | s};
        int r = fs_tree_lookup(fs, k, NULL, FS_DIRENT_MAX, NULL);
        if (r == FS_ENOENT) {
            *off = h | s;
            return FS_OK;
        }
        if (r)
            return r;
    }
    return FS_ENOSPC; /* 16 names with one 60-bit keyed hash in one directory */
}

static int dir_put(fs_t *fs, uint64_t dir, uint64_t off, const char *name, size_t len, uint64_t child,
                   uint8_t type)
{
    uint8_t v[FS_DIRENT_MAX];
    fs_put64(v, child);
    v[8] = type;
    v[9] = (uint8_t)len;
    fs_memcpy(v + FS_DIRENT_HDR, name, len);
    fs_key_t k = {dir, FS_KEY_DIRENT, off};
    return fs_tree_put(fs, k, v, FS_DIRENT_HDR + len);
}

/* Walks `path` from `base`; every component must be a valid name. */
static int resolve(fs_t *fs, uint64_t base, const char *path, size_t len, uint64_t *ino, uint8_t *type)
{
    uint64_t cur = base;
    fs_inode_t in;
    int r = inode_get(fs, cur, &in);
    if (r)
        return r == FS_ENOENT ? FS_ESTALE : r;
    uint8_t t = (uint8_t)in.type;
    size_t i = 0;
    while (i < len) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        if (j - i > FS_NAME_MAX)
            return FS_ENAMETOOLONG;
        if (!fs_name_valid(path + i, j - i))
            return FS_EINVAL;
        if (t != FS_TYPE_DIR)
            return FS_ENOTDIR;
        dentry_t d;
        r = dir_find(fs, cur, path + i, j - i, &d);
        if (r)
            return r;
        cur = d.ino;
        t = d.type;
        i = j;
    }
    *ino = cur;
    if (type)
        *type = t;
    return FS_OK;
}

/* Splits off the last component: the parent directory and the final name. */
static int resolve_parent(fs_t *fs, uint64_t base, const char *path, size_t len, uint64_t *dir,
                          const char **name, size_t *name_len)
{
    while (len > 0 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    if (start == len)
        return FS_EINVAL; /* no final name: the base itself */
    if (len - start > FS_NAME_MAX)
        return FS_ENAMETOOLONG;
    if (!fs_name_valid(path + start, len - start)) {
        /* Say which rule the name breaks. */
        for (size_t i = start; i < len; i++)
            if ((uint8_t)path[i] >= 0x80)
                return FS_EILSEQ;
        return FS_EINVAL;
    }
    uint8_t type;
    int r = resolve(fs, base, path, start, dir, &type);
    if (r)
        return r;
    if (type != FS_TYPE_DIR)
        return FS_ENOTDIR;
    *name = path + start;
    *name_len = len - start;
    return FS_OK;
}

int fs_lookup(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint64_t *ino)
{
    return resolve(fs, base, path, path_len, ino, NULL);
}

static int make_node(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint32_t type,
                     uint64_t *out)
{
    uint64_t dir, slot;
    const char *name;
    size_t name_len;
    dentry_t d;
    fs_inode_t parent;
    int r = resolve_parent(fs, base, path, path_len, &dir, &name, &name_len);
    if (r)
        return r;
    r = dir_find(fs, dir, name, name_len, &d);
    if (r == FS_OK)
        return FS_EEXIST;
    if (r != FS_ENOENT)
        return r;
    r = fs_begin_change(fs, 0, 3, false);
    if (r)
        return r;
    r = dir_free_slot(fs, dir, name, name_len, &slot);
    if (!r)
        r = inode_get(fs, dir, &parent);
    if (r)
        return r;
    uint64_t t = now(fs), ino = fs->next_ino;
    fs_inode_t in = {type, type == FS_TYPE_DIR ? 2u : 1u, 0, type == FS_TYPE_DIR ? dir : 0, t, t, 0};
    r = inode_put(fs, ino, &in);
    if (!r)
        r = dir_put(fs, dir, slot, name, name_len, ino, (uint8_t)type);
    parent.count++;
    parent.mtime = parent.ctime = t;
    if (type == FS_TYPE_DIR)
        parent.nlink++;
    if (!r)
        r = inode_put(fs, dir, &parent);
    if (r)
        return r;
    fs->next_ino++;
    fs->inodes++;
    if (out)
        *out = ino;
    return FS_OK;
}

int fs_create(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint64_t *ino)
{
    return make_node(fs, base, path, path_len, FS_TYPE_FILE, ino);
}

int fs_mkdir(fs_t *fs, uint64_t base, const char *path, size_t path_len, uint64_t *ino)
{
    return make_node(fs, base, path, path_len, FS_TYPE_DIR, ino);
}

/* ---------- file data ---------- */

typedef struct {
    uint64_t block[FS_CHUNK_BLOCKS];
    uint32_t crc[FS_CHUNK_BLOCKS];
} chunk_t;

static int chunk_get(fs_t *fs, uint64_t ino, uint64_t index, chunk_t *c, bool *exists)
{
    uint8_t v[FS_CHUNK_SIZE];
    size_t len = 0;
    fs_key_t k = {ino, FS_KEY_CHUNK, index};
    int r = fs_tree_lookup(fs, k, v, sizeof v, &len);
    fs_memset(c, 0, sizeof *c);
    *exists = false;
    if (r == FS_ENOENT)
        return FS_OK;
    if (r)
        return r;
    if (len != FS_CHUNK_SIZE)
        return FS_EUCLEAN;
    for (uint32_t i = 0; i < FS_CHUNK_BLOCKS; i++) {
        c->block[i] = fs_get64(v + i * FS_CHUNK_SLOT);
        c->crc[i] = fs_get32(v + i * FS_CHUNK_SLOT + 8);
    }
    *exists = true;
    return FS_OK;
}

static int chunk_put(fs_t *fs, uint64_t ino, uint64_t index, const chunk_t *c)
{
    fs_key_t k = {ino, FS_KEY_CHUNK, index};
    bool empty = true;
    for (uint32_t i = 0; i < FS_CHUNK_BLOCKS; i++)
        empty = empty && c->block[i] == 0;
    if (empty) {
        int r = fs_tree_delete(fs, k);
        return r == FS_ENOENT ? FS_OK : r;
    }
    uint8_t v[FS_CHUNK_SIZE];
    for (uint32_t i = 0; i < FS_CHUNK_BLOCKS; i++) {
        fs_put64(v + i * FS_CHUNK_SLOT, c->block[i]);
        fs_put32(v + i * FS_CHUNK_SLOT + 8, c->block[i] ? c->crc[i] : 0);
    }
    return fs_tree_put(fs, k, v, sizeof v);
}

/* Reads blocks [first, first+count) of a chunk into buf, each checked against its crc. */
static int chunk_read(fs_t *fs, const chunk_t *c, uint32_t first, uint32_t count, uint8_t *buf)
{
    uint32_t i = first;
    while (i < first + count) {
        uint8_t *dst = buf + (size_t)(i - first) * FS_BLOCK_SIZE;
        if (c->block[i] == 0) {
            fs_memset(dst, 0, FS_BLOCK_SIZE);
            i++;
            continue;
        }
        uint32_t run = 1;
        while (i + run < first + count && c->block[i + run] == c->block[i] + run)
            run++;
        if (fs->dev.read(fs->dev.ctx, c->block[i], run, dst))
            return FS_EIO;
        for (uint32_t k = 0; k < run; k++)
            if (fs_crc32c(0, dst + (size_t)k * FS_BLOCK_SIZE, FS_BLOCK_SIZE) != c->crc[i + k])
                return FS_EIO;
        i += run;
    }
    return FS_OK;
}

static int file_get(fs_t *fs, uint64_t ino, fs_inode_t *in)
{
    int r = inode_get(fs, ino, in);
    if (r == FS_ENOENT)
        return FS_ESTALE;
    if (r)
        return r;
    return in->type == FS_TYPE_DIR ? FS_EISDIR : FS_OK;
}

int64_t fs_pread(fs_t *fs, uint64_t ino, uint64_t offset, void *buf, size_t len)
{
    fs_inode_t in;
    int r = file_get(fs, ino, &in);
    if (r)
        return r;
    if (offset >= in.size || len == 0)
        return 0;
    if (len > FS_IO_MAX)
        len = FS_IO_MAX;
    if (len > in.size - offset)
        len = (size_t)(in.size - offset);
    uint8_t *out = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t pos = offset + done;
        uint64_t index = pos / CHUNK_BYTES;
        uint32_t in_chunk = (uint32_t)(pos % CHUNK_BYTES);
        size_t n = CHUNK_BYTES - in_chunk;
        if (n > len - done)
            n = len - done;
        uint32_t first = in_chunk / FS_BLOCK_SIZE;
        uint32_t last = (uint32_t)((in_chunk + n - 1) / FS_BLOCK_SIZE);
        chunk_t c;
        bool exists;
        r = chunk_get(fs, ino, index, &c, &exists);
        if (!r)
            r = chunk_read(fs, &c, first, last - first + 1, fs->scratch);
        if (r) {
            /* Nothing read is handed back when any of it is damaged. */
            fs_memset(buf, 0, len);
            return r;
        }
        fs_memcpy(out + done, fs->scratch + in_chunk % FS_BLOCK_SIZE, n);
        done += n;
    }
    return (int64_t)done;
}

/* Writes one chunk's share of a pwrite: [pos, pos+n) lies inside chunk `index`. */
static int write_chunk(fs_t *fs, uint64_t ino, fs_inode_t *in, uint64_t pos, const uint8_t *src,
                       size_t n)
{
    uint64_t index = pos / CHUNK_BYTES;
    uint32_t in_chunk = (uint32_t)(pos % CHUNK_BYTES);
    uint32_t first = in_chunk / FS_BLOCK_SIZE;
    uint32_t last = (uint32_t)((in_chunk + n - 1) / FS_BLOCK_SIZE);
    uint32_t count = last - first + 1;
    chunk_t c;
    bool exists;
    int r = chunk_get(fs, ino, index, &c, &exists);
    if (r)
        return r;
    /* Partial first and last blocks start from their old, checked contents. */
    uint8_t *buf = fs->scratch;
    if (in_chunk % FS_BLOCK_SIZE) {
        r = chunk_read(fs, &c, first, 1, buf);
        if (r)
            return r;
    }
    uint32_t end_in_block = (uint32_t)((in_chunk + n) % FS_BLOCK_SIZE);
    if (end_in_block && (last != first || in_chunk % FS_BLOCK_SIZE == 0)) {
        r = chunk_read(fs, &c, last, 1, buf + (size_t)(last - first) * FS_BLOCK_SIZE);
        if (r)
            return r;
    }
    fs_memcpy(buf + in_chunk % FS_BLOCK_SIZE, src, n);
    /* New blocks, then the data, then the item that points at them. */
    uint64_t fresh[FS_CHUNK_BLOCKS];
    for (uint32_t i = 0; i < count; i++) {
        r = fs_block_alloc(fs, &fresh[i]);
        if (r) {
            while (i--)
                fs_block_free(fs, fresh[i]);
            return r;
        }
    }
    for (uint32_t i = 0; i < count;) {
        uint32_t run = 1;
        while (i + run < count && fresh[i + run] == fresh[i] + run)
            run++;
        if (fs->dev.write(fs->dev.ctx, fresh[i], run, buf + (size_t)i * FS_BLOCK_SIZE)) {
            fs->failed = true;
            return FS_EIO;
        }
        i += run;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint32_t s = first + i;
        if (c.block[s]) {
            fs_block_free(fs, c.block[s]);
            in->count--;
        }
        c.block[s] = fresh[i];
        c.crc[s] = fs_crc32c(0, buf + (size_t)i * FS_BLOCK_SIZE, FS_BLOCK_SIZE);
        in->count++;
    }
    r = chunk_put(fs, ino, index, &c);
    if (r)
        fs->failed = true;
    return r;
}

/* How many chunk items one change may touch and still fit the cache. */
static uint32_t chunks_per_change(const fs_t *fs)
{
    uint32_t per_op = 2u * (fs->root_level + 2u) + 1u;
    uint32_t room = fs->ncache > 2u * FS_MAX_LEVELS + 8u ? fs->ncache - 2u * FS_MAX_LEVELS - 8u : 0;
    uint32_t ops = room / per_op;
    return ops > 2 ? ops - 1 : 1;
}

int64_t fs_pwrite(fs_t *fs, uint64_t ino, uint64_t offset, const void *buf, size_t len)
{
    fs_inode_t in;
    int r = file_get(fs, ino, &in);
    if (r)
        return r;
    if (len == 0)
        return 0;
    if (offset >= FS_MAX_FILE_SIZE)
        return FS_EFBIG;
    if (len > FS_IO_MAX)
        len = FS_IO_MAX;
    if (len > FS_MAX_FILE_SIZE - offset)
        len = (size_t)(FS_MAX_FILE_SIZE - offset);
    uint64_t max_bytes = (uint64_t)chunks_per_change(fs) * CHUNK_BYTES - offset % CHUNK_BYTES;
    if (len > max_bytes)
        len = (size_t)max_bytes;
    uint64_t chunks = (offset + len - 1) / CHUNK_BYTES - offset / CHUNK_BYTES + 1;
    r = fs_begin_change(fs, (len + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE + 2, (uint32_t)chunks + 1, false);
    if (r)
        return r;
    r = file_get(fs, ino, &in); /* a commit above does not change it, but re-read for clarity */
    if (r)
        return r;
    const uint8_t *src = buf;
    size_t done = 0;
    while (done < len) {
        uint64_t pos = offset + done;
        size_t n = CHUNK_BYTES - pos % CHUNK_BYTES;
        if (n > len - done)
            n = len - done;
        r = write_chunk(fs, ino, &in, pos, src + done, n);
        if (r)
            break;
        done += n;
    }
    if (done == 0)
        return r;
    if (offset + done > in.size)
        in.size = offset + done;
    in.mtime = in.ctime = now(fs);
    r = inode_put(fs, ino, &in);
    if (r)
        return r;
    return (int64_t)done;
}

/*
 * Frees chunks of `ino` from chunk index `from` on. Each chunk is its own
 * step (the chunk item goes and the inode's block count follows in the same
 * transaction), so a commit may fall between two steps when the cache fills
 * or space is short; the caller has made the visible change (the new size or
 * the removed name) already, and mount finishes an interrupted run.
 */
static int free_chunks(fs_t *fs, uint64_t ino, uint64_t from, fs_inode_t *in)
{
    for (;;) {
        int r = fs_begin_change(fs, 0, 2, true);
        if (r)
            return r;
        fs_key_t k = {ino, FS_KEY_CHUNK, from}, last = {ino, FS_KEY_CHUNK, UINT64_MAX}, found;
        chunk_t c;
        bool exists;
        r = fs_tree_next(fs, k, last, &found, NULL, FS_CHUNK_SIZE, NULL);
        if (r == FS_ENOENT)
            return FS_OK;
        if (!r)
            r = chunk_get(fs, ino, found.off, &c, &exists);
        if (!r)
            r = fs_tree_delete(fs, found);
        if (r)
            return r;
        for (uint32_t i = 0; i < FS_CHUNK_BLOCKS; i++)
            if (c.block[i]) {
                fs_block_free(fs, c.block[i]);
                in->count--;
            }
        r = inode_put(fs, ino, in);
        if (r)
            return r;
        from = found.off;
    }
}

int fs_truncate(fs_t *fs, uint64_t ino, uint64_t size)
{
    fs_inode_t in;
    int r = file_get(fs, ino, &in);
    if (r)
        return r;
    if (size > FS_MAX_FILE_SIZE)
        return FS_EFBIG;
    if (size == in.size)
        return FS_OK; /* nothing to change, so nothing to refuse for want of space */
    r = fs_begin_change(fs, 2, 3, size < in.size);
    if (r)
        return r;
    if (size < in.size) {
        /* The block that holds the new end keeps only the bytes before it, so
         * growing the file later reads zeros there, as POSIX requires. */
        uint32_t tail = (uint32_t)(size % FS_BLOCK_SIZE);
        if (tail) {
            uint64_t index = size / CHUNK_BYTES;
            uint32_t slot = (uint32_t)(size % CHUNK_BYTES / FS_BLOCK_SIZE);
            chunk_t c;
            bool exists;
            r = chunk_get(fs, ino, index, &c, &exists);
            if (r)
                return r;
            if (c.block[slot]) {
                /* Rewrite that block through write_chunk with its own first bytes. */
                uint8_t *keep = fs->scratch + (FS_SCRATCH_BLOCKS - 1) * FS_BLOCK_SIZE;
                r = chunk_read(fs, &c, slot, 1, keep);
                if (r)
                    return r;
                fs_memset(keep + tail, 0, FS_BLOCK_SIZE - tail);
                r = write_chunk(fs, ino, &in, size - tail, keep, FS_BLOCK_SIZE);
                if (r)
                    return r;
            }
        }
        /* Blocks past the new end within its chunk go, then whole chunks. */
        uint64_t index = size / CHUNK_BYTES;
        uint32_t keep_slots = (uint32_t)((size % CHUNK_BYTES + FS_BLOCK_SIZE - 1) / FS_BLOCK_SIZE);
        if (keep_slots) {
            chunk_t c;
            bool exists;
            r = chunk_get(fs, ino, index, &c, &exists);
            if (r)
                return r;
            bool changed = false;
            for (uint32_t i = keep_slots; i < FS_CHUNK_BLOCKS; i++)
                if (c.block[i]) {
                    fs_block_free(fs, c.block[i]);
                    in.count--;
                    c.block[i] = 0;
                    changed = true;
                }
            if (changed) {
                r = chunk_put(fs, ino, index, &c);
                if (r)
                    return r;
            }
            index++;
        }
        in.size = size;
        in.mtime = in.ctime = now(fs);
        r = inode_put(fs, ino, &in);
        if (!r)
            r = free_chunks(fs, ino, index, &in);
        if (!r)
            r = inode_put(fs, ino, &in);
        return r;
    }
    in.size = size;
    in.mtime = in.ctime = now(fs);
    return inode_put(fs, ino, &in);
}

int fs_fsync(fs_t *fs, uint64_t ino)
{
    fs_inode_t in;
    int r = inode_get(fs, ino, &in);
    if (r)
        return r == FS_ENOENT ? FS_ESTALE : r;
    if (fs->opts.read_only)
        return FS_OK;
    return fs_commit(fs);
}

int fs_sync(fs_t *fs) { return fs->opts.read_only ? FS_OK : fs_commit(fs); }

int fs_stat(fs_t *fs, uint64_t ino, fs_stat_t *st)
{
    fs_inode_t in;
    int r = inode_get(fs, ino, &in);
    if (r)
        return r == FS_ENOENT ? FS_ESTALE : r;
    st->ino = ino;
    st->type = in.type;
    st->nlink = in.nlink;
    st->size = in.type == FS_TYPE_DIR ? in.count : in.size;
    st->blocks = in.type == FS_TYPE_DIR ? 0 : in.count;
    st->mtime = in.mtime;
    st->ctime = in.ctime;
    return FS_OK;
}

int fs_statfs(fs_t *fs, fs_statfs_t *st)
{
    st->block_size = FS_BLOCK_SIZE;
    st->total_blocks = fs->nblocks;
    st->free_blocks = fs->nblocks - fs->used_count;
    st->files = fs->inodes;
    st->name_max = FS_NAME_MAX;
    st->generation = fs->generation;
    return FS_OK;
}

int fs_readdir(fs_t *fs, uint64_t dir, uint64_t *cookie, fs_dirent_t *out)
{
    fs_inode_t in;
    int r = inode_get(fs, dir, &in);
    if (r)
        return r == FS_ENOENT ? FS_ESTALE : r;
    if (in.type != FS_TYPE_DIR)
        return FS_ENOTDIR;
    fs_key_t k = {dir, FS_KEY_DIRENT, *cookie}, last = {dir, FS_KEY_DIRENT, UINT64_MAX}, found;
    uint8_t v[FS_DIRENT_MAX];
    size_t len = 0;
    r = fs_tree_next(fs, k, last, &found, v, sizeof v, &len);
    if (r == FS_ENOENT)
        return 0;
    if (r)
        return r;
    if (len < FS_DIRENT_HDR || len != FS_DIRENT_HDR + (size_t)v[9])
        return FS_EUCLEAN;
    out->ino = fs_get64(v);
    out->type = v[8];
    out->name_len = v[9];
    fs_memcpy(out->name, v + FS_DIRENT_HDR, v[9]);
    out->name[v[9]] = 0;
    *cookie = found.off + 1;
    return 1;
}

/* ---------- removal and rename ---------- */

/* Drops an inode whose last name is gone. Large files free their blocks over several commits. */
static int inode_drop(fs_t *fs, uint64_t ino, fs_inode_t *in)
{
    int r = FS_OK;
    if (in->type == FS_TYPE_FILE) {
        in->nlink = 0;
        r = inode_put(fs, ino, in);
        if (!r)
            r = free_chunks(fs, ino, 0, in);
    }
    if (!r) {
        fs_key_t k = {ino, FS_KEY_INODE, 0};
        r = fs_tree_delete(fs, k);
    }
    if (!r)
        fs->inodes--;
    return r;
}

static int remove_name(fs_t *fs, uint64_t base, const char *path, size_t path_len, bool want_dir)
{
    uint64_t dir;
    const char *name;
    size_t name_len;
    dentry_t d = {0, 0, 0};
    fs_inode_t in, parent;
    int r = resolve_parent(fs, base, path, path_len, &dir, &name, &name_len);
    if (!r)
        r = dir_find(fs, dir, name, name_len, &d);
    if (!r)
        r = inode_get(fs, d.ino, &in);
    if (!r)
        r = inode_get(fs, dir, &parent);
    if (r)
        return r;
    if (want_dir && in.type != FS_TYPE_DIR)
        return FS_ENOTDIR;
    if (!want_dir && in.type == FS_TYPE_DIR)
        return FS_EISDIR;
    if (want_dir && in.count != 0)
        return FS_ENOTEMPTY;
    r = fs_begin_change(fs, 0, 4, true);
    if (r)
        return r;
    fs_key_t k = {dir, FS_KEY_DIRENT, d.key_off};
    r = fs_tree_delete(fs, k);
    parent.count--;
    if (want_dir)
        parent.nlink--;
    parent.mtime = parent.ctime = now(fs);
    if (!r)
        r = inode_put(fs, dir, &parent);
    if (!r)
        r = inode_drop(fs, d.ino, &in);
    return r;
}

int fs_unlink(fs_t *fs, uint64_t base, const char *path, size_t path_len)
{
    return remove_name(fs, base, path, path_len, false);
}

int fs_rmdir(fs_t *fs, uint64_t base, const char *path, size_t path_len)
{
    return remove_name(fs, base, path, path_len, true);
}

/* True when directory `dir` is `ancestor` or lies below it. */
static int is_within(fs_t *fs, uint64_t dir, uint64_t ancestor, bool *within)
{
    for (uint32_t depth = 0; depth < 100000; depth++) {
        if (dir == ancestor) {
            *within = true;
            return FS_OK;
        }
        if (dir == FS_ROOT_INO) {
            *within = false;
            return FS_OK;
        }
        fs_inode_t in;
        int r = inode_get(fs, dir, &in);
        if (r)
            return r == FS_ENOENT ? FS_EUCLEAN : r;
        dir = in.parent;
    }
    return FS_EUCLEAN; /* a parent cycle: the image is damaged */
}

int fs_rename(fs_t *fs, uint64_t base, const char *from, size_t from_len, const char *to,
              size_t to_len)
{
    uint64_t sdir, ddir, slot;
    const char *sname, *dname;
    size_t slen, dlen;
    dentry_t src = {0, 0, 0}, dst = {0, 0, 0};
    fs_inode_t sin, din, sparent, dparent;
    int r = resolve_parent(fs, base, from, from_len, &sdir, &sname, &slen);
    if (!r)
        r = resolve_parent(fs, base, to, to_len, &ddir, &dname, &dlen);
    if (!r)
        r = dir_find(fs, sdir, sname, slen, &src);
    if (!r)
        r = inode_get(fs, src.ino, &sin);
    if (r)
        return r;
    r = dir_find(fs, ddir, dname, dlen, &dst);
    bool replace = r == FS_OK;
    if (r && r != FS_ENOENT)
        return r;
    if (replace && dst.ino == src.ino)
        return FS_OK; /* the same name, or two names of one inode */
    if (replace) {
        r = inode_get(fs, dst.ino, &din);
        if (r)
            return r;
        if (sin.type == FS_TYPE_DIR && din.type != FS_TYPE_DIR)
            return FS_ENOTDIR;
        if (sin.type != FS_TYPE_DIR && din.type == FS_TYPE_DIR)
            return FS_EISDIR;
        if (din.type == FS_TYPE_DIR && din.count != 0)
            return FS_ENOTEMPTY;
    }
    if (sin.type == FS_TYPE_DIR) {
        bool within;
        r = is_within(fs, ddir, src.ino, &within);
        if (r)
            return r;
        if (within)
            return FS_EINVAL; /* a directory cannot move below itself */
    }
    r = fs_begin_change(fs, 0, 6, false);
    if (r)
        return r;
    /* All of it is one transaction: the old name, the new name and any
     * replaced inode change together or not at all. */
    fs_key_t sk = {sdir, FS_KEY_DIRENT, src.key_off};
    r = fs_tree_delete(fs, sk);
    if (!r && replace) {
        fs_key_t dk = {ddir, FS_KEY_DIRENT, dst.key_off};
        r = fs_tree_delete(fs, dk);
    }
    if (!r)
        r = dir_free_slot(fs, ddir, dname, dlen, &slot);
    if (!r)
        r = dir_put(fs, ddir, slot, dname, dlen, src.ino, src.type);
    uint64_t t = now(fs);
    if (!r)
        r = inode_get(fs, sdir, &sparent);
    if (!r) {
        sparent.count--;
        if (sin.type == FS_TYPE_DIR)
            sparent.nlink--;
        sparent.mtime = sparent.ctime = t;
        r = inode_put(fs, sdir, &sparent);
    }
    if (!r)
        r = inode_get(fs, ddir, &dparent);
    if (!r) {
        if (!replace)
            dparent.count++;
        if (sin.type == FS_TYPE_DIR && !replace)
            dparent.nlink++;
        dparent.mtime = dparent.ctime = t;
        r = inode_put(fs, ddir, &dparent);
    }
    if (!r && sin.type == FS_TYPE_DIR) {
        sin.parent = ddir;
        sin.ctime = t;
        r = inode_put(fs, src.ino, &sin);
    }
    if (!r && replace)
        r = inode_drop(fs, dst.ino, &din);
    return r;
}

/* ---------- mount-time cleanup ---------- */

/* Finishes deleting files a power cut left with no links (see inode_drop). */
int fs_finish_orphans(fs_t *fs)
{
    if (fs->opts.read_only)
        return FS_OK;
    fs_key_t k = {FS_ROOT_INO + 1, FS_KEY_INODE, 0}, last = {UINT64_MAX, FS_KEY_INODE, 0}, found;
    for (;;) {
        uint8_t v[FS_VALUE_MAX];
        size_t len = 0;
        int r = fs_tree_next(fs, k, last, &found, v, sizeof v, &len);
        if (r == FS_ENOENT)
            return fs_commit(fs);
        if (r)
            return r;
        if (found.type == FS_KEY_INODE && len == FS_INODE_SIZE) {
            fs_inode_t in;
            fs_inode_decode(v, &in);
            uint64_t beyond = (in.size + CHUNK_BYTES - 1) / CHUNK_BYTES;
            fs_key_t ck = {found.id, FS_KEY_CHUNK, beyond}, clast = {found.id, FS_KEY_CHUNK, UINT64_MAX};
            fs_key_t cfound;
            if (in.type == FS_TYPE_FILE && in.nlink == 0) {
                r = fs_begin_change(fs, 0, 2, true);
                if (!r)
                    r = inode_drop(fs, found.id, &in);
            } else if (in.type == FS_TYPE_FILE &&
                       fs_tree_next(fs, ck, clast, &cfound, NULL, FS_CHUNK_SIZE, NULL) == FS_OK) {
                /* A shrinking truncate the cut interrupted: its size is set, its
                 * blocks past the end are not yet all free. */
                r = free_chunks(fs, found.id, beyond, &in);
            }
            if (r)
                return r;
        }
        if (found.id == UINT64_MAX)
            return fs_commit(fs);
        k.id = found.id + 1;
        k.type = FS_KEY_INODE;
        k.off = 0;
    }
}

int fs_unmount(fs_t *fs)
{
    int r = fs_sync(fs);
    fs->failed = true; /* any later use of this handle is a bug; refuse it */
    return r;
}
