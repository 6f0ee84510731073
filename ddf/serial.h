/*
 * ddf/serial.h: the serial queue protocol, a character ring.
 *
 * A serial connection is two regions: a transmit ring (client produces
 * characters, the virtualiser or driver consumes them) and a receive ring
 * (the driver or virtualiser produces, the client consumes). Each region is
 * one ddf_ring_shared_t followed by `capacity` bytes of data; capacity is a
 * power of two agreed in the system description.
 *
 * Ownership: a character belongs to the consumer once published.
 *
 * Signalling: the rule of ddf/ring.h. In short:
 *   - after putting characters, the producer calls serial_should_notify()
 *     and, if it says so, notifies the consumer's channel;
 *   - a consumer that drained the ring calls serial_request_signal(), then
 *     re-checks serial_empty() before it returns to wait;
 *   - a producer that found the ring full calls serial_request_space_signal(),
 *     re-checks, and waits for the consumer to notify after taking characters
 *     (serial_should_notify_space()).
 * Lines: the serial virtualiser only forwards whole lines (up to '\n') from a
 * client, so a client that wants its line printed in one piece must end it
 * with '\n' and must not write lines longer than its ring (longer lines are
 * forwarded in ring-sized pieces).
 */
#ifndef SUBSTRATE_DDF_SERIAL_H
#define SUBSTRATE_DDF_SERIAL_H

#include "ddf/ring.h"

typedef struct {
    ddf_ring_t ring;
    uint8_t *data; /* capacity bytes, right after the control block */
} serial_queue_t;

static inline size_t serial_region_bytes(uint32_t capacity)
{
    return ddf_ring_bytes(capacity, 1);
}

/* Attach to a ring region of at least serial_region_bytes(capacity) bytes. */
static inline ddf_ring_err_t serial_attach(serial_queue_t *q, void *region, size_t region_size,
                                           uint32_t capacity, bool producer, bool fresh)
{
    if (region == NULL || !ddf_ring_capacity_ok(capacity) || region_size < serial_region_bytes(capacity)) {
        return DDF_RING_INVALID;
    }
    q->data = (uint8_t *)region + sizeof(ddf_ring_shared_t);
    return ddf_ring_attach(&q->ring, (ddf_ring_shared_t *)region, capacity, producer, fresh);
}

static inline ddf_ring_err_t serial_put(serial_queue_t *q, uint8_t c)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_reserve(&q->ring, &slot);
    if (err != DDF_RING_OK) {
        return err;
    }
    q->data[slot] = c;
    ddf_ring_publish(&q->ring);
    return DDF_RING_OK;
}

/* Put up to len bytes; returns how many went in (stops when full or corrupt). */
static inline size_t serial_write(serial_queue_t *q, const void *buf, size_t len)
{
    const uint8_t *p = (const uint8_t *)buf;
    size_t n = 0;
    while (n < len && serial_put(q, p[n]) == DDF_RING_OK) {
        n++;
    }
    return n;
}

static inline ddf_ring_err_t serial_get(serial_queue_t *q, uint8_t *c)
{
    uint32_t slot;
    ddf_ring_err_t err = ddf_ring_peek(&q->ring, &slot);
    if (err != DDF_RING_OK) {
        return err;
    }
    *c = __atomic_load_n(&q->data[slot], __ATOMIC_RELAXED);
    ddf_ring_release(&q->ring);
    return DDF_RING_OK;
}

/* Look at the i-th waiting character without taking it (consumer only). */
static inline ddf_ring_err_t serial_peek_at(const serial_queue_t *q, uint32_t i, uint8_t *c)
{
    ddf_ring_err_t err;
    uint32_t used = ddf_ring_count(&q->ring, &err);
    if (err != DDF_RING_OK) {
        return err;
    }
    if (q->ring.producer || i >= used) {
        return DDF_RING_EMPTY;
    }
    *c = __atomic_load_n(&q->data[(q->ring.local + i) & (q->ring.capacity - 1)], __ATOMIC_RELAXED);
    return DDF_RING_OK;
}

static inline bool serial_empty(const serial_queue_t *q) { return ddf_ring_empty(&q->ring); }
static inline bool serial_full(const serial_queue_t *q) { return ddf_ring_full(&q->ring); }
static inline void serial_request_signal(serial_queue_t *q) { ddf_ring_request_signal(&q->ring); }
static inline void serial_cancel_signal(serial_queue_t *q) { ddf_ring_cancel_signal(&q->ring); }
static inline bool serial_should_notify(serial_queue_t *q) { return ddf_ring_should_notify(&q->ring); }
static inline void serial_request_space_signal(serial_queue_t *q) { ddf_ring_request_space_signal(&q->ring); }
static inline bool serial_should_notify_space(serial_queue_t *q) { return ddf_ring_should_notify_space(&q->ring); }

#endif
