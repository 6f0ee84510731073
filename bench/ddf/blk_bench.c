/*
 * Block benchmark client: sequential writes then reads over its partition,
 * with 4 KiB and with 64 KiB requests, several outstanding, through the block
 * virtualiser and the virtio-blk driver. Beside each it times the baseline of
 * copying the same bytes once in memory (what the virtualiser's copy alone
 * costs). Prints
 *   BENCH blk <op> <size> bytes <n> tsc <cycles> requests <r> copy_tsc <c>
 * for bench/ddf/run_bench.py, which turns TSC cycles into MiB/s.
 */
#include <microkit.h>

#include "ddf/blk.h"
#include "lib/text/text.h"

#define VIRT_CH 0
#define EXIT_IOPORT 2
#define CAP 16u
#define DATA_BLOCKS 64u
#define TOTAL_BYTES (32u << 20)

uintptr_t blk_queue;
uintptr_t blk_data;

static blk_queue_t q;
static bool started;
static uint64_t capacity;
static unsigned phase; /* 0: write 4K, 1: read 4K, 2: write 64K, 3: read 64K */
static uint32_t req_blocks, slots, inflight, busy;
static uint64_t issued_bytes, done_bytes, next_block, requests, t_start;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void put_dec(uint64_t v)
{
    char buf[TEXT_DECIMAL_SIZE];
    microkit_dbg_puts(text_decimal(buf, v));
}

static void start_phase(void)
{
    req_blocks = phase < 2 ? 1 : 16;
    slots = phase < 2 ? 8 : 4;
    issued_bytes = done_bytes = 0;
    next_block = 0;
    requests = 0;
    busy = 0;
    t_start = rdtsc();
}

static void fill(void)
{
    while (inflight < slots && issued_bytes < TOTAL_BYTES) {
        uint32_t s = 0;
        while (busy & (1u << s)) {
            s++;
        }
        if (next_block + req_blocks > capacity) {
            next_block = 0;
        }
        blk_req_t r = {.code = phase % 2 == 0 ? BLK_REQ_WRITE : BLK_REQ_READ, .id = s,
                       .offset = (uint64_t)s * req_blocks * BLK_TRANSFER_SIZE, .block = next_block,
                       .count = req_blocks};
        if (blk_req_enqueue(&q, &r) != DDF_RING_OK) {
            break;
        }
        busy |= 1u << s;
        inflight++;
        next_block += req_blocks;
        issued_bytes += (uint64_t)req_blocks * BLK_TRANSFER_SIZE;
    }
}

static void finish_phase(void)
{
    uint64_t elapsed = rdtsc() - t_start;
    /* Baseline: copy the same number of bytes once through memory. */
    uint64_t c0 = rdtsc();
    volatile uint8_t *src = (volatile uint8_t *)blk_data;
    uint8_t *dst = (uint8_t *)blk_data + (DATA_BLOCKS / 2) * BLK_TRANSFER_SIZE;
    for (uint64_t copied = 0; copied < TOTAL_BYTES; copied += (DATA_BLOCKS / 2) * BLK_TRANSFER_SIZE) {
        __builtin_memcpy(dst, (const void *)src, (DATA_BLOCKS / 2) * BLK_TRANSFER_SIZE);
    }
    uint64_t copy = rdtsc() - c0;
    microkit_dbg_puts("BENCH blk ");
    microkit_dbg_puts(phase % 2 == 0 ? "write " : "read ");
    put_dec((uint64_t)req_blocks * BLK_TRANSFER_SIZE);
    microkit_dbg_puts(" bytes ");
    put_dec(done_bytes);
    microkit_dbg_puts(" tsc ");
    put_dec(elapsed);
    microkit_dbg_puts(" requests ");
    put_dec(requests);
    microkit_dbg_puts(" copy_tsc ");
    put_dec(copy);
    microkit_dbg_puts("\n");
}

void init(void)
{
    (void)blk_attach(&q, (void *)blk_queue, 0x1000, CAP, true, false);
}

void notified(microkit_channel ch)
{
    (void)ch;
    if (!started) {
        if (__atomic_load_n(&q.info->ready, __ATOMIC_ACQUIRE) == 0) {
            return;
        }
        started = true;
        capacity = q.info->capacity;
        start_phase();
        fill();
        microkit_notify(VIRT_CH);
        return;
    }
    blk_resp_t r;
    while (blk_resp_dequeue(&q, &r) == DDF_RING_OK) {
        inflight--;
        busy &= ~(1u << r.id);
        requests++;
        if (r.status == BLK_RESP_OK) {
            done_bytes += (uint64_t)r.count * BLK_TRANSFER_SIZE;
        }
    }
    if (inflight == 0 && issued_bytes >= TOTAL_BYTES) {
        finish_phase();
        if (++phase == 4) {
            microkit_dbg_puts("BENCH END\n");
            microkit_x86_ioport_write_32(EXIT_IOPORT, 0xf4, 0);
            return;
        }
        start_phase();
    }
    fill();
    microkit_notify(VIRT_CH);
}
