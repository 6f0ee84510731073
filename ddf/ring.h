/*
 * ddf/ring.h: the single-producer single-consumer ring every queue protocol
 * of the driver framework is built on.
 *
 * Layout. A ring lives in a memory region both ends map. It is a control
 * block (ddf_ring_shared_t) plus an array of `capacity` fixed-size slots that
 * the device-class header defines (ddf/serial.h, ddf/blk.h, ddf/net.h).
 * `capacity` is a power of two agreed in the system description; it is never
 * read from shared memory. The two indices are free-running 32-bit counters:
 *   tail  written only by the producer: slots [head, tail) hold entries;
 *   head  written only by the consumer.
 * Each end keeps its own index in private memory (ddf_ring_t.local) and only
 * publishes it, so a peer that scribbles over our index cannot move us.
 *
 * Validation. The peer's index is read once per operation, into a local, and
 * checked: (tail - head) must lie in [0, capacity]. A ring that breaks this is
 * corrupt: every operation on it fails with DDF_RING_CORRUPT and changes
 * nothing, and the caller treats the peer as misbehaving. A hostile peer can
 * therefore only lose or repeat its own entries, never make us read or write
 * outside the slot array.
 *
 * Ownership. Enqueueing an entry hands over whatever the entry names (a buffer,
 * a request) to the consumer; the producer must not touch it again until it
 * comes back through the opposite ring. Dequeueing takes ownership.
 *
 * Signalling rule (the same for every device class):
 *   - A consumer that finds the ring empty and wants to sleep calls
 *     ddf_ring_request_signal(), then MUST re-check the ring (ddf_ring_empty)
 *     before sleeping; if an entry arrived in between it cancels the request
 *     (ddf_ring_cancel_signal) and carries on. The full fence inside
 *     request_signal makes this re-check sufficient: either the producer sees
 *     the flag, or we see the entry.
 *   - A producer, after publishing a batch, calls ddf_ring_should_notify(); it
 *     returns true (and clears the flag) when the consumer asked for a signal.
 *     The producer then notifies the consumer over the channel.
 *   - The same pair of calls, on the producer_signal flag, lets a producer that
 *     found the ring full ask to be told when space appears
 *     (ddf_ring_request_space_signal / ddf_ring_should_notify_space).
 * A component may always notify more than the rule requires; spurious
 * notifications are harmless, lost ones are what the rule prevents.
 *
 * This header is freestanding (no libc) so protection domains, host tests and
 * the fuzzers all use the same code.
 */
#ifndef SUBSTRATE_DDF_RING_H
#define SUBSTRATE_DDF_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    DDF_RING_OK = 0,
    DDF_RING_EMPTY,    /* consumer: nothing to take */
    DDF_RING_FULL,     /* producer: no free slot */
    DDF_RING_CORRUPT,  /* the peer's index is impossible; nothing was changed */
    DDF_RING_INVALID,  /* bad argument (capacity not a power of two, ...) */
} ddf_ring_err_t;

#define DDF_CACHE_LINE 64

/* The shared control block. The two indices sit on separate cache lines so
 * the two ends do not fight over one line. All fields are little-endian
 * (the only byte order this framework runs on). */
typedef struct {
    uint32_t tail;            /* producer-written */
    uint32_t producer_signal; /* producer-written set, consumer-written clear: "tell me when there is space" */
    uint32_t producer_info;   /* producer-written word the device class defines (ddf/net.h: offloads) */
    uint8_t pad0[DDF_CACHE_LINE - 3 * sizeof(uint32_t)];
    uint32_t head;            /* consumer-written */
    uint32_t consumer_signal; /* consumer-written set, producer-written clear: "tell me when there is data" */
    uint8_t pad1[DDF_CACHE_LINE - 2 * sizeof(uint32_t)];
} ddf_ring_shared_t;

_Static_assert(sizeof(ddf_ring_shared_t) == 2 * DDF_CACHE_LINE, "ring control block is two cache lines");

/* One end's private view of a ring. */
typedef struct {
    ddf_ring_shared_t *shared;
    uint32_t capacity;   /* power of two, from the system description */
    uint32_t local;      /* our own index: tail for a producer, head for a consumer */
    bool producer;       /* which end this is */
} ddf_ring_t;

static inline uint32_t ddf_ring_load_(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void ddf_ring_store_(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static inline bool ddf_ring_capacity_ok(uint32_t capacity)
{
    return capacity != 0 && capacity <= (1u << 30) && (capacity & (capacity - 1)) == 0;
}

/*
 * Attach to a ring. `fresh` zeroes the shared control block; exactly one end
 * (the one the system description says initialises the region, normally the
 * consumer of the first message) passes true, before either end uses it. The
 * other end adopts the published value of its own index once, at attach time.
 */
static inline ddf_ring_err_t ddf_ring_attach(ddf_ring_t *r, ddf_ring_shared_t *shared, uint32_t capacity,
                                             bool producer, bool fresh)
{
    if (r == NULL || shared == NULL || !ddf_ring_capacity_ok(capacity)) {
        return DDF_RING_INVALID;
    }
    if (fresh) {
        ddf_ring_store_(&shared->tail, 0);
        ddf_ring_store_(&shared->head, 0);
        ddf_ring_store_(&shared->producer_signal, 0);
        ddf_ring_store_(&shared->consumer_signal, 0);
        ddf_ring_store_(&shared->producer_info, 0);
    }
    r->shared = shared;
    r->capacity = capacity;
    r->producer = producer;
    r->local = producer ? ddf_ring_load_(&shared->tail) : ddf_ring_load_(&shared->head);
    return DDF_RING_OK;
}

/* Number of entries in the ring as this end sees it, or DDF_RING_CORRUPT via *err. */
static inline uint32_t ddf_ring_count(const ddf_ring_t *r, ddf_ring_err_t *err)
{
    uint32_t head, tail;
    if (r->producer) {
        tail = r->local;
        head = ddf_ring_load_(&r->shared->head);
    } else {
        head = r->local;
        tail = ddf_ring_load_(&r->shared->tail);
    }
    uint32_t used = tail - head;
    if (used > r->capacity) {
        *err = DDF_RING_CORRUPT;
        return 0;
    }
    *err = DDF_RING_OK;
    return used;
}

static inline bool ddf_ring_empty(const ddf_ring_t *r)
{
    ddf_ring_err_t err;
    uint32_t n = ddf_ring_count(r, &err);
    return err != DDF_RING_OK || n == 0;
}

static inline bool ddf_ring_full(const ddf_ring_t *r)
{
    ddf_ring_err_t err;
    uint32_t n = ddf_ring_count(r, &err);
    return err != DDF_RING_OK || n == r->capacity;
}

/* Producer: room for `n` entries at once? Then fill slot
 * ddf_ring_slot_ahead(r, 0..n-1) and make all n visible with one
 * ddf_ring_publish_n(), so the consumer sees either none or all of them. */
static inline ddf_ring_err_t ddf_ring_reserve_n(const ddf_ring_t *r, uint32_t n)
{
    ddf_ring_err_t err;
    if (!r->producer) {
        return DDF_RING_INVALID;
    }
    uint32_t used = ddf_ring_count(r, &err);
    if (err != DDF_RING_OK) {
        return err;
    }
    return n <= r->capacity - used ? DDF_RING_OK : DDF_RING_FULL;
}

static inline uint32_t ddf_ring_slot_ahead(const ddf_ring_t *r, uint32_t i)
{
    return (r->local + i) & (r->capacity - 1);
}

static inline void ddf_ring_publish_n(ddf_ring_t *r, uint32_t n)
{
    r->local += n;
    ddf_ring_store_(&r->shared->tail, r->local);
}

/* Producer: the slot index (0..capacity-1) to fill next, if there is room.
 * Fill the slot, then ddf_ring_publish(). */
static inline ddf_ring_err_t ddf_ring_reserve(const ddf_ring_t *r, uint32_t *slot)
{
    ddf_ring_err_t err = ddf_ring_reserve_n(r, 1);
    if (err == DDF_RING_OK) {
        *slot = ddf_ring_slot_ahead(r, 0);
    }
    return err;
}

/* Producer: make the reserved slot visible (release: slot contents first). */
static inline void ddf_ring_publish(ddf_ring_t *r)
{
    ddf_ring_publish_n(r, 1);
}

/* Consumer: the slot index holding the oldest entry. Copy the entry out of
 * the slot (once), then ddf_ring_release(), then validate the copy. */
static inline ddf_ring_err_t ddf_ring_peek(const ddf_ring_t *r, uint32_t *slot)
{
    ddf_ring_err_t err;
    if (r->producer) {
        return DDF_RING_INVALID;
    }
    uint32_t used = ddf_ring_count(r, &err);
    if (err != DDF_RING_OK) {
        return err;
    }
    if (used == 0) {
        return DDF_RING_EMPTY;
    }
    *slot = r->local & (r->capacity - 1);
    return DDF_RING_OK;
}

/* Consumer: give the slot back to the producer (release: our reads first). */
static inline void ddf_ring_release(ddf_ring_t *r)
{
    r->local++;
    ddf_ring_store_(&r->shared->head, r->local);
}

/* --- Signalling (see the rule at the top of this file) --------------------- */

/* Consumer: ask for a notification when data arrives. Re-check afterwards. */
static inline void ddf_ring_request_signal(ddf_ring_t *r)
{
    __atomic_store_n(&r->shared->consumer_signal, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void ddf_ring_cancel_signal(ddf_ring_t *r)
{
    __atomic_store_n(&r->shared->consumer_signal, 0, __ATOMIC_RELAXED);
}

/* Producer, after publishing: true when the consumer must be notified. */
static inline bool ddf_ring_should_notify(ddf_ring_t *r)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->shared->consumer_signal, __ATOMIC_SEQ_CST) != 0) {
        __atomic_store_n(&r->shared->consumer_signal, 0, __ATOMIC_RELAXED);
        return true;
    }
    return false;
}

/* Producer: ask for a notification when space appears. Re-check afterwards. */
static inline void ddf_ring_request_space_signal(ddf_ring_t *r)
{
    __atomic_store_n(&r->shared->producer_signal, 1, __ATOMIC_SEQ_CST);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static inline void ddf_ring_cancel_space_signal(ddf_ring_t *r)
{
    __atomic_store_n(&r->shared->producer_signal, 0, __ATOMIC_RELAXED);
}

/* Consumer, after releasing slots: true when the producer must be notified. */
static inline bool ddf_ring_should_notify_space(ddf_ring_t *r)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (__atomic_load_n(&r->shared->producer_signal, __ATOMIC_SEQ_CST) != 0) {
        __atomic_store_n(&r->shared->producer_signal, 0, __ATOMIC_RELAXED);
        return true;
    }
    return false;
}

/* Bytes a ring of `capacity` slots of `slot_size` bytes needs after its control block. */
static inline size_t ddf_ring_bytes(uint32_t capacity, size_t slot_size)
{
    return sizeof(ddf_ring_shared_t) + (size_t)capacity * slot_size;
}

#endif
