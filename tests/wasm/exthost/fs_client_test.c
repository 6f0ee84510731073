/*
 * Host test of the filesystem client library (system/fs/fs_client.c) under
 * ASan/UBSan, against the real server library on an in-memory disk: the
 * notify hook runs the server in-process, as the filesystem PD would run on
 * a notification. Files larger than the data region go in pieces and come
 * back exact; directories list; errors come back as statuses; a full ring
 * refuses more; and a server that claims more bytes than were asked for is
 * not believed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs_client.h"
#include "system/fs/fs_server.h"
#include "tests/fs/memdev.h"
#include "tests/harness.h"

#define CAP 8
#define DATA_SIZE (FS_CLIENT_DATA_OFF + 3000)

static fs_t *fs;
static fs_server_client_t server;
static _Alignas(64) uint8_t control[16384];
static _Alignas(64) uint8_t data[DATA_SIZE];

/* One case, named under this suite's prefix. */
static void expect(const char *name, bool ok)
{
    char full[128];
    snprintf(full, sizeof full, "fs-client/%s", name);
    test_verdict(full, ok ? NULL : "the outcome above was not the one asserted");
}

static void serve(void *ctx)
{
    (void)ctx;
    fs_server_process(fs, &server, 1024);
}

/* A server that answers every request with more bytes than were asked for. */
static fs_queue_t liar_q;
static void serve_lying(void *ctx)
{
    (void)ctx;
    uint32_t rs, cs;
    while (ddf_ring_peek(&liar_q.req, &rs) == DDF_RING_OK && ddf_ring_reserve(&liar_q.cmp, &cs) == DDF_RING_OK) {
        fs_request_t rq = liar_q.req_slots[rs];
        ddf_ring_release(&liar_q.req);
        liar_q.cmp_slots[cs] = (fs_completion_t){rq.id, 0, (uint64_t)rq.buf_len + 1, {0, 0}};
        ddf_ring_publish(&liar_q.cmp);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    memdev_t dev;
    memdev_init(&dev, 4096);
    fs_mkfs(&dev.dev, 5);
    void *arena;
    char err[200];
    int rc;
    fs = memdev_mount(&dev, 0, &arena, err, sizeof err, &rc);
    if (!fs || fs_server_attach(fs, &server, control, sizeof control, CAP, data, DATA_SIZE, "/", 1) != 0) {
        printf("FAIL: fs-client/setup %s\n", err);
        return 1;
    }
    fs_client_t c;
    expect("init_refuses_missing_regions",
           fs_client_init(&c, control, 64, CAP, data, DATA_SIZE, serve, NULL) == FS_EINVAL &&
               fs_client_init(&c, control, sizeof control, 3, data, DATA_SIZE, serve, NULL) == FS_EINVAL &&
               fs_client_init(&c, control, sizeof control, CAP, NULL, DATA_SIZE, serve, NULL) == FS_EINVAL);
    expect("init", fs_client_init(&c, control, sizeof control, CAP, data, DATA_SIZE, serve, NULL) == 0);

    /* A file three times the data region's window, written and read back in pieces. */
    static uint8_t big[9000], back[9000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + (i >> 8));
    uint32_t h = 99;
    rc = fs_client_open(&c, "/mods/x.bin", 11, FS_OPEN_CREATE, &h);
    expect("open_in_missing_directory_fails", rc == FS_ENOENT && h == 99);
    fs_request_t mk = {.op = FS_OP_MKDIR, .path_len = fs_client_put_path(&c, 0, "mods", 4)};
    expect("mkdir_through_submit_and_wait", fs_client_wait(&c, fs_client_submit(&c, &mk)).status == 0);
    rc = fs_client_open(&c, "/mods/x.bin", 11, FS_OPEN_CREATE, &h);
    expect("open_create", rc == 0);
    expect("pwrite_in_pieces", fs_client_pwrite(&c, h, 0, big, sizeof big) == 0 && fs_client_close(&c, h) == 0);
    size_t got = 0;
    fs_wire_stat_t st;
    rc = fs_client_open(&c, "mods/x.bin", 10, 0, &h);
    expect("stat_gives_size", rc == 0 && fs_client_stat(&c, h, &st) == 0 && st.size == sizeof big && st.type == 1);
    rc = fs_client_pread(&c, h, 0, back, sizeof back, &got);
    expect("pread_in_pieces_is_exact", rc == 0 && got == sizeof big && memcmp(big, back, sizeof big) == 0);
    rc = fs_client_pread(&c, h, 8000, back, 5000, &got);
    expect("pread_stops_at_end_of_file", rc == 0 && got == 1000 && memcmp(big + 8000, back, 1000) == 0);
    fs_client_close(&c, h);

    fs_client_open(&c, "mods/b.wasm", 11, FS_OPEN_CREATE, &h);
    fs_client_close(&c, h);
    rc = fs_client_open(&c, "/mods", 5, FS_OPEN_DIRECTORY, &h);
    uint64_t cookie = 0;
    fs_wire_dirent_t d;
    int seen = 0, bin = 0, wasm = 0;
    while (rc == 0 && (rc = fs_client_readdir(&c, h, &cookie, &d)) == 0 && cookie != 0 && seen < 10) {
        seen++;
        bin += strcmp(d.name, "x.bin") == 0;
        wasm += strcmp(d.name, "b.wasm") == 0;
    }
    expect("readdir_lists_every_entry_once", rc == 0 && seen == 2 && bin == 1 && wasm == 1);
    fs_client_close(&c, h);
    rc = fs_client_open(&c, "/mods", 5, 0, &h);
    expect("directory_needs_directory_flag", rc == FS_EISDIR);

    /* The ring holds CAP requests; the next is refused until completions are collected. */
    fs_request_t st_rq = {.op = FS_OP_STATFS, .buf_off = FS_CLIENT_DATA_OFF, .buf_len = sizeof(fs_wire_statfs_t)};
    uint32_t ids[CAP];
    bool queued = true;
    for (int i = 0; i < CAP; i++)
        queued = queued && (ids[i] = fs_client_submit(&c, &st_rq)) != 0;
    bool refused = fs_client_submit(&c, &st_rq) == 0;
    fs_completion_t last = fs_client_wait(&c, ids[CAP - 1]);
    expect("full_ring_refuses_then_drains", queued && refused && last.status == 0 && c.outstanding == 0 &&
                                                fs_client_submit(&c, &st_rq) != 0);
    fs_client_wait(&c, c.next_id - 1);

    /* A lying server. */
    static _Alignas(64) uint8_t liar_control[16384];
    memset(liar_control, 0, sizeof liar_control);
    fs_queue_attach(&liar_q, liar_control, sizeof liar_control, CAP, false, true);
    fs_client_t lc;
    fs_client_init(&lc, liar_control, sizeof liar_control, CAP, data, DATA_SIZE, serve_lying, NULL);
    rc = fs_client_pread(&lc, 0, 0, back, 100, &got);
    expect("overlong_read_count_is_an_error", rc == FS_EIO && got == 0);
    fs_client_set_spin_limit(&lc, 1000);
    fs_completion_t lost = fs_client_wait(&lc, 12345);
    expect("wait_with_spin_limit_gives_up", lost.status == FS_EIO);

    fs_unmount(fs);
    free(arena);
    memdev_free(&dev);
    return test_failures ? 1 : 0;
}
