/*
 * The client end of the ddf/net.h queues (see net_link.h).
 *
 * Every received frame is copied into lwIP by net_stack_input() and its
 * buffer goes straight back on the rx free ring, so the client never holds a
 * receive buffer between events and a restart loses none. Never: read a
 * descriptor field twice, or trust an offset the virtualiser returns.
 */
#include "system/net/net_link.h"

static size_t buffer_count(size_t data_size)
{
    size_t n = data_size / NET_BUFFER_SIZE;
    return n > NET_LINK_MAX_BUFFERS ? NET_LINK_MAX_BUFFERS : n;
}

/* Marks the tx buffers the rings name as not ours, for slots [from, to). */
static void disown(net_link_t *l, const net_buff_desc_t *slots, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i != to; i++) {
        uint64_t off = slots[i & (l->capacity - 1)].offset; /* read once */
        if (off % NET_BUFFER_SIZE == 0 && off < l->tx_data_size) {
            l->tx_owned[off / NET_BUFFER_SIZE] = false;
        }
    }
}

/*
 * After a restart every tx buffer is ours except those the rings still
 * name: queued for sending (active ring) or on their way back (free ring,
 * which collect_tx takes in as usual). A buffer the virtualiser holds at this
 * instant comes back later and is refused as a duplicate; at worst one frame
 * of the dead instance goes out damaged.
 */
static void reclaim_tx(net_link_t *l, size_t tx_n)
{
    (void)tx_n;
    uint32_t active_head = __atomic_load_n(&l->tx.active.shared->head, __ATOMIC_ACQUIRE);
    uint32_t active_tail = l->tx.active.local;
    if (active_tail - active_head <= l->capacity) {
        disown(l, l->tx.active_slots, active_head, active_tail);
    }
    uint32_t free_head = l->tx.free.local;
    uint32_t free_tail = __atomic_load_n(&l->tx.free.shared->tail, __ATOMIC_ACQUIRE);
    if (free_tail - free_head <= l->capacity) {
        disown(l, l->tx.free_slots, free_head, free_tail);
    }
}

int net_link_init(net_link_t *l, const net_link_region_t *rx, const net_link_region_t *tx,
                  uint32_t capacity, uint64_t (*now_ns)(void *ctx), void *clock_ctx)
{
    if (l == NULL || rx == NULL || tx == NULL || now_ns == NULL || rx->data == NULL ||
        tx->data == NULL || buffer_count(rx->data_size) == 0 ||
        buffer_count(tx->data_size) == 0) {
        return -1;
    }
    *l = (net_link_t){0};
    /* The client produces rx free and tx active. Indices start at zero in a
     * fresh (zero-filled) region and are adopted as published otherwise. */
    if (net_attach(&l->rx, rx->queue, rx->queue_size, capacity, false, false) != DDF_RING_OK ||
        net_attach(&l->tx, tx->queue, tx->queue_size, capacity, true, false) != DDF_RING_OK) {
        return -1;
    }
    l->rx_data = rx->data;
    l->rx_data_size = buffer_count(rx->data_size) * NET_BUFFER_SIZE;
    l->tx_data = tx->data;
    l->tx_data_size = buffer_count(tx->data_size) * NET_BUFFER_SIZE;
    l->capacity = capacity;
    l->now_ns = now_ns;
    l->clock_ctx = clock_ctx;

    /* A first start has published nothing yet. After a restart the rings
     * already hold our buffers: rx buffers are all with the virtualiser (we
     * never keep one), and tx buffers still queued come back on the free
     * ring. tx buffers the old instance held are taken back below. */
    bool restart = l->rx.free.local != 0 || l->tx.active.local != 0;
    size_t rx_n = l->rx_data_size / NET_BUFFER_SIZE;
    if (!restart) {
        for (size_t i = 0; i < rx_n && i < capacity; i++) {
            if (net_enqueue_free(&l->rx, (uint64_t)i * NET_BUFFER_SIZE, 0) != DDF_RING_OK) {
                break;
            }
        }
        l->notify_rx = true;
    }
    size_t tx_n = l->tx_data_size / NET_BUFFER_SIZE;
    for (size_t i = tx_n; i-- > 0;) {
        l->tx_owned[i] = true;
    }
    if (restart) {
        reclaim_tx(l, tx_n);
    }
    for (size_t i = tx_n; i-- > 0;) {
        if (l->tx_owned[i]) {
            l->tx_free[l->tx_free_count++] = (uint64_t)i * NET_BUFFER_SIZE;
        }
    }
    return 0;
}

static void collect_tx(net_link_t *l);

/* Called from inside lwIP: may collect returned buffers but must never feed
 * received frames to the stack (that would re-enter lwIP). */
static uint8_t *link_tx_buffer(void *ctx, size_t len)
{
    net_link_t *l = ctx;
    if (len > NET_BUFFER_SIZE || l->corrupt) {
        return NULL;
    }
    if (l->tx_free_count == 0) {
        /* Ask to be told when buffers come back, then re-check. */
        ddf_ring_request_signal(&l->tx.free);
        collect_tx(l);
        if (l->tx_free_count == 0) {
            return NULL;
        }
        ddf_ring_cancel_signal(&l->tx.free);
    }
    if (ddf_ring_full(&l->tx.active)) {
        return NULL;
    }
    uint64_t off = l->tx_free[--l->tx_free_count];
    l->tx_owned[off / NET_BUFFER_SIZE] = false;
    l->tx_reserved = true;
    l->tx_reserved_offset = off;
    return l->tx_data + off;
}

static void link_tx_commit(void *ctx, size_t len)
{
    net_link_t *l = ctx;
    if (!l->tx_reserved) {
        return;
    }
    l->tx_reserved = false;
    uint64_t off = l->tx_reserved_offset;
    if (len == 0 || net_enqueue_active(&l->tx, off, (uint16_t)len) != DDF_RING_OK) {
        /* Nothing to send (or no room, which tx_buffer checked): keep it. */
        l->tx_owned[off / NET_BUFFER_SIZE] = true;
        l->tx_free[l->tx_free_count++] = off;
        return;
    }
    l->notify_tx = true;
}

static uint64_t link_now(void *ctx)
{
    net_link_t *l = ctx;
    return l->now_ns(l->clock_ctx);
}

net_link_ops_t net_link_ops(net_link_t *l)
{
    return (net_link_ops_t){
        .ctx = l,
        .tx_buffer = link_tx_buffer,
        .tx_commit = link_tx_commit,
        .now_ns = link_now,
    };
}

static void collect_tx(net_link_t *l)
{
    net_buff_desc_t d;
    ddf_ring_err_t err;
    while ((err = net_dequeue_free(&l->tx, &d)) == DDF_RING_OK) {
        uint64_t off = d.offset;
        if (!net_desc_valid(&d, l->tx_data_size) || l->tx_owned[off / NET_BUFFER_SIZE] ||
            l->tx_free_count >= NET_LINK_MAX_BUFFERS) {
            l->bad_descriptors++; /* not ours, or returned twice */
            continue;
        }
        l->tx_owned[off / NET_BUFFER_SIZE] = true;
        l->tx_free[l->tx_free_count++] = off;
    }
    if (err == DDF_RING_CORRUPT) {
        l->corrupt = true;
    }
}

size_t net_link_process(net_link_t *l)
{
    size_t frames = 0;
    net_buff_desc_t d;
    ddf_ring_err_t err;
    collect_tx(l);
    while ((err = net_dequeue_active(&l->rx, &d)) == DDF_RING_OK) {
        if (!net_desc_valid(&d, l->rx_data_size)) {
            /* An offset we never gave out: it names nothing of ours, so
             * there is nothing to give back. */
            l->bad_descriptors++;
            continue;
        }
        net_stack_input(l->rx_data + d.offset, d.len);
        frames++;
        if (net_enqueue_free(&l->rx, d.offset, 0) == DDF_RING_OK) {
            l->notify_rx = true;
        }
    }
    if (err == DDF_RING_CORRUPT) {
        l->corrupt = true;
    }
    return frames;
}

bool net_link_finish(net_link_t *l, bool *notify_rx, bool *notify_tx)
{
    /* The signalling rule (ddf/net.h): notify only when the virtualiser
     * asked. It waits on our transmit active ring, so a frame we queued is
     * announced; it never waits for receive buffers, so those are not. */
    *notify_rx = net_free_should_notify(&l->rx);
    *notify_tx = net_active_should_notify(&l->tx);
    l->notify_rx = false;
    l->notify_tx = false;
    /* Sleep only with a signal requested on the rx active ring, and only if
     * it is still empty after the request. */
    ddf_ring_request_signal(&l->rx.active);
    if (!ddf_ring_empty(&l->rx.active)) {
        ddf_ring_cancel_signal(&l->rx.active);
        return true;
    }
    return false;
}
