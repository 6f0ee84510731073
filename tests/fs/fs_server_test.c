/*
 * The request protocol and server, driven as a client PD drives them: real
 * rings in a control region, paths and data in a data region, many requests
 * outstanding, completions matched by id. Two clients, each confined to the
 * subtree it was given, and hostile requests that must be refused without
 * effect on anyone else.
 */
#include <stdio.h>

#include "system/fs/fs_fsck.h"
#include "system/fs/fs_server.h"
#include "tests/fs/memdev.h"
#include "tests/harness.h"

#define CAP 64
#define DATA_SIZE (1 << 20)

typedef struct {
    uint8_t control[8192 + 128 * 64];
    uint8_t *data;
    fs_queue_t q;            /* the client's end */
    fs_server_client_t srv;  /* the server's state for it */
    uint32_t next_id;
    uint64_t data_top;       /* bump allocator in the data region */
} client_t;

static fs_t *fs;

static void client_init(client_t *c, const char *root)
{
    memset(c->control, 0, sizeof c->control);
    c->data = calloc(1, DATA_SIZE);
    c->next_id = 1;
    c->data_top = 0;
    if (fs_server_attach(fs, &c->srv, c->control, sizeof c->control, CAP, c->data, DATA_SIZE, root, strlen(root)) ||
        fs_queue_attach(&c->q, c->control, sizeof c->control, CAP, true, false) != DDF_RING_OK)
        abort();
}

static uint64_t put_bytes(client_t *c, const void *p, size_t n)
{
    uint64_t off = c->data_top;
    memcpy(c->data + off, p, n);
    c->data_top += (n + 63) & ~(size_t)63;
    return off;
}

/* Enqueues one request; returns its id. */
static uint32_t submit(client_t *c, fs_request_t rq)
{
    uint32_t slot;
    rq.id = c->next_id++;
    if (ddf_ring_reserve(&c->q.req, &slot) != DDF_RING_OK)
        abort();
    c->q.req_slots[slot] = rq;
    ddf_ring_publish(&c->q.req);
    return rq.id;
}

static bool take(client_t *c, fs_completion_t *out)
{
    uint32_t slot;
    if (ddf_ring_peek(&c->q.cmp, &slot) != DDF_RING_OK)
        return false;
    *out = c->q.cmp_slots[slot];
    ddf_ring_release(&c->q.cmp);
    return true;
}

/* One request, served at once; returns the completion. */
static fs_completion_t call(client_t *c, fs_request_t rq)
{
    c->data_top = 0;
    uint32_t id = submit(c, rq);
    fs_server_process(fs, &c->srv, 1000);
    fs_completion_t cmp = {0, -999, 0, {0, 0}};
    if (!take(c, &cmp) || cmp.id != id)
        cmp.status = -998;
    return cmp;
}

static fs_request_t path_req(client_t *c, uint32_t op, const char *path, uint32_t flags)
{
    c->data_top = 0;
    fs_request_t rq;
    memset(&rq, 0, sizeof rq);
    rq.op = op;
    rq.flags = flags;
    rq.path_off = put_bytes(c, path, strlen(path));
    rq.path_len = (uint32_t)strlen(path);
    return rq;
}

static int64_t open_file(client_t *c, const char *path, uint32_t flags)
{
    fs_completion_t r = call(c, path_req(c, FS_OP_OPEN, path, flags));
    return r.status ? r.status : (int64_t)r.result;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    memdev_t dev;
    memdev_init(&dev, 8192);
    fs_mkfs(&dev.dev, 77);
    void *arena;
    char err[200];
    int rc;
    fs = memdev_mount(&dev, 0, &arena, err, sizeof err, &rc);
    static client_t a, b;
    client_init(&a, "/clients/a");
    client_init(&b, "clients/b");

    int64_t h = open_file(&a, "notes.txt", FS_OPEN_CREATE);
    TEST_EXPECT("proto_open_create_returns_handle", h >= 0);

    /* Many requests outstanding: 40 pwrites then an fsync, served in one go. */
    a.data_top = 0;
    uint32_t ids[41];
    uint8_t block[1000];
    for (int i = 0; i < 40; i++) {
        memset(block, 'a' + i % 26, sizeof block);
        fs_request_t rq;
        memset(&rq, 0, sizeof rq);
        rq.op = FS_OP_PWRITE;
        rq.handle = (uint32_t)h;
        rq.offset = (uint64_t)i * sizeof block;
        rq.buf_off = put_bytes(&a, block, sizeof block);
        rq.buf_len = sizeof block;
        ids[i] = submit(&a, rq);
    }
    fs_request_t sync;
    memset(&sync, 0, sizeof sync);
    sync.op = FS_OP_FSYNC;
    sync.handle = (uint32_t)h;
    ids[40] = submit(&a, sync);
    /* The client asked to hear about completions before the server ran. */
    ddf_ring_request_signal(&a.q.cmp);
    bool notify = fs_server_process(fs, &a.srv, 1000);
    bool all = true;
    for (int i = 0; i < 41; i++) {
        fs_completion_t cmp;
        all = all && take(&a, &cmp) && cmp.id == ids[i] && cmp.status == 0 &&
              (i == 40 || cmp.result == sizeof block);
    }
    TEST_EXPECT("proto_41_outstanding_requests_complete_in_order", all);
    TEST_EXPECT("proto_server_notifies_when_asked", notify);
    TEST_EXPECT("proto_server_asks_for_signal_when_drained", a.q.req.shared->consumer_signal == 1);

    /* Reads through the handle position. */
    fs_request_t rd;
    memset(&rd, 0, sizeof rd);
    rd.op = FS_OP_READ;
    rd.handle = (uint32_t)h;
    rd.buf_off = 4096;
    rd.buf_len = 1500;
    fs_completion_t r1 = call(&a, rd);
    fs_completion_t r2 = call(&a, rd);
    TEST_EXPECT("proto_read_advances_position", r1.status == 0 && r1.result == 1500 && r2.result == 1500 &&
                                               a.data[4096] == 'b' && a.data[4096 + 1499] == 'c');

    fs_request_t st;
    memset(&st, 0, sizeof st);
    st.op = FS_OP_STAT;
    st.handle = (uint32_t)h;
    st.buf_off = 0;
    st.buf_len = sizeof(fs_wire_stat_t);
    fs_completion_t sr = call(&a, st);
    fs_wire_stat_t ws;
    memcpy(&ws, a.data, sizeof ws);
    TEST_EXPECT("proto_stat", sr.status == 0 && ws.size == 40000 && ws.type == FS_TYPE_FILE);

    /* Confinement: b cannot see a's file, and cannot climb out. */
    TEST_EXPECT("proto_client_b_cannot_see_a", open_file(&b, "notes.txt", 0) == FS_ENOENT);
    TEST_EXPECT("proto_dotdot_refused", open_file(&b, "../a/notes.txt", 0) == FS_EINVAL);
    TEST_EXPECT("proto_absolute_path_stays_in_root", open_file(&b, "/notes.txt", 0) == FS_ENOENT);
    fs_completion_t mk = call(&b, path_req(&b, FS_OP_MKDIR, "mine", 0));
    uint64_t ino;
    TEST_EXPECT("proto_mkdir_lands_in_clients_subtree",
           mk.status == 0 && fs_lookup(fs, FS_ROOT_INO, "clients/b/mine", 14, &ino) == FS_OK);
    fs_request_t ren = path_req(&b, FS_OP_RENAME, "mine", 0);
    ren.path2_off = put_bytes(&b, "../../escaped", 13);
    ren.path2_len = 13;
    TEST_EXPECT("proto_rename_out_of_subtree_refused", call(&b, ren).status == FS_EINVAL);

    /* Hostile requests: refused, nothing changed. */
    fs_request_t bad = rd;
    bad.buf_off = DATA_SIZE - 10;
    bad.buf_len = 100;
    TEST_EXPECT("proto_buffer_past_region_einval", call(&a, bad).status == FS_EINVAL);
    bad.buf_off = UINT64_MAX - 5;
    TEST_EXPECT("proto_buffer_offset_overflow_einval", call(&a, bad).status == FS_EINVAL);
    bad = rd;
    bad.handle = 9999;
    TEST_EXPECT("proto_bad_handle_ebadf", call(&a, bad).status == FS_EBADF);
    bad = rd;
    bad.handle = 5; /* in range, never opened */
    TEST_EXPECT("proto_unopened_handle_ebadf", call(&a, bad).status == FS_EBADF);
    fs_request_t longp = path_req(&a, FS_OP_UNLINK, "x", 0);
    longp.path_len = 100000;
    TEST_EXPECT("proto_long_path_enametoolong", call(&a, longp).status == FS_ENAMETOOLONG);
    fs_request_t unk;
    memset(&unk, 0, sizeof unk);
    unk.op = 999;
    TEST_EXPECT("proto_unknown_op_einval", call(&a, unk).status == FS_EINVAL);
    TEST_EXPECT("proto_bad_open_flags_einval", open_file(&a, "notes.txt", 1u << 20) == FS_EINVAL);
    TEST_EXPECT("proto_open_dir_as_file_eisdir", open_file(&a, "/", 0) == FS_EISDIR);

    /* Readdir through a directory handle. */
    int64_t dh = open_file(&b, "", FS_OPEN_DIRECTORY);
    fs_request_t rdd;
    memset(&rdd, 0, sizeof rdd);
    rdd.op = FS_OP_READDIR;
    rdd.handle = (uint32_t)dh;
    rdd.buf_len = sizeof(fs_wire_dirent_t);
    fs_completion_t de = call(&b, rdd);
    fs_wire_dirent_t wd;
    memcpy(&wd, b.data, sizeof wd);
    rdd.offset = de.result;
    fs_completion_t de2 = call(&b, rdd);
    TEST_EXPECT("proto_readdir_lists_then_ends", dh >= 0 && de.status == 0 && de.result != 0 && wd.name_len == 4 &&
                                                memcmp(wd.name, "mine", 4) == 0 && de2.status == 0 && de2.result == 0);

    /* Close commits: the data is on disk before the completion. */
    fs_request_t cl;
    memset(&cl, 0, sizeof cl);
    cl.op = FS_OP_CLOSE;
    cl.handle = (uint32_t)h;
    fs_statfs_t sf0, sf1;
    fs_statfs(fs, &sf0);
    fs_request_t wr = rd;
    wr.op = FS_OP_WRITE;
    call(&a, wr);
    fs_completion_t cr = call(&a, cl);
    fs_statfs(fs, &sf1);
    TEST_EXPECT("proto_close_after_write_commits", cr.status == 0 && sf1.generation > sf0.generation);
    TEST_EXPECT("proto_closed_handle_is_gone", call(&a, rd).status == FS_EBADF);

    /* A client that corrupts its ring indices is cut off; the other carries on. */
    a.q.req.shared->tail = a.q.req.shared->head + 5000;
    fs_server_process(fs, &a.srv, 100);
    TEST_EXPECT("proto_corrupt_ring_marks_client_broken", a.srv.broken);
    TEST_EXPECT("proto_other_client_unaffected", open_file(&b, "still-works", FS_OPEN_CREATE) >= 0);

    fs_unmount(fs);
    free(arena);
    fs_fsck_result_t res;
    TEST_EXPECT("proto_fsck_clean_after_session", fs_fsck(&dev.dev, NULL, NULL, &res) == FS_OK);
    memdev_free(&dev);
    free(a.data);
    free(b.data);
    return test_failures ? 1 : 0;
}
