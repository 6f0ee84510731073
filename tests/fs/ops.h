/*
 * Random filesystem operations for the model and power-cut tests: a
 * deterministic generator over a small namespace (so names collide and
 * every error path is taken), and an applier that runs one operation on the
 * library and on the model and reports both results.
 */
#ifndef SUBSTRATE_TESTS_FS_OPS_H
#define SUBSTRATE_TESTS_FS_OPS_H

#include "tests/fs/model.h"

typedef enum { OP_CREATE, OP_MKDIR, OP_WRITE, OP_TRUNCATE, OP_UNLINK, OP_RMDIR, OP_RENAME, OP_FSYNC, OP_READ, OP_COUNT } op_kind_t;

static const char *const op_names[] = {"create", "mkdir", "write", "truncate", "unlink",
                                       "rmdir", "rename", "fsync", "read"};

typedef struct {
    op_kind_t kind;
    char a[M_PATH], b[M_PATH];
    uint64_t off;
    uint32_t len;
    uint32_t seed;
} op_t;

static inline uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static inline void random_path(uint64_t *rng, char *out)
{
    static const char *const names[] = {"a", "b", "c", "f0", "f1", "f2", "f3"};
    int depth = 1 + (int)(rng_next(rng) % 3);
    size_t at = 0;
    out[0] = 0;
    for (int i = 0; i < depth; i++) {
        /* Directories are named a, b, c; shallow paths are the common case. */
        const char *n = names[rng_next(rng) % (i + 1 < depth ? 3 : 7)];
        at += (size_t)snprintf(out + at, M_PATH - at, "%s%s", i ? "/" : "", n);
    }
}

/* max_size bounds where writes land, so files stay small enough to compare. */
static inline void op_random(uint64_t *rng, op_t *op, uint64_t max_size)
{
    memset(op, 0, sizeof *op);
    uint64_t r = rng_next(rng) % 100;
    op->kind = r < 14 ? OP_CREATE : r < 22 ? OP_MKDIR : r < 50 ? OP_WRITE : r < 56 ? OP_TRUNCATE
             : r < 66 ? OP_UNLINK : r < 71 ? OP_RMDIR : r < 81 ? OP_RENAME : r < 88 ? OP_FSYNC : OP_READ;
    random_path(rng, op->a);
    if (op->kind == OP_RENAME)
        random_path(rng, op->b);
    static const uint32_t lens[] = {1, 17, 512, 4096, 4097, 9000, 65536, 70001};
    op->len = lens[rng_next(rng) % 8];
    if (op->len > max_size)
        op->len = (uint32_t)max_size;
    uint64_t where = rng_next(rng) % 4;
    op->off = where == 0 ? 0 : where == 1 ? rng_next(rng) % 4096 : rng_next(rng) % (max_size - op->len + 1);
    op->seed = (uint32_t)rng_next(rng);
}

/* A random entry of the model (dirs only when want_dir); NULL when there is none. */
static inline const char *pick_entry(uint64_t *rng, const model_t *m, int want_dir)
{
    int count = 0;
    for (int i = 0; i < m->n; i++)
        count += want_dir < 0 || m->e[i].dir == (want_dir > 0);
    if (!count)
        return NULL;
    int k = (int)(rng_next(rng) % (uint64_t)count);
    for (int i = 0; i < m->n; i++)
        if ((want_dir < 0 || m->e[i].dir == (want_dir > 0)) && k-- == 0)
            return m->e[i].path;
    return NULL;
}

/* Like op_random, but mostly on names that exist in `m`, so most operations succeed. */
static inline void op_random_live(uint64_t *rng, op_t *op, const model_t *m, uint64_t max_size)
{
    op_random(rng, op, max_size);
    if (rng_next(rng) % 10 == 0)
        return; /* keep some of the failing ones */
    static const char *const names[] = {"n0", "n1", "n2", "n3", "n4", "d0", "d1", "longer name \xc3\xa9"};
    const char *dir = rng_next(rng) % 3 ? pick_entry(rng, m, 1) : NULL;
    char fresh[M_PATH];
    snprintf(fresh, sizeof fresh, "%s%s%s", dir ? dir : "", dir ? "/" : "", names[rng_next(rng) % 8]);
    const char *file = pick_entry(rng, m, 0), *any = pick_entry(rng, m, -1);
    if (!file && op->kind != OP_MKDIR)
        op->kind = OP_CREATE; /* nothing to work on yet */
    switch (op->kind) {
    case OP_CREATE:
    case OP_MKDIR:
        snprintf(op->a, M_PATH, "%s", fresh);
        break;
    case OP_WRITE:
    case OP_TRUNCATE:
    case OP_FSYNC:
    case OP_READ:
    case OP_UNLINK:
        if (file)
            snprintf(op->a, M_PATH, "%s", file);
        break;
    case OP_RMDIR:
    case OP_RENAME:
        if (any)
            snprintf(op->a, M_PATH, "%s", any);
        if (op->kind == OP_RENAME)
            snprintf(op->b, M_PATH, "%s", rng_next(rng) % 4 == 0 && file ? file : fresh);
        break;
    default:
        break;
    }
}

static inline void op_fill(uint8_t *buf, uint32_t len, uint32_t seed)
{
    uint64_t s = seed | 1;
    for (uint32_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(rng_next(&s) >> 24);
}

static inline int fs_write_all(fs_t *fs, uint64_t ino, uint64_t off, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        int64_t n = fs_pwrite(fs, ino, off + done, buf + done, len - done);
        if (n <= 0)
            return n ? (int)n : FS_EIO;
        done += (size_t)n;
    }
    return FS_OK;
}

/* Resolution of a file path in the model, with the library's error order. */
static inline int model_file(model_t *m, const char *path, int *k)
{
    char parent[M_PATH] = {0};
    model_parent(path, parent);
    int r = model_dir_ok(m, parent);
    if (r)
        return r;
    *k = model_find(m, path);
    return *k < 0 ? FS_ENOENT : FS_OK;
}

/*
 * Runs op on both. *fs_rc and *model_rc get the results (0 or an FS_E*
 * code); for OP_READ a content mismatch is reported as fs_rc = 1.
 * The model is changed only after the library call returns, so a commit
 * inside the call sees the state before the operation.
 */
static inline void op_apply(fs_t *fs, model_t *m, const op_t *op, int *fs_rc, int *model_rc)
{
    static uint8_t buf[1 << 17], back[1 << 17];
    uint64_t ino;
    int k = -1, r;
    switch (op->kind) {
    case OP_CREATE:
        *fs_rc = fs_create(fs, FS_ROOT_INO, op->a, strlen(op->a), &ino);
        *model_rc = model_make(m, op->a, false);
        break;
    case OP_MKDIR:
        *fs_rc = fs_mkdir(fs, FS_ROOT_INO, op->a, strlen(op->a), &ino);
        *model_rc = model_make(m, op->a, true);
        break;
    case OP_WRITE:
    case OP_TRUNCATE:
        op_fill(buf, op->len, op->seed);
        r = fs_lookup(fs, FS_ROOT_INO, op->a, strlen(op->a), &ino);
        if (!r)
            r = op->kind == OP_WRITE ? fs_write_all(fs, ino, op->off, buf, op->len)
                                     : fs_truncate(fs, ino, op->off);
        *fs_rc = r;
        r = model_file(m, op->a, &k);
        if (!r)
            r = op->kind == OP_WRITE ? model_write(m, op->a, op->off, buf, op->len)
                                     : model_truncate(m, op->a, (size_t)op->off);
        *model_rc = r > 0 ? 0 : r;
        break;
    case OP_UNLINK:
        *fs_rc = fs_unlink(fs, FS_ROOT_INO, op->a, strlen(op->a));
        *model_rc = model_remove(m, op->a, false);
        break;
    case OP_RMDIR:
        *fs_rc = fs_rmdir(fs, FS_ROOT_INO, op->a, strlen(op->a));
        *model_rc = model_remove(m, op->a, true);
        break;
    case OP_RENAME:
        *fs_rc = fs_rename(fs, FS_ROOT_INO, op->a, strlen(op->a), op->b, strlen(op->b));
        *model_rc = model_rename(m, op->a, op->b);
        break;
    case OP_FSYNC:
        r = fs_lookup(fs, FS_ROOT_INO, op->a, strlen(op->a), &ino);
        *fs_rc = r ? r : fs_fsync(fs, ino);
        *model_rc = model_file(m, op->a, &k);
        break;
    case OP_READ: {
        r = fs_lookup(fs, FS_ROOT_INO, op->a, strlen(op->a), &ino);
        int mr = model_file(m, op->a, &k);
        *model_rc = mr;
        if (!r && !mr && m->e[k].dir) {
            *fs_rc = *model_rc = 0;
            break;
        }
        if (r) {
            *fs_rc = r;
            break;
        }
        int64_t n = fs_pread(fs, ino, op->off, back, op->len);
        if (mr) {
            *fs_rc = n < 0 ? (int)n : 0;
            break;
        }
        size_t size = m->e[k].size;
        size_t want = op->off >= size ? 0 : size - op->off < op->len ? size - op->off : op->len;
        *fs_rc = (n == (int64_t)want && (want == 0 || memcmp(back, m->e[k].data + op->off, want) == 0)) ? 0 : 1;
        break;
    }
    default:
        *fs_rc = *model_rc = 0;
    }
}

#endif
