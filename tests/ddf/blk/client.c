/*
 * blk test client (partition 0): reads what the host wrote, writes a pattern
 * over the whole partition with many requests outstanding (the driver is
 * killed part-way by the test build), reads it all back, and checks that
 * requests outside the partition fail. Ends the run once the hostile client
 * has reported too.
 */
#include <microkit.h>

#include "ddf/blk.h"
#include "tests/ddf/ddftest.h"

#define VIRT_CH 0
#define HOSTILE_CH 1
#define EXIT_IOPORT 2
#define CAP 16u
#define SLOT_BLOCKS 8u
#define SLOTS 8u

uintptr_t blk_queue;
uintptr_t blk_data;

static blk_queue_t q;
static bool started, hostile_done, finished;
static enum { READ_HOST, WRITE, READ_BACK, BOUNDS, FLUSH, DONE } phase;
static uint64_t next_block, completed, capacity;
static uint32_t inflight;
static uint64_t bad_words, errors;
static uint32_t bounds_answers, bounds_ok;

static uint64_t slot_block[SLOTS];
static uint32_t busy_slots;

static uint32_t pattern(uint64_t byte_offset) { return (uint32_t)byte_offset ^ 0xA5A5A5A5u; }

static void submit(uint32_t code, uint64_t block, uint32_t count, uint32_t slot)
{
    blk_req_t r = {.code = code, .id = slot, .offset = (uint64_t)slot * SLOT_BLOCKS * BLK_TRANSFER_SIZE,
                   .block = block, .count = count};
    if (code == BLK_REQ_WRITE) {
        volatile uint32_t *w = (volatile uint32_t *)(blk_data + r.offset);
        for (uint32_t i = 0; i < count * BLK_TRANSFER_SIZE / 4; i++) {
            w[i] = pattern(block * BLK_TRANSFER_SIZE + 4ull * i);
        }
    }
    if (blk_req_enqueue(&q, &r) == DDF_RING_OK) {
        inflight++;
        slot_block[slot] = block;
        busy_slots |= 1u << slot;
    }
}

static void fill_pipeline(void)
{
    while ((phase == WRITE || phase == READ_BACK) && inflight < SLOTS && next_block < capacity) {
        uint32_t slot = 0;
        while (busy_slots & (1u << slot)) {
            slot++;
        }
        submit(phase == WRITE ? BLK_REQ_WRITE : BLK_REQ_READ, next_block, SLOT_BLOCKS, slot);
        next_block += SLOT_BLOCKS;
    }
}

static void next_phase(void)
{
    if (phase == WRITE) {
        ddftest_check("blk-write-whole-partition", errors == 0, errors);
        phase = READ_BACK;
        next_block = completed = 0;
    } else if (phase == READ_BACK) {
        ddftest_check("blk-read-back-matches", errors == 0 && bad_words == 0, bad_words + (errors << 32));
        phase = BOUNDS;
        submit(BLK_REQ_READ, capacity, 1, 0);
        submit(BLK_REQ_READ, capacity - 4, 8, 1);
        submit(BLK_REQ_WRITE, UINT64_MAX - 2, 4, 2);
    }
}

static void handle(const blk_resp_t *r)
{
    inflight--;
    if (r->id < SLOTS) {
        busy_slots &= ~(1u << r->id);
    }
    if (phase == READ_HOST) {
        volatile uint8_t *b = (volatile uint8_t *)blk_data;
        uint64_t bad = 0;
        for (uint32_t k = 0; k < 8 * BLK_TRANSFER_SIZE; k++) {
            bad += b[k] != (uint8_t)(k * 7 + 3);
        }
        ddftest_check("blk-host-data-reads-back", r->status == BLK_RESP_OK && bad == 0, bad);
        phase = WRITE;
        return;
    }
    if (phase == WRITE || phase == READ_BACK) {
        if (r->status != BLK_RESP_OK || r->count != SLOT_BLOCKS) {
            errors++;
        } else if (phase == READ_BACK) {
            uint64_t block = r->id < SLOTS ? slot_block[r->id] : 0;
            volatile uint32_t *w = (volatile uint32_t *)(blk_data + (uint64_t)r->id * SLOT_BLOCKS * BLK_TRANSFER_SIZE);
            for (uint32_t i = 0; i < SLOT_BLOCKS * BLK_TRANSFER_SIZE / 4; i++) {
                bad_words += w[i] != pattern(block * BLK_TRANSFER_SIZE + 4ull * i);
            }
        }
        completed += SLOT_BLOCKS;
        if (completed == capacity) {
            next_phase();
        }
        return;
    }
    if (phase == BOUNDS) {
        bounds_answers++;
        bounds_ok += r->status == BLK_RESP_SEEK_ERROR;
        if (bounds_answers == 3) {
            ddftest_check("blk-outside-partition-fails", bounds_ok == 3, bounds_ok);
            phase = FLUSH;
            blk_req_t f = {.code = BLK_REQ_FLUSH, .id = 77};
            busy_slots = 0;
            if (blk_req_enqueue(&q, &f) == DDF_RING_OK) {
                inflight++;
            }
        }
        return;
    }
    if (phase == FLUSH) {
        ddftest_check("blk-flush", r->status == BLK_RESP_OK && r->id == 77, r->status);
        phase = DONE;
    }
}

static void maybe_finish(void)
{
    if (phase == DONE && hostile_done && !finished) {
        finished = true;
        ddftest_end(EXIT_IOPORT);
    }
}

void init(void)
{
    (void)blk_attach(&q, (void *)blk_queue, 0x1000, CAP, true, false);
}

void notified(microkit_channel ch)
{
    if (ch == HOSTILE_CH) {
        hostile_done = true;
        maybe_finish();
        return;
    }
    if (!started) {
        if (__atomic_load_n(&q.info->ready, __ATOMIC_ACQUIRE) == 0) {
            return;
        }
        started = true;
        capacity = q.info->capacity;
        ddftest_check("blk-partition-size", capacity == 1024, capacity);
        microkit_dbg_puts("blk client: partition ready, starting\n");
        submit(BLK_REQ_READ, 0, 8, 0);
        microkit_notify(VIRT_CH);
        return;
    }
    /* Responses come back in order per client here (one device queue, FIFO virt). */
    blk_resp_t r;
    while (blk_resp_dequeue(&q, &r) == DDF_RING_OK) {
        handle(&r);
    }
    fill_pipeline();
    microkit_notify(VIRT_CH);
    maybe_finish();
}
