/*
 * Executes client requests against the filesystem (see fs_protocol.h).
 *
 * Every request is copied out of its slot once and validated before anything
 * happens: the operation, the handle (an index into this client's own table),
 * and every byte range in the data region (overflow-safe checks against the
 * region size the system description gave). Paths are copied into a private
 * buffer, so the client cannot change a path after it was checked. File data
 * moves directly between the data region and the filesystem, which reads or
 * writes each byte once. A client whose rings are corrupt is marked broken
 * and never served again; no request of one client can touch another's
 * handles, buffers or files outside its root.
 */
#include "system/fs/fs_server.h"

#include "system/fs/fs_format.h"

static bool range_ok(const fs_server_client_t *c, uint64_t off, uint64_t len)
{
    return off <= c->data_size && len <= c->data_size - off;
}

/* Makes `path` (and its parents) as directories under `base`; the last becomes *out. */
static int make_root(fs_t *fs, const char *path, size_t len, uint64_t *out)
{
    uint64_t cur = FS_ROOT_INO;
    size_t i = 0;
    while (i < len) {
        if (path[i] == '/') {
            i++;
            continue;
        }
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        uint64_t next;
        int r = fs_lookup(fs, cur, path + i, j - i, &next);
        if (r == FS_ENOENT)
            r = fs_mkdir(fs, cur, path + i, j - i, &next);
        if (r)
            return r;
        fs_stat_t st;
        r = fs_stat(fs, next, &st);
        if (r)
            return r;
        if (st.type != FS_TYPE_DIR)
            return FS_ENOTDIR;
        cur = next;
        i = j;
    }
    *out = cur;
    return fs_sync(fs);
}

int fs_server_attach(fs_t *fs, fs_server_client_t *c, void *control, size_t control_size, uint32_t capacity,
                     void *data, uint64_t data_size, const char *root_path, size_t root_len)
{
    fs_memset(c, 0, sizeof *c);
    if (fs_queue_attach(&c->q, control, control_size, capacity, false, true) != DDF_RING_OK)
        return FS_EINVAL;
    c->data = data;
    c->data_size = data ? data_size : 0;
    return make_root(fs, root_path, root_len, &c->root);
}

static fs_server_handle_t *handle_get(fs_server_client_t *c, uint32_t h)
{
    if (h >= FS_SERVER_HANDLES || !c->handles[h].used)
        return NULL;
    return &c->handles[h];
}

static int do_open(fs_t *fs, fs_server_client_t *c, const char *path, size_t len, uint32_t flags,
                   uint64_t *result)
{
    uint32_t h;
    if (flags & ~(uint32_t)(FS_OPEN_CREATE | FS_OPEN_EXCL | FS_OPEN_TRUNC | FS_OPEN_APPEND | FS_OPEN_DIRECTORY))
        return FS_EINVAL;
    for (h = 0; h < FS_SERVER_HANDLES && c->handles[h].used; h++)
        ;
    if (h == FS_SERVER_HANDLES)
        return FS_ENOMEM;
    uint64_t ino;
    int r = fs_lookup(fs, c->root, path, len, &ino);
    if (r == FS_ENOENT && (flags & FS_OPEN_CREATE))
        r = fs_create(fs, c->root, path, len, &ino);
    else if (r == FS_OK && (flags & FS_OPEN_CREATE) && (flags & FS_OPEN_EXCL))
        r = FS_EEXIST;
    if (r)
        return r;
    fs_stat_t st;
    r = fs_stat(fs, ino, &st);
    if (r)
        return r;
    bool dir = st.type == FS_TYPE_DIR;
    if (dir != ((flags & FS_OPEN_DIRECTORY) != 0))
        return dir ? FS_EISDIR : FS_ENOTDIR;
    if (!dir && (flags & FS_OPEN_TRUNC)) {
        r = fs_truncate(fs, ino, 0);
        if (r)
            return r;
    }
    c->handles[h] = (fs_server_handle_t){ino, 0, flags, true, (flags & FS_OPEN_TRUNC) != 0, dir};
    *result = h;
    return FS_OK;
}

/* Executes one validated request. `path`/`path2` are private copies. */
static int execute(fs_t *fs, fs_server_client_t *c, const fs_request_t *rq, const char *path,
                   const char *path2, uint64_t *result)
{
    fs_server_handle_t *h = NULL;
    uint8_t *buf = c->data ? c->data + rq->buf_off : NULL;
    switch (rq->op) {
    case FS_OP_CLOSE:
    case FS_OP_READ:
    case FS_OP_WRITE:
    case FS_OP_PREAD:
    case FS_OP_PWRITE:
    case FS_OP_TRUNCATE:
    case FS_OP_FSYNC:
    case FS_OP_STAT:
    case FS_OP_READDIR:
    case FS_OP_SEEK:
        h = handle_get(c, rq->handle);
        if (!h)
            return FS_EBADF;
        break;
    default:
        break;
    }
    int64_t n;
    int r;
    switch (rq->op) {
    case FS_OP_OPEN:
        return do_open(fs, c, path, rq->path_len, rq->flags, result);
    case FS_OP_CLOSE:
        r = h->wrote ? fs_fsync(fs, h->ino) : FS_OK;
        h->used = false;
        return r == FS_ESTALE ? FS_OK : r;
    case FS_OP_READ:
    case FS_OP_PREAD:
        if (h->dir)
            return FS_EISDIR;
        n = fs_pread(fs, h->ino, rq->op == FS_OP_READ ? h->pos : rq->offset, buf, rq->buf_len);
        if (n < 0)
            return (int)n;
        if (rq->op == FS_OP_READ)
            h->pos += (uint64_t)n;
        *result = (uint64_t)n;
        return FS_OK;
    case FS_OP_WRITE:
    case FS_OP_PWRITE: {
        if (h->dir)
            return FS_EISDIR;
        uint64_t at = rq->offset;
        if (rq->op == FS_OP_WRITE) {
            at = h->pos;
            if (h->flags & FS_OPEN_APPEND) {
                fs_stat_t st;
                r = fs_stat(fs, h->ino, &st);
                if (r)
                    return r;
                at = st.size;
            }
        }
        n = fs_pwrite(fs, h->ino, at, buf, rq->buf_len);
        if (n < 0)
            return (int)n;
        h->wrote = true;
        if (rq->op == FS_OP_WRITE)
            h->pos = at + (uint64_t)n;
        *result = (uint64_t)n;
        return FS_OK;
    }
    case FS_OP_TRUNCATE:
        if (h->dir)
            return FS_EISDIR;
        h->wrote = true;
        return fs_truncate(fs, h->ino, rq->offset);
    case FS_OP_FSYNC:
        return fs_fsync(fs, h->ino);
    case FS_OP_SEEK:
        h->pos = rq->offset;
        *result = h->pos;
        return FS_OK;
    case FS_OP_STAT: {
        fs_stat_t st;
        if (rq->buf_len < sizeof(fs_wire_stat_t))
            return FS_EINVAL;
        r = fs_stat(fs, h->ino, &st);
        if (r)
            return r;
        fs_wire_stat_t w = {st.ino, st.type, st.nlink, st.size, st.blocks, st.mtime, st.ctime};
        fs_memcpy(buf, &w, sizeof w);
        return FS_OK;
    }
    case FS_OP_READDIR: {
        if (!h->dir)
            return FS_ENOTDIR;
        if (rq->buf_len < sizeof(fs_wire_dirent_t))
            return FS_EINVAL;
        uint64_t cookie = rq->offset;
        fs_dirent_t d;
        r = fs_readdir(fs, h->ino, &cookie, &d);
        if (r < 0)
            return r;
        *result = 0;
        if (r == 1) {
            fs_wire_dirent_t w;
            fs_memset(&w, 0, sizeof w);
            w.ino = d.ino;
            w.type = d.type;
            w.name_len = d.name_len;
            fs_memcpy(w.name, d.name, d.name_len);
            fs_memcpy(buf, &w, sizeof w);
            *result = cookie;
        }
        return FS_OK;
    }
    case FS_OP_MKDIR:
        return fs_mkdir(fs, c->root, path, rq->path_len, NULL);
    case FS_OP_RMDIR:
        return fs_rmdir(fs, c->root, path, rq->path_len);
    case FS_OP_UNLINK:
        return fs_unlink(fs, c->root, path, rq->path_len);
    case FS_OP_RENAME:
        return fs_rename(fs, c->root, path, rq->path_len, path2, rq->path2_len);
    case FS_OP_STATFS: {
        fs_statfs_t sf;
        if (rq->buf_len < sizeof(fs_wire_statfs_t))
            return FS_EINVAL;
        fs_statfs(fs, &sf);
        fs_wire_statfs_t w = {sf.block_size, sf.total_blocks, sf.free_blocks, sf.files, sf.name_max, sf.generation};
        fs_memcpy(buf, &w, sizeof w);
        return FS_OK;
    }
    default:
        return FS_EINVAL;
    }
}

static bool uses_path(uint32_t op)
{
    return op == FS_OP_OPEN || op == FS_OP_MKDIR || op == FS_OP_RMDIR || op == FS_OP_UNLINK ||
           op == FS_OP_RENAME;
}

static bool uses_buf(uint32_t op)
{
    return op == FS_OP_READ || op == FS_OP_WRITE || op == FS_OP_PREAD || op == FS_OP_PWRITE ||
           op == FS_OP_STAT || op == FS_OP_READDIR || op == FS_OP_STATFS;
}

/* Checks a request's ranges and copies its paths; 0 or FS_EINVAL/FS_ENAMETOOLONG. */
static int validate(const fs_server_client_t *c, const fs_request_t *rq, char *path, char *path2)
{
    if (uses_buf(rq->op) && (!c->data || !range_ok(c, rq->buf_off, rq->buf_len)))
        return FS_EINVAL;
    if (uses_path(rq->op)) {
        if (rq->path_len > FS_PATH_MAX)
            return FS_ENAMETOOLONG;
        if (!c->data || !range_ok(c, rq->path_off, rq->path_len))
            return FS_EINVAL;
        fs_memcpy(path, c->data + rq->path_off, rq->path_len);
    }
    if (rq->op == FS_OP_RENAME) {
        if (rq->path2_len > FS_PATH_MAX)
            return FS_ENAMETOOLONG;
        if (!range_ok(c, rq->path2_off, rq->path2_len))
            return FS_EINVAL;
        fs_memcpy(path2, c->data + rq->path2_off, rq->path2_len);
    }
    return FS_OK;
}

bool fs_server_process(fs_t *fs, fs_server_client_t *c, uint32_t budget)
{
    static char path[FS_PATH_MAX], path2[FS_PATH_MAX];
    bool produced = false;
    if (c->broken)
        return false;
    for (uint32_t done = 0; done < budget; done++) {
        uint32_t rslot, cslot;
        ddf_ring_err_t e = ddf_ring_reserve(&c->q.cmp, &cslot);
        if (e == DDF_RING_FULL) {
            /* The client holds more than it may; it is told when it drains. */
            break;
        }
        if (e == DDF_RING_OK)
            e = ddf_ring_peek(&c->q.req, &rslot);
        if (e == DDF_RING_EMPTY) {
            ddf_ring_request_signal(&c->q.req);
            if (!ddf_ring_empty(&c->q.req)) {
                ddf_ring_cancel_signal(&c->q.req);
                continue;
            }
            break;
        }
        if (e != DDF_RING_OK) {
            c->broken = true;
            break;
        }
        /* Read the slot once, into a private copy; everything below uses the copy. */
        fs_request_t rq;
        fs_memcpy(&rq, (const void *)&c->q.req_slots[rslot], sizeof rq);
        ddf_ring_release(&c->q.req);
        uint64_t result = 0;
        int status = validate(c, &rq, path, path2);
        if (status)
            c->rejected++;
        else
            status = execute(fs, c, &rq, path, path2, &result);
        fs_completion_t cmp = {rq.id, status, result, {0, 0}};
        fs_memcpy(&c->q.cmp_slots[cslot], &cmp, sizeof cmp);
        ddf_ring_publish(&c->q.cmp);
        c->served++;
        produced = true;
    }
    return produced && ddf_ring_should_notify(&c->q.cmp);
}
