/*
 * A reference filesystem in memory for the model and power-cut tests: a flat
 * table of paths with their contents, and the same rules (and error codes,
 * checked in the same order) as the library. Plus a random operation
 * generator, an applier that runs one operation on both, and a comparison
 * of the whole visible tree.
 */
#ifndef SUBSTRATE_TESTS_FS_MODEL_H
#define SUBSTRATE_TESTS_FS_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs.h"

#define M_PATH 64
#define M_MAX 4096

typedef struct {
    char path[M_PATH];
    bool dir;
    uint8_t *data;
    size_t size;
} m_entry_t;

typedef struct {
    m_entry_t e[M_MAX];
    int n;
} model_t;

static inline void model_init(model_t *m) { memset(m, 0, sizeof *m); }

static inline void model_free(model_t *m)
{
    for (int i = 0; i < m->n; i++)
        free(m->e[i].data);
    m->n = 0;
}

static inline void model_copy(model_t *dst, const model_t *src)
{
    memcpy(dst, src, sizeof *dst);
    for (int i = 0; i < src->n; i++) {
        dst->e[i].data = NULL;
        if (src->e[i].size) {
            dst->e[i].data = malloc(src->e[i].size);
            memcpy(dst->e[i].data, src->e[i].data, src->e[i].size);
        }
    }
}

static inline int model_find(const model_t *m, const char *path)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->e[i].path, path) == 0)
            return i;
    return -1;
}

/* The parent path of `path` ("" for the root). */
static inline void model_parent(const char *path, char *out)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 0;
    memcpy(out, path, n);
    out[n] = 0;
}

/* Resolves a directory path as fs resolve() does: ENOENT, ENOTDIR, or OK. */
static inline int model_dir_ok(const model_t *m, const char *dir)
{
    char prefix[M_PATH];
    size_t len = strlen(dir);
    for (size_t i = 0; i <= len; i++) {
        if (i == len || dir[i] == '/') {
            if (i == 0)
                continue;
            memcpy(prefix, dir, i);
            prefix[i] = 0;
            int k = model_find(m, prefix);
            if (k < 0)
                return FS_ENOENT;
            if (!m->e[k].dir)
                return FS_ENOTDIR;
        }
    }
    return FS_OK;
}

static inline bool model_has_children(const model_t *m, const char *dir)
{
    size_t len = strlen(dir);
    for (int i = 0; i < m->n; i++)
        if (strncmp(m->e[i].path, dir, len) == 0 && m->e[i].path[len] == '/')
            return true;
    return false;
}

static inline int model_make(model_t *m, const char *path, bool dir)
{
    char parent[M_PATH] = {0};
    model_parent(path, parent);
    int r = model_dir_ok(m, parent);
    if (r)
        return r;
    if (model_find(m, path) >= 0)
        return FS_EEXIST;
    if (m->n == M_MAX)
        return FS_ENOSPC;
    m_entry_t *e = &m->e[m->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->path, sizeof e->path, "%s", path);
    e->dir = dir;
    return FS_OK;
}

static inline void model_drop(model_t *m, int k)
{
    free(m->e[k].data);
    m->e[k] = m->e[--m->n];
}

static inline int model_remove(model_t *m, const char *path, bool want_dir)
{
    char parent[M_PATH] = {0};
    model_parent(path, parent);
    int r = model_dir_ok(m, parent);
    if (r)
        return r;
    int k = model_find(m, path);
    if (k < 0)
        return FS_ENOENT;
    if (want_dir && !m->e[k].dir)
        return FS_ENOTDIR;
    if (!want_dir && m->e[k].dir)
        return FS_EISDIR;
    if (want_dir && model_has_children(m, path))
        return FS_ENOTEMPTY;
    model_drop(m, k);
    return FS_OK;
}

static inline int model_write(model_t *m, const char *path, uint64_t off, const uint8_t *buf, size_t len)
{
    int k = model_find(m, path);
    if (k < 0)
        return FS_ENOENT;
    m_entry_t *e = &m->e[k];
    if (e->dir)
        return FS_EISDIR;
    if (off + len > e->size) {
        e->data = realloc(e->data, off + len);
        memset(e->data + e->size, 0, off + len - e->size);
        e->size = off + len;
    }
    if (len && e->data)
        memcpy(e->data + off, buf, len);
    return (int)len;
}

static inline int model_truncate(model_t *m, const char *path, size_t size)
{
    int k = model_find(m, path);
    if (k < 0)
        return FS_ENOENT;
    m_entry_t *e = &m->e[k];
    if (e->dir)
        return FS_EISDIR;
    if (size > e->size) {
        e->data = realloc(e->data, size);
        memset(e->data + e->size, 0, size - e->size);
    }
    e->size = size;
    if (size == 0) {
        free(e->data);
        e->data = NULL;
    }
    return FS_OK;
}

static inline int model_rename(model_t *m, const char *from, const char *to)
{
    char sp[M_PATH] = {0}, dp[M_PATH] = {0};
    model_parent(from, sp);
    model_parent(to, dp);
    int r = model_dir_ok(m, sp);
    if (r)
        return r;
    r = model_dir_ok(m, dp);
    if (r)
        return r;
    int s = model_find(m, from);
    if (s < 0)
        return FS_ENOENT;
    int d = model_find(m, to);
    if (d == s)
        return FS_OK;
    if (d >= 0) {
        if (m->e[s].dir && !m->e[d].dir)
            return FS_ENOTDIR;
        if (!m->e[s].dir && m->e[d].dir)
            return FS_EISDIR;
        if (m->e[d].dir && model_has_children(m, to))
            return FS_ENOTEMPTY;
    }
    size_t fl = strlen(from);
    if (m->e[s].dir && strncmp(dp, from, fl) == 0 && (dp[fl] == 0 || dp[fl] == '/'))
        return FS_EINVAL;
    if (strlen(to) + 40 >= M_PATH)
        return FS_ENAMETOOLONG; /* the test keeps paths short; never reached by its generator */
    if (d >= 0) {
        model_drop(m, d);
        s = model_find(m, from);
    }
    char old[M_PATH];
    snprintf(old, sizeof old, "%s", from);
    for (int i = 0; i < m->n; i++) {
        char *p = m->e[i].path;
        if (strcmp(p, old) == 0) {
            snprintf(p, M_PATH, "%s", to);
        } else if (strncmp(p, old, fl) == 0 && p[fl] == '/') {
            char rest[M_PATH];
            snprintf(rest, sizeof rest, "%s", p + fl);
            if (snprintf(p, M_PATH, "%s%s", to, rest) >= M_PATH)
                return FS_ENAMETOOLONG;
        }
    }
    (void)s;
    return FS_OK;
}

/* ---------- comparing the real tree with the model ---------- */

static inline int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const m_entry_t *)a)->path, ((const m_entry_t *)b)->path);
}

/* Reads the whole visible tree of fs into a model (contents included). */
static inline int model_from_fs(fs_t *fs, model_t *out, uint64_t dir, const char *prefix)
{
    uint64_t cookie = 0;
    fs_dirent_t d;
    int r;
    while ((r = fs_readdir(fs, dir, &cookie, &d)) == 1) {
        if (out->n == M_MAX)
            return FS_ENOSPC;
        m_entry_t *e = &out->e[out->n++];
        memset(e, 0, sizeof *e);
        int len = snprintf(e->path, sizeof e->path, "%s%s%s", prefix, *prefix ? "/" : "", d.name);
        if (len < 0 || len >= M_PATH)
            return FS_ENAMETOOLONG;
        e->dir = d.type == FS_TYPE_DIR;
        if (e->dir) {
            char sub[M_PATH];
            snprintf(sub, sizeof sub, "%s", e->path);
            r = model_from_fs(fs, out, d.ino, sub);
            if (r)
                return r;
            continue;
        }
        fs_stat_t st;
        r = fs_stat(fs, d.ino, &st);
        if (r)
            return r;
        e->size = (size_t)st.size;
        if (e->size) {
            e->data = malloc(e->size);
            size_t done = 0;
            while (done < e->size) {
                int64_t n = fs_pread(fs, d.ino, done, e->data + done, e->size - done);
                if (n <= 0)
                    return n ? (int)n : FS_EIO;
                done += (size_t)n;
            }
        }
    }
    return r;
}

/* 0 when equal; otherwise prints the first difference. */
static inline int model_compare(model_t *want, model_t *got, const char *ctx)
{
    qsort(want->e, (size_t)want->n, sizeof want->e[0], cmp_entry);
    qsort(got->e, (size_t)got->n, sizeof got->e[0], cmp_entry);
    for (int i = 0; i < want->n || i < got->n; i++) {
        if (i >= want->n || i >= got->n || strcmp(want->e[i].path, got->e[i].path) != 0) {
            if (ctx)
                printf("  %s: entry %s present in %s only\n", ctx,
                       i < want->n ? want->e[i].path : got->e[i].path, i < want->n ? "the model" : "the filesystem");
            return 1;
        }
        if (want->e[i].dir != got->e[i].dir || want->e[i].size != got->e[i].size ||
            (want->e[i].size && memcmp(want->e[i].data, got->e[i].data, want->e[i].size) != 0)) {
            if (ctx)
                printf("  %s: %s differs (size %zu vs %zu)\n", ctx, want->e[i].path, want->e[i].size,
                       got->e[i].size);
            return 1;
        }
    }
    return 0;
}

#endif
