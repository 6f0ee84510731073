/*
 * fs_client: submitting requests to the filesystem PD and collecting their
 * completions (see fs_client.h).
 *
 * The client trusts the filesystem PD to serve it but not to be right about
 * sizes: a completion is copied out of the ring once, and a byte count that
 * exceeds what was asked for is treated as an I/O error rather than used.
 * Completions come back in ring order, so waiting for one id may skip the
 * completions of requests the caller chose not to wait for.
 */
#include "system/fs/fs_client.h"

#include "system/fs/fs.h"

static void copy_bytes(void *dst, const volatile void *src, size_t n)
{
    uint8_t *d = dst;
    const volatile uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

static void put_bytes(volatile void *dst, const void *src, size_t n)
{
    volatile uint8_t *d = dst;
    const uint8_t *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
}

int fs_client_init(fs_client_t *c, void *control, size_t control_size, uint32_t capacity, void *data,
                   size_t data_size, fs_client_notify_fn notify, void *notify_ctx)
{
    fs_client_t fresh = {0};
    if (data == NULL || data_size == 0 || notify == NULL ||
        fs_queue_attach(&fresh.q, control, control_size, capacity, true, false) != DDF_RING_OK)
        return FS_EINVAL;
    fresh.data = data;
    fresh.data_size = data_size;
    fresh.capacity = capacity;
    fresh.next_id = 1;
    fresh.notify = notify;
    fresh.notify_ctx = notify_ctx;
    *c = fresh;
    return 0;
}

void fs_client_set_spin_limit(fs_client_t *c, uint32_t polls) { c->spin_limit = polls; }

uint32_t fs_client_submit(fs_client_t *c, const fs_request_t *rq)
{
    uint32_t slot;
    if (c->outstanding >= c->capacity || ddf_ring_reserve(&c->q.req, &slot) != DDF_RING_OK)
        return 0;
    fs_request_t copy = *rq;
    copy.id = c->next_id++;
    if (c->next_id == 0)
        c->next_id = 1;
    c->q.req_slots[slot] = copy;
    ddf_ring_publish(&c->q.req);
    c->outstanding++;
    return copy.id;
}

fs_completion_t fs_client_wait(fs_client_t *c, uint32_t id)
{
    fs_completion_t failed = {id, FS_EIO, 0, {0, 0}};
    uint32_t polls = 0;
    if (id == 0)
        return failed;
    c->notify(c->notify_ctx);
    for (;;) {
        uint32_t slot;
        if (ddf_ring_peek(&c->q.cmp, &slot) == DDF_RING_OK) {
            fs_completion_t done;
            copy_bytes(&done, &c->q.cmp_slots[slot], sizeof done);
            ddf_ring_release(&c->q.cmp);
            if (c->outstanding)
                c->outstanding--;
            if (done.id == id)
                return done;
            continue;
        }
        if (c->spin_limit && ++polls >= c->spin_limit)
            return failed;
        __asm__ volatile("pause");
    }
}

uint32_t fs_client_put_path(fs_client_t *c, uint64_t off, const char *path, size_t len)
{
    if (len == 0 || len > FS_PATH_MAX || off > c->data_size || len > c->data_size - off)
        return 0;
    put_bytes(c->data + off, path, len);
    return (uint32_t)len;
}

/* Submits one request and waits for it; the completion's status. */
static int call(fs_client_t *c, fs_request_t rq, uint64_t *result)
{
    fs_completion_t done = fs_client_wait(c, fs_client_submit(c, &rq));
    if (result)
        *result = done.result;
    return done.status;
}

int fs_client_open(fs_client_t *c, const char *path, size_t len, uint32_t flags, uint32_t *handle)
{
    uint32_t n = fs_client_put_path(c, 0, path, len);
    if (n == 0 || c->data_size <= FS_CLIENT_DATA_OFF)
        return FS_EINVAL;
    fs_request_t rq = {.op = FS_OP_OPEN, .flags = flags, .path_off = 0, .path_len = n};
    uint64_t h = 0;
    int status = call(c, rq, &h);
    if (status == 0 && h > UINT32_MAX)
        status = FS_EIO;
    if (status == 0)
        *handle = (uint32_t)h;
    return status;
}

int fs_client_close(fs_client_t *c, uint32_t handle)
{
    fs_request_t rq = {.op = FS_OP_CLOSE, .handle = handle};
    return call(c, rq, NULL);
}

int fs_client_fsync(fs_client_t *c, uint32_t handle)
{
    fs_request_t rq = {.op = FS_OP_FSYNC, .handle = handle};
    return call(c, rq, NULL);
}

/* The largest piece of file data the data region carries in one request. */
static uint32_t piece_max(const fs_client_t *c)
{
    size_t room = c->data_size > FS_CLIENT_DATA_OFF ? c->data_size - FS_CLIENT_DATA_OFF : 0;
    return room > (1u << 30) ? (1u << 30) : (uint32_t)room;
}

int fs_client_stat(fs_client_t *c, uint32_t handle, fs_wire_stat_t *out)
{
    if (piece_max(c) < sizeof *out)
        return FS_EINVAL;
    fs_request_t rq = {.op = FS_OP_STAT, .handle = handle, .buf_off = FS_CLIENT_DATA_OFF, .buf_len = sizeof *out};
    int status = call(c, rq, NULL);
    if (status == 0)
        copy_bytes(out, c->data + FS_CLIENT_DATA_OFF, sizeof *out);
    return status;
}

int fs_client_pread(fs_client_t *c, uint32_t handle, uint64_t offset, void *out, size_t len, size_t *got)
{
    uint8_t *dst = out;
    size_t done = 0;
    int status = piece_max(c) ? 0 : FS_EINVAL;
    while (status == 0 && done < len) {
        uint32_t want = len - done < piece_max(c) ? (uint32_t)(len - done) : piece_max(c);
        fs_request_t rq = {.op = FS_OP_PREAD, .handle = handle, .offset = offset + done,
                           .buf_off = FS_CLIENT_DATA_OFF, .buf_len = want};
        uint64_t n = 0;
        status = call(c, rq, &n);
        if (status == 0 && n > want)
            status = FS_EIO;
        if (status != 0 || n == 0)
            break;
        copy_bytes(dst + done, c->data + FS_CLIENT_DATA_OFF, (size_t)n);
        done += (size_t)n;
    }
    *got = done;
    return status;
}

int fs_client_pwrite(fs_client_t *c, uint32_t handle, uint64_t offset, const void *in, size_t len)
{
    const uint8_t *src = in;
    size_t done = 0;
    int status = piece_max(c) ? 0 : FS_EINVAL;
    while (status == 0 && done < len) {
        uint32_t want = len - done < piece_max(c) ? (uint32_t)(len - done) : piece_max(c);
        put_bytes(c->data + FS_CLIENT_DATA_OFF, src + done, want);
        fs_request_t rq = {.op = FS_OP_PWRITE, .handle = handle, .offset = offset + done,
                           .buf_off = FS_CLIENT_DATA_OFF, .buf_len = want};
        uint64_t n = 0;
        status = call(c, rq, &n);
        if (status == 0 && (n == 0 || n > want))
            status = FS_EIO;
        done += status == 0 ? (size_t)n : 0;
    }
    return status;
}

int fs_client_readdir(fs_client_t *c, uint32_t handle, uint64_t *cookie, fs_wire_dirent_t *out)
{
    if (piece_max(c) < sizeof *out)
        return FS_EINVAL;
    fs_request_t rq = {.op = FS_OP_READDIR, .handle = handle, .offset = *cookie,
                       .buf_off = FS_CLIENT_DATA_OFF, .buf_len = sizeof *out};
    uint64_t next = 0;
    int status = call(c, rq, &next);
    if (status != 0)
        return status;
    *cookie = next;
    if (next != 0) {
        copy_bytes(out, c->data + FS_CLIENT_DATA_OFF, sizeof *out);
        if (out->name_len >= sizeof out->name)
            return FS_EIO;
        out->name[out->name_len] = '\0';
    }
    return 0;
}
