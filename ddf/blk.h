/*
 * ddf/blk.h: the block queue protocol: a request ring and a response ring.
 *
 * Region layout (one region per connection, shared by client and server):
 *   blk_storage_info_t                  (one cache line, written by the server)
 *   request ring:  ddf_ring_shared_t + capacity x blk_req_t
 *   response ring: ddf_ring_shared_t + capacity x blk_resp_t
 * plus a separate data region owned by the client, which requests point into
 * by byte offset (never by pointer). The server copies data in and out of it
 * (the block virtualiser) or translates the offset for DMA (a driver's own
 * client), after checking offset and length against the region's size.
 *
 * Units: block numbers and counts are in BLK_TRANSFER_SIZE (4096-byte)
 * blocks, whatever the device's sector size. Block numbers are relative to
 * what the server exposes: the whole disk for a driver, the client's
 * partition for the virtualiser.
 *
 * Ownership: enqueueing a request hands the named data range to the server
 * until the response with the same id comes back. The client must not touch
 * that range in between; the server may read or write it at any time.
 * Ids are the client's own: the server echoes them and never interprets them.
 *
 * Signalling: the rule of ddf/ring.h. The client notifies after enqueueing
 * requests when blk_req_should_notify() says so; the server notifies after
 * enqueueing responses when blk_resp_should_notify() says so; a side that
 * drained a ring asks for a signal and re-checks before it waits.
 * Start-up: the side that initialises the region (fresh = true) is the
 * client-facing virtualiser for its clients, and the virtualiser for its
 * driver, which is its child. The server fills blk_storage_info_t, sets
 * `ready` last (release) and notifies; the client reads `ready` (acquire)
 * before the other fields and sends nothing before that.
 * Restart: when the driver faults, the virtualiser (its parent) re-initialises
 * the driver's region, restarts the driver, and re-issues every request that
 * was outstanding once the driver says `ready` again.
 * A server never blocks on a full response ring: it holds at most `capacity`
 * requests, so a response slot always exists for every request it took.
 */
#ifndef SUBSTRATE_DDF_BLK_H
#define SUBSTRATE_DDF_BLK_H

#include "ddf/ring.h"

#define BLK_TRANSFER_SIZE 4096u
#define BLK_SECTOR_SIZE 512u

typedef enum {
    BLK_REQ_READ = 0,
    BLK_REQ_WRITE = 1,
    BLK_REQ_FLUSH = 2,   /* block and count ignored */
} blk_req_code_t;

typedef enum {
    BLK_RESP_OK = 0,
    BLK_RESP_SEEK_ERROR = 1,   /* block range outside what the server exposes */
    BLK_RESP_INVALID = 2,      /* bad code, offset, length or duplicate id */
    BLK_RESP_IO_ERROR = 3,     /* the device failed */
    BLK_RESP_READ_ONLY = 4,
} blk_resp_status_t;

typedef struct {
    uint32_t code;    /* blk_req_code_t */
    uint32_t id;      /* echoed in the response */
    uint64_t offset;  /* byte offset into the client's data region, BLK_TRANSFER_SIZE aligned */
    uint64_t block;   /* first block, in BLK_TRANSFER_SIZE units */
    uint32_t count;   /* blocks */
    uint32_t reserved;
} blk_req_t;

typedef struct {
    uint32_t status;  /* blk_resp_status_t */
    uint32_t id;
    uint32_t count;   /* blocks transferred */
    uint32_t reserved;
} blk_resp_t;

typedef struct {
    uint32_t ready;           /* non-zero once the fields below are valid */
    uint32_t read_only;
    uint64_t capacity;        /* in BLK_TRANSFER_SIZE blocks */
    uint32_t sector_size;     /* the device's, for information */
    uint32_t max_count;       /* most blocks one request may name */
    uint32_t generation;      /* bumped each time the server (re)starts */
    uint8_t pad[DDF_CACHE_LINE - 28];
} blk_storage_info_t;

_Static_assert(sizeof(blk_req_t) == 32, "blk_req_t is 32 bytes");
_Static_assert(sizeof(blk_resp_t) == 16, "blk_resp_t is 16 bytes");
_Static_assert(sizeof(blk_storage_info_t) == DDF_CACHE_LINE, "storage info is one line");

/* One end of a block connection. */
typedef struct {
    blk_storage_info_t *info;
    ddf_ring_t req;
    blk_req_t *req_slots;
    ddf_ring_t resp;
    blk_resp_t *resp_slots;
} blk_queue_t;

static inline size_t blk_region_bytes(uint32_t capacity)
{
    return sizeof(blk_storage_info_t) + ddf_ring_bytes(capacity, sizeof(blk_req_t)) +
           ddf_ring_bytes(capacity, sizeof(blk_resp_t));
}

/* client = true: produce requests, consume responses. `fresh` is passed by
 * the server, which initialises the region. */
static inline ddf_ring_err_t blk_attach(blk_queue_t *q, void *region, size_t region_size, uint32_t capacity,
                                        bool client, bool fresh)
{
    if (region == NULL || !ddf_ring_capacity_ok(capacity) || capacity > (1u << 20) ||
        region_size < blk_region_bytes(capacity)) {
        return DDF_RING_INVALID;
    }
    uint8_t *p = (uint8_t *)region;
    q->info = (blk_storage_info_t *)p;
    p += sizeof(blk_storage_info_t);
    ddf_ring_shared_t *req = (ddf_ring_shared_t *)p;
    q->req_slots = (blk_req_t *)(p + sizeof(ddf_ring_shared_t));
    p += ddf_ring_bytes(capacity, sizeof(blk_req_t));
    ddf_ring_shared_t *resp = (ddf_ring_shared_t *)p;
    q->resp_slots = (blk_resp_t *)(p + sizeof(ddf_ring_shared_t));
    if (fresh) {
        __atomic_store_n(&q->info->ready, 0, __ATOMIC_RELEASE);
    }
    ddf_ring_err_t err = ddf_ring_attach(&q->req, req, capacity, client, fresh);
    if (err == DDF_RING_OK) {
        err = ddf_ring_attach(&q->resp, resp, capacity, !client, fresh);
    }
    return err;
}

static inline ddf_ring_err_t blk_req_enqueue(blk_queue_t *q, const blk_req_t *r)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_reserve(&q->req, &slot);
    if (err == DDF_RING_OK) {
        q->req_slots[slot] = *r;
        ddf_ring_publish(&q->req);
    }
    return err;
}

/* Copies the request out once; the caller validates the copy. */
static inline ddf_ring_err_t blk_req_dequeue(blk_queue_t *q, blk_req_t *r)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_peek(&q->req, &slot);
    if (err == DDF_RING_OK) {
        *r = *(volatile blk_req_t *)&q->req_slots[slot];
        ddf_ring_release(&q->req);
    }
    return err;
}

static inline ddf_ring_err_t blk_resp_enqueue(blk_queue_t *q, const blk_resp_t *r)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_reserve(&q->resp, &slot);
    if (err == DDF_RING_OK) {
        q->resp_slots[slot] = *r;
        ddf_ring_publish(&q->resp);
    }
    return err;
}

static inline ddf_ring_err_t blk_resp_dequeue(blk_queue_t *q, blk_resp_t *r)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_peek(&q->resp, &slot);
    if (err == DDF_RING_OK) {
        *r = *(volatile blk_resp_t *)&q->resp_slots[slot];
        ddf_ring_release(&q->resp);
    }
    return err;
}

static inline bool blk_req_should_notify(blk_queue_t *q) { return ddf_ring_should_notify(&q->req); }
static inline bool blk_resp_should_notify(blk_queue_t *q) { return ddf_ring_should_notify(&q->resp); }

#endif
