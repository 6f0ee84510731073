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
 *             sends them and puts them back on the free ring, each
 *             descriptor as it came.
 * In both directions the data region belongs to the client side of the
 * connection (the one that owns the buffers), and the server checks every
 * offset and length before use: in range, and inside one buffer
 * (net_desc_bytes_valid; buffers on a free ring, and a receive frame's
 * pieces after the first, start at their buffer's start, net_desc_valid).
 * Buffers are only ever named by the side that owns them.
 *
 * Ownership: enqueueing a descriptor hands the buffer (or, on transmit, the
 * bytes it names) over; it comes back through the other ring of the same
 * pair. A component must not touch what it has handed over. A transmit
 * server hands a frame's descriptors back only once it is done with all of
 * the frame's bytes, so a client may take the whole frame back when its
 * first descriptor returns.
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
 * virtualiser's transmit active ring, and on its receive free ring only when
 * the device runs short of buffers (else the next frame's interrupt wakes
 * it). Nobody waits on a client's receive free ring (a client without
 * buffers loses frames), so nobody is notified for it.
 */
#ifndef SUBSTRATE_DDF_NET_H
#define SUBSTRATE_DDF_NET_H

#include "ddf/ring.h"

/* A buffer is a page. Every buffer of a frame costs a descriptor, a ring slot
 * and a piece of work at each hop (driver, virtualiser, client, lwIP), so
 * fewer, larger buffers move merged 64 KiB segments cheaper: 17 pieces each,
 * where 2 KiB buffers took 33 (docs/bench-net.md measures the difference). */
#define NET_BUFFER_SIZE 4096u
#define NET_MAC_LEN 6
#define NET_ETH_HDR_LEN 14
#define NET_MIN_FRAME 14u
#define NET_MAX_FRAME 1514u       /* a frame without NET_DESC_GSO_TCPV4 */
#define NET_MAX_GSO_FRAME 65549u  /* Ethernet header + the largest IPv4 packet */
#define NET_MAX_CHAIN (NET_MAX_GSO_FRAME / NET_BUFFER_SIZE + 2u) /* the largest frame's buffers, with room for a data start */
/* The buffers `len` bytes fill, each but the last full (a constant
 * expression for a constant `len`). */
#define NET_BUFFERS_FOR(len) (((len) + NET_BUFFER_SIZE - 1u) / NET_BUFFER_SIZE)

/*
 * A descriptor names one buffer. On a receive free ring `offset` is the
 * buffer's (NET_BUFFER_SIZE aligned) and the rest is zero; a transmit free
 * ring gives back the offset of each active descriptor as it came. On an
 * active ring it names the bytes of a frame: `len` bytes from `offset`,
 * which may lie inside the buffer (the driver's receive buffers start with
 * the device's header; a client sends a TCP segment's data where its stack
 * wrote it), but never past its end (net_desc_bytes_valid).
 *
 * Frames of several buffers. A frame longer than one buffer is a chain of
 * descriptors in consecutive slots of one active ring, every one but the last
 * with NET_DESC_MORE. Only a GSO frame (NET_DESC_GSO_TCPV4) may be a chain.
 * The producer publishes a whole chain at once (net_enqueue_chain), so a
 * consumer never sees part of one; a chain cut short by the ring's end, longer
 * than NET_MAX_CHAIN, or longer than its frame may be is a broken frame, and
 * the consumer drops it and gives its buffers back (net_dequeue_frame).
 *
 * Offloads. The first descriptor of a frame carries its metadata; the flags
 * other than MORE, csum_* and gso_size of later descriptors are zero.
 *   NET_DESC_CSUM_PARTIAL: the TCP or UDP checksum of the frame is not
 *     computed. The 16-bit field at csum_start + csum_offset (counted from the
 *     frame's first byte, inside its first buffer) holds the pseudo-header
 *     sum, and the checksum is the ones' complement sum from csum_start to the
 *     frame's end. On transmit the server completes it (the device does, or
 *     the driver in software). On receive it comes from the device for frames
 *     the host's own stack produced: their data is good, the sum is not done.
 *   NET_DESC_CSUM_VALID (receive): the device checked the TCP/UDP checksum.
 *   NET_DESC_GSO_TCPV4: a TCP/IPv4 segment larger than the MTU allows. On
 *     transmit the device cuts it into segments of gso_size payload bytes (the
 *     IPv4 total length and TCP checksum of the big frame are then those of
 *     the whole); on receive the device merged segments into it. Always with
 *     CSUM_PARTIAL.
 *
 * Who may send what: the server of a transmit connection publishes the
 * offloads it accepts (NET_OFFLOAD_TX_*) in the producer_info word of the
 * transmit free ring it produces (net_set_tx_offloads); the client of a
 * receive connection publishes what it accepts on receive (NET_OFFLOAD_RX_*)
 * in the rx free ring it produces (net_set_rx_offloads). A producer reads
 * its peer's word once per frame (net_tx_offloads / net_rx_offloads), never
 * trusts bits it does not know, and sends a frame needing an offload only
 * when the word offers it. A frame breaking this is dropped.
 */
#define NET_DESC_MORE 0x1u
#define NET_DESC_CSUM_PARTIAL 0x2u
#define NET_DESC_CSUM_VALID 0x4u
#define NET_DESC_GSO_TCPV4 0x8u
#define NET_DESC_KNOWN_FLAGS 0xFu

#define NET_OFFLOAD_TX_CSUM 0x1u  /* transmit server completes CSUM_PARTIAL */
#define NET_OFFLOAD_TX_TSO4 0x2u  /* transmit server accepts GSO_TCPV4 chains */
#define NET_OFFLOAD_RX_CSUM 0x4u  /* receive client understands CSUM_PARTIAL / CSUM_VALID */
#define NET_OFFLOAD_RX_GSO 0x8u   /* receive client accepts GSO_TCPV4 chains */

typedef struct {
    uint64_t offset;      /* byte offset in the owner's data region (see above) */
    uint16_t len;         /* bytes in this buffer (0 for an empty buffer) */
    uint16_t flags;       /* NET_DESC_* */
    uint8_t csum_start;   /* CSUM_PARTIAL: first byte summed, from the frame's start */
    uint8_t csum_offset;  /* CSUM_PARTIAL: the checksum field, from csum_start */
    uint16_t gso_size;    /* GSO_TCPV4: TCP payload bytes per segment */
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
        slots[slot] = (net_buff_desc_t){.offset = offset, .len = len};
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

/*
 * Producer of an active ring: publishes the frame d[0..n-1] as one batch, or
 * nothing (DDF_RING_FULL when the ring lacks n free slots). MORE is set on
 * every descriptor but the last here, whatever the caller put in the flags.
 */
static inline ddf_ring_err_t net_enqueue_chain(net_queue_t *q, const net_buff_desc_t *d, uint32_t n)
{
    if (n == 0 || n > NET_MAX_CHAIN) {
        return DDF_RING_INVALID;
    }
    ddf_ring_err_t err = ddf_ring_reserve_n(&q->active, n);
    if (err != DDF_RING_OK) {
        return err;
    }
    for (uint32_t i = 0; i < n; i++) {
        net_buff_desc_t e = d[i];
        e.flags = (uint16_t)(i + 1 < n ? e.flags | NET_DESC_MORE : e.flags & ~NET_DESC_MORE);
        q->active_slots[ddf_ring_slot_ahead(&q->active, i)] = e;
    }
    ddf_ring_publish_n(&q->active, n);
    return DDF_RING_OK;
}

/*
 * Consumer of an active ring: takes the next frame, following MORE, into
 * d[0..NET_MAX_CHAIN-1] (private copies) and sets *n. Returns DDF_RING_OK for
 * a whole frame, DDF_RING_EMPTY when there is none, and DDF_RING_INVALID for a
 * broken chain: cut short by the ring's end, or longer than NET_MAX_CHAIN
 * (then d holds the first NET_MAX_CHAIN and the rest is taken as the next
 * frame, which starts without its metadata and so fails validation). The
 * caller drops a broken frame and gives back every buffer in d[0..*n-1].
 * The descriptors still need the caller's validation.
 */
static inline ddf_ring_err_t net_dequeue_frame(net_queue_t *q, net_buff_desc_t d[NET_MAX_CHAIN], uint32_t *n)
{
    *n = 0;
    for (;;) {
        ddf_ring_err_t err = net_dequeue_(&q->active, q->active_slots, &d[*n]);
        if (err != DDF_RING_OK) {
            return *n == 0 ? err : (err == DDF_RING_EMPTY ? DDF_RING_INVALID : err);
        }
        bool more = (d[*n].flags & NET_DESC_MORE) != 0;
        (*n)++;
        if (!more) {
            return DDF_RING_OK;
        }
        if (*n == NET_MAX_CHAIN) {
            return DDF_RING_INVALID;
        }
    }
}

/* The offload words (see above). Read once per frame; unknown bits ignored. */
static inline void net_set_tx_offloads(net_queue_t *tx_server_end, uint32_t offloads)
{
    __atomic_store_n(&tx_server_end->free.shared->producer_info, offloads, __ATOMIC_RELAXED);
}
static inline uint32_t net_tx_offloads(const net_queue_t *tx_client_end)
{
    return __atomic_load_n(&tx_client_end->free.shared->producer_info, __ATOMIC_RELAXED) &
           (NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
}
static inline void net_set_rx_offloads(net_queue_t *rx_client_end, uint32_t offloads)
{
    __atomic_store_n(&rx_client_end->free.shared->producer_info, offloads, __ATOMIC_RELAXED);
}
static inline uint32_t net_rx_offloads(const net_queue_t *rx_server_end)
{
    return __atomic_load_n(&rx_server_end->free.shared->producer_info, __ATOMIC_RELAXED) &
           (NET_OFFLOAD_RX_CSUM | NET_OFFLOAD_RX_GSO);
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

/* The buffer holding `d`'s bytes. */
static inline uint64_t net_desc_buffer(const net_buff_desc_t *d)
{
    return d->offset - d->offset % NET_BUFFER_SIZE;
}

/* True when `d` names `len` bytes inside one buffer of a data region of
 * `region_size` bytes (the bytes may start inside the buffer). */
static inline bool net_desc_bytes_valid(const net_buff_desc_t *d, uint64_t region_size)
{
    uint64_t buffer = net_desc_buffer(d);
    return buffer < region_size && region_size - buffer >= NET_BUFFER_SIZE &&
           d->offset % NET_BUFFER_SIZE + d->len <= NET_BUFFER_SIZE;
}

#endif
