/*
 * Baseline for the QEMU filesystem benchmark: the same I/O pattern as the
 * filesystem client, straight on a raw partition through the block
 * virtualiser (one request outstanding at a time, like the filesystem PD).
 * Prints "FSB begin NAME" / "FSB end NAME COUNT UNIT"; the host times the
 * lines. The two clients take turns, workload by workload, so each pair is
 * measured under the same load: the filesystem client notifies this PD to
 * run the next workload, and this PD notifies it back when done.
 */
#include <microkit.h>

#include "ddf/blk.h"
#include "lib/text/text.h"

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
    char buf[TEXT_DECIMAL_SIZE];
    microkit_dbg_puts(text_decimal(buf, v));
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

static uint64_t bytes, span;
static const uint32_t per = 16; /* 64 KiB requests, as the filesystem client's writes */
static uint32_t step;
static bool ok = true;

void init(void)
{
    if (blk_attach(&q, (void *)blk_queue, 0x1000, CAP, true, false) != DDF_RING_OK) {
        microkit_dbg_puts("FSB raw: bad queue\n");
        return;
    }
    while (!__atomic_load_n(&q.info->ready, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    uint64_t blocks = q.info->capacity;
    bytes = 8u << 20;
    if (bytes / BLK_TRANSFER_SIZE > blocks)
        bytes = blocks * BLK_TRANSFER_SIZE;
    span = bytes / BLK_TRANSFER_SIZE;
    volatile uint8_t *d = (volatile uint8_t *)blk_data;
    for (uint32_t i = 0; i < per * BLK_TRANSFER_SIZE; i++)
        d[i] = (uint8_t)i;
    /* An unmeasured pass first, so the emulator has translated the whole
     * block path before anything is timed. */
    for (uint64_t b = 0; b < span && ok; b += per)
        ok = io(BLK_REQ_WRITE, b, per) && io(BLK_REQ_READ, b, per);
    ok = ok && io(BLK_REQ_FLUSH, 0, 0);
    microkit_notify(FS_CLIENT_CH);
}

/* One workload per notification from the filesystem client. */
void notified(microkit_channel ch)
{
    if (ch != FS_CLIENT_CH)
        return;
    switch (step++) {
    case 0:
        mark("begin", "seqwrite", 0, 0);
        for (uint64_t b = 0; b < span && ok; b += per)
            ok = io(BLK_REQ_WRITE, b, per);
        ok = ok && io(BLK_REQ_FLUSH, 0, 0);
        mark("end", "seqwrite", bytes, "bytes");
        break;
    case 1:
        mark("begin", "seqread", 0, 0);
        for (uint64_t b = 0; b < span && ok; b += per)
            ok = io(BLK_REQ_READ, b, per);
        mark("end", "seqread", bytes, "bytes");
        break;
    case 2:
        mark("begin", "randwrite", 0, 0);
        for (int i = 0; i < 500 && ok; i++)
            ok = io(BLK_REQ_WRITE, next_rand() % span, 1);
        ok = ok && io(BLK_REQ_FLUSH, 0, 0);
        mark("end", "randwrite", 500, "ops");
        break;
    case 3:
        mark("begin", "randread", 0, 0);
        for (int i = 0; i < 1000 && ok; i++)
            ok = io(BLK_REQ_READ, next_rand() % span, 1);
        mark("end", "randread", 1000, "ops");
        break;
    case 4:
        mark("begin", "flush", 0, 0);
        for (int i = 0; i < 100 && ok; i++)
            ok = io(BLK_REQ_WRITE, (uint64_t)i % span, 1) && io(BLK_REQ_FLUSH, 0, 0);
        mark("end", "flush", 100, "ops");
        microkit_dbg_puts(ok ? "FSB raw done\n" : "FSB raw FAILED\n");
        break;
    default:
        break;
    }
    microkit_notify(FS_CLIENT_CH);
}
