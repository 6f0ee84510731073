/*
 * Baseline for the QEMU filesystem benchmark: the same I/O pattern as the
 * filesystem client, straight on a raw partition through the block
 * virtualiser (one request outstanding at a time, like the filesystem PD).
 * Prints "FSB begin NAME" / "FSB end NAME COUNT UNIT"; the host times the
 * lines. Then it tells the filesystem client to start.
 */
#include <microkit.h>

#include "ddf/blk.h"

#define VIRT_CH 0
#define FS_CLIENT_CH 1
#define CAP 16u

uintptr_t blk_queue;
uintptr_t blk_data;

static blk_queue_t q;
static uint32_t seq;
static uint64_t rng = 0x9E3779B97F4A7C15ull;

static void put_dec(uint64_t v)
{
    char s[24], o[24];
    int k = 0;
    do {
        s[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < k; i++)
        o[i] = s[k - 1 - i];
    o[k] = 0;
    microkit_dbg_puts(o);
}

static void mark(const char *what, const char *name, uint64_t count, const char *unit)
{
    microkit_dbg_puts("FSB ");
    microkit_dbg_puts(what);
    microkit_dbg_puts(" raw-");
    microkit_dbg_puts(name);
    if (unit) {
        microkit_dbg_puts(" ");
        put_dec(count);
        microkit_dbg_puts(" ");
        microkit_dbg_puts(unit);
    }
    microkit_dbg_puts("\n");
}

static bool io(uint32_t code, uint64_t block, uint32_t count)
{
    blk_req_t r = {code, ++seq, 0, block, count, 0};
    if (blk_req_enqueue(&q, &r) != DDF_RING_OK)
        return false;
    microkit_notify(VIRT_CH);
    blk_resp_t s;
    while (blk_resp_dequeue(&q, &s) != DDF_RING_OK)
        __asm__ volatile("pause");
    return s.status == BLK_RESP_OK;
}

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

void init(void)
{
    if (blk_attach(&q, (void *)blk_queue, 0x1000, CAP, true, false) != DDF_RING_OK) {
        microkit_dbg_puts("FSB raw: bad queue\n");
        return;
    }
    while (!__atomic_load_n(&q.info->ready, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    uint64_t blocks = q.info->capacity;
    const uint32_t per = 16; /* 64 KiB requests, as the filesystem client's writes */
    uint64_t bytes = 8u << 20;
    if (bytes / BLK_TRANSFER_SIZE > blocks)
        bytes = blocks * BLK_TRANSFER_SIZE;
    volatile uint8_t *d = (volatile uint8_t *)blk_data;
    for (uint32_t i = 0; i < per * BLK_TRANSFER_SIZE; i++)
        d[i] = (uint8_t)i;
    bool ok = true;
    mark("begin", "seqwrite", 0, 0);
    for (uint64_t b = 0; b < bytes / BLK_TRANSFER_SIZE && ok; b += per)
        ok = io(BLK_REQ_WRITE, b, per);
    ok = ok && io(BLK_REQ_FLUSH, 0, 0);
    mark("end", "seqwrite", bytes, "bytes");
    mark("begin", "seqread", 0, 0);
    for (uint64_t b = 0; b < bytes / BLK_TRANSFER_SIZE && ok; b += per)
        ok = io(BLK_REQ_READ, b, per);
    mark("end", "seqread", bytes, "bytes");
    uint64_t span = bytes / BLK_TRANSFER_SIZE;
    mark("begin", "randwrite", 0, 0);
    for (int i = 0; i < 500 && ok; i++)
        ok = io(BLK_REQ_WRITE, next_rand() % span, 1);
    ok = ok && io(BLK_REQ_FLUSH, 0, 0);
    mark("end", "randwrite", 500, "ops");
    mark("begin", "randread", 0, 0);
    for (int i = 0; i < 1000 && ok; i++)
        ok = io(BLK_REQ_READ, next_rand() % span, 1);
    mark("end", "randread", 1000, "ops");
    mark("begin", "flush", 0, 0);
    for (int i = 0; i < 100 && ok; i++)
        ok = io(BLK_REQ_WRITE, (uint64_t)i % span, 1) && io(BLK_REQ_FLUSH, 0, 0);
    mark("end", "flush", 100, "ops");
    microkit_dbg_puts(ok ? "FSB raw done\n" : "FSB raw FAILED\n");
    microkit_notify(FS_CLIENT_CH);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
