/*
 * The client end of the ddf/net.h queues, as the stack's link (net_stack.h).
 *
 * A client PD has two queue pairs with its network virtualiser, each with a
 * data region of NET_BUFFER_SIZE buffers that the client owns:
 *   rx: the client fills the free ring with empty buffers; the virtualiser
 *       returns them on the active ring holding a frame;
 *   tx: the client puts frames on the active ring; the virtualiser returns
 *       the buffers on the free ring once sent.
 * When the tx data region has room for it, its tail is lwIP's heap
 * (net_stack.h, tx_heap): a TCP segment for the device to cut leaves as a
 * header buffer followed by descriptors naming the heap bytes TCP wrote,
 * inside their NET_BUFFER_SIZE blocks (ddf/net.h allows a transmit
 * descriptor to start inside its buffer), and lwIP keeps those bytes until
 * the header buffer comes back.
 * Owns: which tx buffers are in the client's hands (a private stack of
 * offsets), and which frame sent in place each header buffer carries.
 * Signalling follows ddf/net.h: the virtualiser is notified only when it
 * asked. Every descriptor the virtualiser hands back is copied once and
 * validated (offset inside our region, buffer-aligned, length within a
 * buffer, and for tx a buffer we actually handed over, or heap bytes) before
 * use; a bad one is dropped and counted.
 */
#ifndef SUBSTRATE_NET_LINK_H
#define SUBSTRATE_NET_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddf/net.h"
#include "system/net/net_stack.h"

#define NET_LINK_MAX_BUFFERS NET_STACK_MAX_LENT

typedef struct {
    void *queue;        /* region of net_region_bytes(capacity) */
    size_t queue_size;
    uint8_t *data;      /* the client's buffers */
    size_t data_size;   /* a multiple of NET_BUFFER_SIZE */
} net_link_region_t;

/* The fewest tx buffers the link keeps beside a heap: a whole copied frame. */
#define NET_LINK_MIN_TX_BUFFERS NET_MAX_CHAIN

typedef struct {
    net_queue_t rx, tx;
    uint8_t *rx_data, *tx_data;
    size_t rx_data_size, tx_data_size;
    uint32_t capacity;
    /* tx buffers we hold: a stack of offsets, and which are ours (for the
     * duplicate check on return). */
    uint64_t tx_free[NET_LINK_MAX_BUFFERS];
    size_t tx_free_count;
    bool tx_owned[NET_LINK_MAX_BUFFERS];
    uint64_t tx_reserved[NET_MAX_CHAIN]; /* handed to the stack by tx_reserve, not yet committed */
    size_t tx_reserved_count;
    /* lwIP's heap at [tx_heap_offset, tx_region_size) of the tx region, or
     * tx_heap_offset == tx_region_size for none; the buffers lie below. */
    uint64_t tx_heap_offset, tx_region_size;
    void *tx_token[NET_LINK_MAX_BUFFERS]; /* the frame sent in place behind each header buffer */
    /* rx buffers the stack holds (lent with a frame, not yet released). */
    bool rx_lent[NET_LINK_MAX_BUFFERS];
    size_t rx_lent_count;
    bool notify_rx, notify_tx;  /* produced since the last finish (informational) */
    uint64_t (*now_ns)(void *ctx);
    void *clock_ctx;
    uint64_t bad_descriptors;
    uint64_t broken_frames;     /* chains the virtualiser cut short (dropped) */
    uint64_t rx_reclaimed;      /* rx buffers taken back at a restart */
    uint64_t tx_heap_returned;  /* heap descriptors handed back */
    bool corrupt;               /* the virtualiser broke a ring */
} net_link_t;

/*
 * Attaches to the queues. At first start (`restart` false) every rx buffer
 * is handed to the virtualiser and every tx buffer is ours. After a restart
 * the queues' indices are adopted as published, and buffer ownership is
 * recovered as documented in docs/net.md: every buffer the rings do not name
 * is the new instance's. That holds for rx only because the virtualiser
 * outranks the client on one CPU and keeps no buffer of ours between its
 * events, so it never runs in the middle of init with a buffer in hand.
 */
int net_link_init(net_link_t *l, const net_link_region_t *rx, const net_link_region_t *tx,
                  uint32_t capacity, uint64_t (*now_ns)(void *ctx), void *clock_ctx);

/* The link operations for net_stack_init. */
net_link_ops_t net_link_ops(net_link_t *l);

/* Feeds every received frame to the stack, lending it the buffers (they go
 * back on the rx free ring when lwIP frees the data); collects returned tx
 * buffers. Returns the number of frames received. */
size_t net_link_process(net_link_t *l);

/* After a batch: whether to notify the virtualiser on the rx / tx channel,
 * which is only when it asked (ddf/net.h). Also requests a signal on the rx
 * active ring and re-checks it, so no wake-up is lost.
 * Returns true if work arrived during the re-check (call process again). */
bool net_link_finish(net_link_t *l, bool *notify_rx, bool *notify_tx);

#endif
