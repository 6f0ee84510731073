/*
 * A client of the filesystem PD for the QEMU power-cut test. It writes file
 * after file (names cycle through f0..f149, so the disk never fills), each
 * with content the host can recompute from its sequence number n,
 * queueing open, write, fsync and close as one batch of outstanding requests,
 * and prints "FSYNCED <n> <size>" once the fsync completed. The host kills
 * QEMU at a random moment and checks that every file printed is on the disk,
 * exact. It also proves its confinement: a path that climbs out of its
 * subtree must be refused.
 */
#include <microkit.h>

#include "system/fs/fs_protocol.h"

#define FS_CHANNEL 0
#define CAPACITY 32
#define NAMES 150u

uintptr_t fs_control;
uintptr_t fs_data;
uint64_t fs_data_size;

static fs_queue_t q;
static uint32_t next_id = 1;
static bool started;

static uint32_t file_size(uint32_t n) { return 1 + (n * 7919u) % 70000u; }

static uint8_t file_byte(uint32_t n, uint32_t i) { return (uint8_t)(n * 31u + i * 7u + (i >> 9)); }

static void put_dec(uint64_t v)
{
    char s[24];
    int k = 0;
    do {
        s[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    char out[24];
    for (int i = 0; i < k; i++)
        out[i] = s[k - 1 - i];
    out[k] = 0;
    microkit_dbg_puts(out);
}

static uint32_t submit(fs_request_t rq)
{
    uint32_t slot;
    rq.id = next_id++;
    while (ddf_ring_reserve(&q.req, &slot) != DDF_RING_OK)
        __asm__ volatile("pause");
    q.req_slots[slot] = rq;
    ddf_ring_publish(&q.req);
    return rq.id;
}

/* Waits for the completion of `id` (completions come back in order). */
static fs_completion_t wait_for(uint32_t id)
{
    /* The filesystem PD runs above us: one notification and it has served the lot. */
    microkit_notify(FS_CHANNEL);
    for (;;) {
        uint32_t slot;
        if (ddf_ring_peek(&q.cmp, &slot) == DDF_RING_OK) {
            fs_completion_t c = q.cmp_slots[slot];
            ddf_ring_release(&q.cmp);
            if (c.id == id)
                return c;
            continue;
        }
        __asm__ volatile("pause");
    }
}

static uint32_t put_path(uint64_t off, uint32_t n)
{
    char *p = (char *)fs_data + off;
    uint32_t len = 0;
    p[len++] = 'f';
    char d[12];
    int k = 0;
    do {
        d[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (k)
        p[len++] = d[--k];
    return len;
}

static void run(void)
{
    /* Confinement first: climbing out must be refused. */
    char *p = (char *)fs_data;
    const char *escape = "../other/x";
    uint32_t elen = 0;
    while (escape[elen]) {
        p[elen] = escape[elen];
        elen++;
    }
    fs_request_t rq = {FS_OP_OPEN, 0, 0, FS_OPEN_CREATE, 0, 0, 0, elen, 0, 0, 0, 0};
    fs_completion_t c = wait_for(submit(rq));
    microkit_dbg_puts(c.status == -22 ? "WRITER confined ok\n" : "WRITER confinement BROKEN\n");

    for (uint32_t n = 0;; n++) {
        uint32_t size = file_size(n);
        uint64_t data_off = 4096;
        if (data_off + size > fs_data_size)
            size = (uint32_t)(fs_data_size - data_off);
        uint8_t *d = (uint8_t *)fs_data + data_off;
        for (uint32_t i = 0; i < size; i++)
            d[i] = file_byte(n, i);
        uint32_t plen = put_path(0, n % NAMES);
        fs_request_t open = {FS_OP_OPEN, 0, 0, FS_OPEN_CREATE | FS_OPEN_TRUNC, 0, 0, 0, plen, 0, 0, 0, 0};
        uint32_t oid = submit(open);
        c = wait_for(oid);
        if (c.status) {
            microkit_dbg_puts("WRITER open failed\n");
            return;
        }
        uint32_t h = (uint32_t)c.result;
        /* Three requests outstanding at once: write, fsync, close. */
        fs_request_t w = {FS_OP_WRITE, 0, h, 0, 0, data_off, size, 0, 0, 0, 0, 0};
        fs_request_t s = {FS_OP_FSYNC, 0, h, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        fs_request_t cl = {FS_OP_CLOSE, 0, h, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        uint32_t wid = submit(w);
        uint32_t sid = submit(s);
        uint32_t cid = submit(cl);
        fs_completion_t wc = wait_for(wid), sc = wait_for(sid), cc = wait_for(cid);
        if (wc.status || wc.result != size || sc.status || cc.status) {
            microkit_dbg_puts("WRITER write failed\n");
            return;
        }
        microkit_dbg_puts("FSYNCED ");
        put_dec(n);
        microkit_dbg_puts(" ");
        put_dec(size);
        microkit_dbg_puts("\n");
    }
}

void init(void)
{
    if (fs_queue_attach(&q, (void *)fs_control, fs_control_bytes(CAPACITY), CAPACITY, true, false) != DDF_RING_OK)
        microkit_dbg_puts("WRITER bad control region\n");
}

void notified(microkit_channel ch)
{
    /* The filesystem PD notifies once its rings are ready; then run for ever. */
    if (ch != FS_CHANNEL || started)
        return;
    started = true;
    run();
}
