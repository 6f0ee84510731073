/*
 * libFuzzer target for the filesystem client library (system/fs/fs_client.c)
 * facing a hostile filesystem PD: every completion and every byte the server
 * leaves in the data region comes from the input. Whatever it says, the
 * client must not crash, must never report more bytes than it asked for or
 * copy more than its caller's buffer holds, must hand back NUL-terminated
 * directory names, and must not wait for ever (a spin limit turns silence
 * into an error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs.h"
#include "system/fs/fs_client.h"

#define CAP 4
#define DATA_SIZE (FS_CLIENT_DATA_OFF + 512)

static _Alignas(64) uint8_t control[4096];
static _Alignas(64) uint8_t data[DATA_SIZE];
static fs_queue_t server;
static const uint8_t *in;
static size_t in_left;

static uint8_t take8(void)
{
    if (in_left == 0)
        return 0;
    in_left--;
    return *in++;
}

static void take(void *out, size_t n)
{
    uint8_t *o = out;
    for (size_t i = 0; i < n; i++)
        o[i] = take8();
}

/* Answers each queued request with a completion (and data) from the input; sometimes not at all. */
static void hostile_server(void *ctx)
{
    (void)ctx;
    uint32_t rs, cs;
    while (ddf_ring_peek(&server.req, &rs) == DDF_RING_OK) {
        fs_request_t rq = server.req_slots[rs];
        ddf_ring_release(&server.req);
        uint8_t how = take8();
        if (how == 0xff)
            continue; /* silence */
        if (ddf_ring_reserve(&server.cmp, &cs) != DDF_RING_OK)
            return;
        fs_completion_t c;
        take(&c, sizeof c);
        if (how & 1)
            c.id = rq.id; /* mostly answer the right request */
        if (how & 2)
            c.status = 0;
        if (rq.buf_off <= DATA_SIZE && rq.buf_len <= DATA_SIZE - rq.buf_off)
            take(data + rq.buf_off, how & 4 ? rq.buf_len : rq.buf_len / 4);
        server.cmp_slots[cs] = c;
        ddf_ring_publish(&server.cmp);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    in = bytes;
    in_left = size;
    memset(control, 0, sizeof control);
    memset(data, 0, sizeof data);
    if (fs_queue_attach(&server, control, sizeof control, CAP, false, true) != DDF_RING_OK)
        abort();
    fs_client_t c;
    if (fs_client_init(&c, control, sizeof control, CAP, data, DATA_SIZE, hostile_server, NULL) != 0)
        abort();
    fs_client_set_spin_limit(&c, 4);
    static uint8_t buf[256 * 8];
    static fs_wire_dirent_t d;
    fs_wire_stat_t st;
    uint32_t h = 0;
    for (int round = 0; round < 6 && in_left > 0; round++) {
        size_t got = 0, want = take8() * 8u;
        uint64_t cookie = take8();
        switch (take8() % 5) {
        case 0:
            fs_client_open(&c, "dir/file", 8, FS_OPEN_DIRECTORY, &h);
            break;
        case 1:
            fs_client_pread(&c, h, 0, buf, want, &got);
            if (got > want)
                abort();
            break;
        case 2:
            if (fs_client_readdir(&c, h, &cookie, &d) == 0 && cookie != 0 &&
                (d.name_len >= sizeof d.name || d.name[d.name_len] != '\0'))
                abort();
            break;
        case 3:
            fs_client_stat(&c, h, &st);
            break;
        default:
            fs_client_pwrite(&c, h, 0, buf, want);
            break;
        }
        if (c.outstanding > CAP)
            abort();
    }
    return 0;
}
