/*
 * blk hostile client (partition 1): asks for blocks outside its partition and
 * memory outside its data region, uses unknown request codes, writes its own
 * first block, then scribbles over its ring indices and keeps notifying. It
 * must get errors for all of the bad requests, see its own write, and never
 * disturb the other client (which the other client's checks and the host's
 * look at the disk image prove).
 */
#include <microkit.h>

#include "ddf/blk.h"
#include "tests/ddf/ddftest.h"

#define VIRT_CH 0
#define GOOD_CH 1
#define CAP 16u

uintptr_t blk_queue;
uintptr_t blk_data;

static blk_queue_t q;
static bool started, done;
static uint32_t answers, refused, wrote_ok, read_ok;

static void send(uint32_t code, uint32_t id, uint64_t offset, uint64_t block, uint32_t count)
{
    blk_req_t r = {.code = code, .id = id, .offset = offset, .block = block, .count = count};
    (void)blk_req_enqueue(&q, &r);
}

void init(void)
{
    (void)blk_attach(&q, (void *)blk_queue, 0x1000, CAP, true, false);
}

void notified(microkit_channel ch)
{
    (void)ch;
    if (done) {
        /* Keep pestering the virtualiser through a corrupt ring. */
        q.req.shared->tail += 3;
        microkit_notify(VIRT_CH);
        return;
    }
    if (!started) {
        if (__atomic_load_n(&q.info->ready, __ATOMIC_ACQUIRE) == 0) {
            return;
        }
        started = true;
        uint64_t cap = q.info->capacity;
        ddftest_check("blk-hostile-partition-size", cap == 512, cap);
        volatile uint8_t *d = (volatile uint8_t *)blk_data;
        for (uint32_t i = 0; i < BLK_TRANSFER_SIZE; i++) {
            d[i] = 0xEE;
        }
        send(BLK_REQ_WRITE, 1, 0, cap, 1);                  /* just past its partition: the next one */
        send(BLK_REQ_WRITE, 2, 0, UINT64_MAX, 2);           /* wraps */
        send(BLK_REQ_READ, 3, 0x40000, 0, 1);               /* past its data region */
        send(BLK_REQ_READ, 4, UINT64_MAX & ~4095ull, 0, 1); /* wild offset */
        send(BLK_REQ_READ, 5, 0, 0, 100000);                /* absurd count */
        send(42, 6, 0, 0, 1);                               /* unknown code */
        send(BLK_REQ_WRITE, 7, 0, 0, 1);                    /* legitimate: its own first block */
        microkit_notify(VIRT_CH);
        return;
    }
    blk_resp_t r;
    while (blk_resp_dequeue(&q, &r) == DDF_RING_OK) {
        answers++;
        if (r.id >= 1 && r.id <= 6) {
            refused += r.status != BLK_RESP_OK;
        } else if (r.id == 7) {
            wrote_ok = r.status == BLK_RESP_OK;
            volatile uint8_t *d = (volatile uint8_t *)blk_data;
            for (uint32_t i = 0; i < BLK_TRANSFER_SIZE; i++) {
                d[i] = 0;
            }
            send(BLK_REQ_READ, 8, 0, 0, 1);
            microkit_notify(VIRT_CH);
        } else if (r.id == 8) {
            volatile uint8_t *d = (volatile uint8_t *)blk_data;
            read_ok = r.status == BLK_RESP_OK && d[0] == 0xEE && d[4095] == 0xEE;
        }
    }
    if (answers == 8 && !done) {
        ddftest_check("blk-hostile-bad-requests-refused", refused == 6, refused);
        ddftest_check("blk-hostile-own-write-reads-back", wrote_ok && read_ok, wrote_ok * 2 + read_ok);
        done = true;
        q.req.shared->tail += 1000; /* now corrupt the ring for good */
        microkit_notify(VIRT_CH);
        microkit_notify(GOOD_CH);
    }
}
