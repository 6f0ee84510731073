/*
 * ddf/net.h: the network queue protocol: free and active rings of buffer
 * descriptors.
 *
 * One direction of one connection (receive or transmit) is a region holding
 * two rings of net_buff_desc_t:
 *   free ring:   ddf_ring_shared_t + capacity x net_buff_desc_t
 *   active ring: ddf_ring_shared_t + capacity x net_buff_desc_t
 * and a data region of fixed-size buffers (NET_BUFFER_SIZE each) that the
 * descriptors name by byte offset, never by pointer.
 *
 *   receive:  the client puts empty buffers on the free ring; the server
 *             (driver or virtualiser) fills them and puts them on the active
 *             ring with the frame length.
 *   transmit: the client puts full buffers on the active ring; the server
 *             sends them and puts them back on the free ring.
 * In both directions the data region belongs to the client side of the
 * connection (the one that owns the buffers), and the server checks every
 * offset (in range, NET_BUFFER_SIZE aligned) and length (<= NET_BUFFER_SIZE)
 * before use. Buffers are only ever named by the side that owns them.
 *
 * Ownership: enqueueing a descriptor hands the buffer over; it comes back
 * through the other ring of the same pair. A component must not touch a
 * buffer it has handed over.
 *
 * Signalling: the rule of ddf/ring.h, per ring, and no notification beyond it.
 *   - A consumer that finds a ring empty and wants to sleep calls
 *     net_request_signal_active()/net_request_signal_free() on it, which sets
 *     the ring's "please signal" flag with a sequentially consistent store and
 *     fence, then MUST look at the ring again (ddf_ring_empty): anything
 *     published before the flag was visible is seen by that re-check, anything
 *     after it makes the producer notify. Only then may it sleep. If the
 *     re-check finds work it may cancel the request and carry on.
 *   - A producer, after publishing a batch (the tail store is a release),
 *     calls net_active_should_notify()/net_free_should_notify(): a full fence,
 *     then the flag is read; if set it is cleared and the producer notifies.
 *     It never notifies otherwise.
 * The two fences order "publish, then read flag" against "set flag, then read
 * tail", so at least one side sees the other: no wake-up is lost.
 * Who waits on what in the network: the virtualiser waits on each client's
 * transmit active ring and on the driver's receive active and transmit free
 * rings; a client waits on its receive active ring, and on its transmit free
 * ring only when it has run out of buffers; the driver waits on the
 * virtualiser's receive free and transmit active rings. Nobody waits on a
 * client's receive free ring (a client without buffers loses frames), so
 * nobody is notified for it.
 */
#ifndef SUBSTRATE_DDF_NET_H
#define SUBSTRATE_DDF_NET_H

#include "ddf/ring.h"

#define NET_BUFFER_SIZE 2048u
#define NET_MAC_LEN 6
#define NET_ETH_HDR_LEN 14
#define NET_MIN_FRAME 14u
#define NET_MAX_FRAME 1514u

typedef struct {
    uint64_t offset;  /* byte offset of the buffer in the owner's data region */
    uint16_t len;     /* frame length in bytes (0 for an empty buffer) */
    uint16_t reserved[3];
} net_buff_desc_t;

_Static_assert(sizeof(net_buff_desc_t) == 16, "net_buff_desc_t is 16 bytes");

typedef struct {
    ddf_ring_t free;
    net_buff_desc_t *free_slots;
    ddf_ring_t active;
    net_buff_desc_t *active_slots;
} net_queue_t;

static inline size_t net_region_bytes(uint32_t capacity)
{
    return 2 * ddf_ring_bytes(capacity, sizeof(net_buff_desc_t));
}

/*
 * Which rings this end produces: the receive side's server and the transmit
 * side's client produce the active ring; the others produce the free ring.
 */
static inline ddf_ring_err_t net_attach(net_queue_t *q, void *region, size_t region_size, uint32_t capacity,
                                        bool produces_active, bool fresh)
{
    if (region == NULL || !ddf_ring_capacity_ok(capacity) || capacity > (1u << 20) ||
        region_size < net_region_bytes(capacity)) {
        return DDF_RING_INVALID;
    }
    uint8_t *p = (uint8_t *)region;
    ddf_ring_shared_t *free_ctl = (ddf_ring_shared_t *)p;
    q->free_slots = (net_buff_desc_t *)(p + sizeof(ddf_ring_shared_t));
    p += ddf_ring_bytes(capacity, sizeof(net_buff_desc_t));
    ddf_ring_shared_t *active_ctl = (ddf_ring_shared_t *)p;
    q->active_slots = (net_buff_desc_t *)(p + sizeof(ddf_ring_shared_t));
    ddf_ring_err_t err = ddf_ring_attach(&q->free, free_ctl, capacity, !produces_active, fresh);
    if (err == DDF_RING_OK) {
        err = ddf_ring_attach(&q->active, active_ctl, capacity, produces_active, fresh);
    }
    return err;
}

static inline ddf_ring_err_t net_enqueue_(ddf_ring_t *r, net_buff_desc_t *slots, uint64_t offset, uint16_t len)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_reserve(r, &slot);
    if (err == DDF_RING_OK) {
        slots[slot].offset = offset;
        slots[slot].len = len;
        ddf_ring_publish(r);
    }
    return err;
}

static inline ddf_ring_err_t net_dequeue_(ddf_ring_t *r, const net_buff_desc_t *slots, net_buff_desc_t *out)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_peek(r, &slot);
    if (err == DDF_RING_OK) {
        *out = *(const volatile net_buff_desc_t *)&slots[slot];
        ddf_ring_release(r);
    }
    return err;
}

static inline ddf_ring_err_t net_enqueue_free(net_queue_t *q, uint64_t offset, uint16_t len)
{
    return net_enqueue_(&q->free, q->free_slots, offset, len);
}
static inline ddf_ring_err_t net_enqueue_active(net_queue_t *q, uint64_t offset, uint16_t len)
{
    return net_enqueue_(&q->active, q->active_slots, offset, len);
}
/* The dequeued descriptor is a private copy; validate it before use. */
static inline ddf_ring_err_t net_dequeue_free(net_queue_t *q, net_buff_desc_t *out)
{
    return net_dequeue_(&q->free, q->free_slots, out);
}
static inline ddf_ring_err_t net_dequeue_active(net_queue_t *q, net_buff_desc_t *out)
{
    return net_dequeue_(&q->active, q->active_slots, out);
}

static inline bool net_free_should_notify(net_queue_t *q) { return ddf_ring_should_notify(&q->free); }
static inline bool net_active_should_notify(net_queue_t *q) { return ddf_ring_should_notify(&q->active); }

/* Consumer, before sleeping: ask for a signal, then re-check the ring. */
static inline void net_request_signal_free(net_queue_t *q) { ddf_ring_request_signal(&q->free); }
static inline void net_request_signal_active(net_queue_t *q) { ddf_ring_request_signal(&q->active); }
static inline void net_cancel_signal_free(net_queue_t *q) { ddf_ring_cancel_signal(&q->free); }
static inline void net_cancel_signal_active(net_queue_t *q) { ddf_ring_cancel_signal(&q->active); }

/* True when `d` names a whole buffer inside a data region of `region_size` bytes. */
static inline bool net_desc_valid(const net_buff_desc_t *d, uint64_t region_size)
{
    return d->offset % NET_BUFFER_SIZE == 0 && d->offset < region_size &&
           region_size - d->offset >= NET_BUFFER_SIZE && d->len <= NET_BUFFER_SIZE;
}

#endif
