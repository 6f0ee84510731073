/*
 * The client end of the ddf/net.h queues (see net_link.h).
 *
 * Every received frame's buffers are lent to lwIP (net_stack_input_lent),
 * which reads the data in place and gives each buffer back, onto the rx free
 * ring, when it frees it: after the reader has taken the bytes, or at once
 * for a small frame it copied. A restart takes back what the dead instance
 * held (reclaim_rx). Never: read a descriptor field twice, or trust an offset
 * the virtualiser returns.
 */
#include "system/net/net_link.h"

/* The offloads we accept on receive: merged segments and the device's
 * checksum flags (net_stack_input_frame). Published again at every batch,
 * since the virtualiser may initialise the rings after we start. */
#define NET_LINK_RX_OFFLOADS (NET_OFFLOAD_RX_CSUM | NET_OFFLOAD_RX_GSO)

static size_t buffer_count(size_t data_size)
{
    size_t n = data_size / NET_BUFFER_SIZE;
    return n > NET_LINK_MAX_BUFFERS ? NET_LINK_MAX_BUFFERS : n;
}

/* The slots [*head, *tail) of ring `r` that name something: what its
 * producer has published and its consumer not yet taken. The peer's index
 * is read once, here; false if the indices are broken. */
static bool ring_span(const net_link_t *l, const ddf_ring_t *r, uint32_t *head, uint32_t *tail)
{
    *head = r->producer ? __atomic_load_n(&r->shared->head, __ATOMIC_ACQUIRE) : r->local;
    *tail = r->producer ? r->local : __atomic_load_n(&r->shared->tail, __ATOMIC_ACQUIRE);
    return *tail - *head <= l->capacity;
}

/* Sets flags[b] = value for every buffer b < count that ring `r` (slots
 * `slots`) names (ring_span). */
static void mark_ring(const net_link_t *l, const ddf_ring_t *r, const net_buff_desc_t *slots, bool *flags,
                      size_t count, bool value)
{
    uint32_t head, tail;
    if (!ring_span(l, r, &head, &tail)) {
        return;
    }
    for (uint32_t i = head; i != tail; i++) {
        uint64_t off = slots[i & (l->capacity - 1)].offset; /* read once */
        if (off % NET_BUFFER_SIZE == 0 && off / NET_BUFFER_SIZE < count) {
            flags[off / NET_BUFFER_SIZE] = value;
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
static void reclaim_tx(net_link_t *l, size_t count)
{
    mark_ring(l, &l->tx.active, l->tx.active_slots, l->tx_owned, count, false);
    mark_ring(l, &l->tx.free, l->tx.free_slots, l->tx_owned, count, false);
}

/*
 * After a restart lwIP's heap is new: frames the dead instance sent in place
 * and the virtualiser has not taken yet would go out with whatever the new
 * instance writes there. Their heap descriptors are emptied, so the
 * virtualiser drops them (a segment's length no longer matches its IPv4
 * header). The virtualiser does not run meanwhile (it outranks us on one
 * CPU), so it reads each descriptor before or after this, never during.
 */
static void disarm_in_place(net_link_t *l)
{
    uint32_t head, tail;
    if (!ring_span(l, &l->tx.active, &head, &tail)) {
        return;
    }
    for (uint32_t i = head; i != tail; i++) {
        net_buff_desc_t *d = &l->tx.active_slots[i & (l->capacity - 1)];
        if (d->offset >= l->tx_heap_offset) {
            d->len = 0;
        }
    }
}

/*
 * After a restart the rx buffers the old instance had lent to lwIP are
 * nobody's: every buffer the rings do not name is put back on the free ring.
 * Named are those waiting on the free ring for the virtualiser and those it
 * returned on the active ring that we have not read. The virtualiser's
 * consumer index (free ring) is read before its producer index (active
 * ring): a frame it delivers in between is then seen in both places, never
 * in neither (it holds no buffer of ours between its events, and outranks
 * us, so none is in its hands now).
 */
static void reclaim_rx(net_link_t *l, size_t count)
{
    static bool named[NET_LINK_MAX_BUFFERS];
    for (size_t i = 0; i < count; i++) {
        named[i] = false;
    }
    mark_ring(l, &l->rx.free, l->rx.free_slots, named, count, true);
    mark_ring(l, &l->rx.active, l->rx.active_slots, named, count, true);
    for (size_t i = 0; i < count; i++) {
        if (!named[i] && net_enqueue_free(&l->rx, (uint64_t)i * NET_BUFFER_SIZE, 0) == DDF_RING_OK) {
            l->rx_reclaimed++;
            l->notify_rx = true;
        }
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
    /* lwIP's heap goes at the tail of the tx region when it fits beside
     * enough buffers for a copied frame. */
    l->tx_region_size = tx->data_size - tx->data_size % NET_BUFFER_SIZE;
    l->tx_heap_offset = l->tx_region_size;
    if (l->tx_region_size >= NET_STACK_HEAP_BYTES + (uint64_t)NET_LINK_MIN_TX_BUFFERS * NET_BUFFER_SIZE) {
        l->tx_heap_offset = (l->tx_region_size - NET_STACK_HEAP_BYTES) / NET_BUFFER_SIZE * NET_BUFFER_SIZE;
    }
    l->tx_data_size = buffer_count(l->tx_heap_offset) * NET_BUFFER_SIZE;
    l->capacity = capacity;
    l->now_ns = now_ns;
    l->clock_ctx = clock_ctx;
    net_set_rx_offloads(&l->rx, NET_LINK_RX_OFFLOADS);

    /* A first start has published nothing yet. After a restart the rings
     * already hold our buffers: those the old instance held are taken back
     * (rx here, tx below); tx buffers still queued come back on the free
     * ring. Only the first `capacity` rx buffers are ever used, so that the
     * free ring always has room for every one. */
    bool restart = l->rx.free.local != 0 || l->tx.active.local != 0;
    size_t rx_n = l->rx_data_size / NET_BUFFER_SIZE;
    rx_n = rx_n < capacity ? rx_n : capacity;
    l->rx_data_size = rx_n * NET_BUFFER_SIZE;
    if (restart) {
        reclaim_rx(l, rx_n);
    } else {
        for (size_t i = 0; i < rx_n; i++) {
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
        disarm_in_place(l);
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
static size_t link_tx_reserve(void *ctx, size_t len, uint8_t *buf[NET_MAX_CHAIN])
{
    net_link_t *l = ctx;
    size_t n = NET_BUFFERS_FOR(len);
    if (n == 0 || n > NET_MAX_CHAIN || l->corrupt || l->tx_reserved_count != 0) {
        return 0;
    }
    if (l->tx_free_count < n) {
        /* Ask to be told when buffers come back, then re-check. */
        ddf_ring_request_signal(&l->tx.free);
        collect_tx(l);
        if (l->tx_free_count < n) {
            return 0;
        }
        ddf_ring_cancel_signal(&l->tx.free);
    }
    if (ddf_ring_reserve_n(&l->tx.active, (uint32_t)n) != DDF_RING_OK) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t off = l->tx_free[--l->tx_free_count];
        l->tx_owned[off / NET_BUFFER_SIZE] = false;
        l->tx_reserved[i] = off;
        buf[i] = l->tx_data + off;
    }
    l->tx_reserved_count = n;
    return n;
}

static void link_tx_commit(void *ctx, size_t len, const net_buff_desc_t *meta)
{
    net_link_t *l = ctx;
    size_t n = l->tx_reserved_count;
    size_t used = NET_BUFFERS_FOR(len);
    l->tx_reserved_count = 0;
    net_buff_desc_t d[NET_MAX_CHAIN];
    if (used <= n && used > 0) {
        for (size_t i = 0; i < used; i++) {
            size_t rest = len - i * NET_BUFFER_SIZE;
            d[i] = (net_buff_desc_t){.offset = l->tx_reserved[i],
                                     .len = (uint16_t)(rest < NET_BUFFER_SIZE ? rest : NET_BUFFER_SIZE)};
        }
        if (meta != NULL) {
            d[0].flags = meta->flags & (NET_DESC_KNOWN_FLAGS & ~NET_DESC_MORE);
            d[0].csum_start = meta->csum_start;
            d[0].csum_offset = meta->csum_offset;
            d[0].gso_size = meta->gso_size;
        }
        if (net_enqueue_chain(&l->tx, d, (uint32_t)used) == DDF_RING_OK) {
            l->notify_tx = true;
        } else {
            used = 0; /* no room after all (tx_reserve checked): keep them */
        }
    } else {
        used = 0;
    }
    /* Buffers reserved but not sent are ours again. */
    for (size_t i = used; i < n; i++) {
        uint64_t off = l->tx_reserved[i];
        l->tx_owned[off / NET_BUFFER_SIZE] = true;
        l->tx_free[l->tx_free_count++] = off;
    }
}

/*
 * The headers in the buffer tx_reserve gave, then the heap pieces, each cut
 * where a NET_BUFFER_SIZE block of the region ends (a descriptor names bytes
 * of one buffer). The frame is remembered behind its header buffer, the
 * first descriptor, which comes back once the virtualiser is done with all
 * of them (ddf/net.h).
 */
static net_tx_result_t link_tx_commit_in_place(void *ctx, size_t len, const net_buff_desc_t *meta,
                                               const net_piece_t *piece, size_t n, void *token)
{
    net_link_t *l = ctx;
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t k = 0;
    net_tx_result_t result = NET_TX_UNFIT;
    if (l->tx_reserved_count != 1 || len == 0 || len > NET_BUFFER_SIZE || meta == NULL) {
        goto refuse;
    }
    d[k++] = (net_buff_desc_t){.offset = l->tx_reserved[0],
                               .len = (uint16_t)len,
                               .flags = (uint16_t)(meta->flags & (NET_DESC_KNOWN_FLAGS & ~NET_DESC_MORE)),
                               .csum_start = meta->csum_start,
                               .csum_offset = meta->csum_offset,
                               .gso_size = meta->gso_size};
    for (size_t i = 0; i < n; i++) {
        uintptr_t base = (uintptr_t)l->tx_data, at = (uintptr_t)piece[i].bytes;
        uint64_t off = at - base;
        size_t rest = piece[i].len;
        if (at < base || off < l->tx_heap_offset || off > l->tx_region_size || l->tx_region_size - off < rest) {
            goto refuse;
        }
        while (rest > 0) {
            size_t room = NET_BUFFER_SIZE - off % NET_BUFFER_SIZE, take = rest < room ? rest : room;
            if (k == NET_MAX_CHAIN) {
                goto refuse;
            }
            d[k++] = (net_buff_desc_t){.offset = off, .len = (uint16_t)take};
            off += take;
            rest -= take;
        }
    }
    if (net_enqueue_chain(&l->tx, d, k) != DDF_RING_OK) {
        result = NET_TX_NO_ROOM;
        goto refuse;
    }
    l->tx_token[l->tx_reserved[0] / NET_BUFFER_SIZE] = token;
    l->tx_reserved_count = 0;
    l->notify_tx = true;
    return NET_TX_SENT;
refuse:
    link_tx_commit(l, 0, NULL); /* the header buffer is ours again */
    return result;
}

static uint32_t link_tx_offloads(void *ctx)
{
    net_link_t *l = ctx;
    return net_tx_offloads(&l->tx);
}

static uint64_t link_now(void *ctx)
{
    net_link_t *l = ctx;
    return l->now_ns(l->clock_ctx);
}

/* lwIP is done with a lent buffer: back to the virtualiser, unannounced
 * (nobody waits on our rx free ring). The free ring has a slot for every
 * buffer (net_link_init), so the enqueue fails only if the virtualiser broke
 * the ring. */
static void link_rx_release(void *ctx, uint32_t buffer)
{
    net_link_t *l = ctx;
    if (buffer >= NET_LINK_MAX_BUFFERS || !l->rx_lent[buffer]) {
        return;
    }
    l->rx_lent[buffer] = false;
    l->rx_lent_count--;
    if (net_enqueue_free(&l->rx, (uint64_t)buffer * NET_BUFFER_SIZE, 0) == DDF_RING_OK) {
        l->notify_rx = true;
    } else {
        l->corrupt = true;
    }
}

net_link_ops_t net_link_ops(net_link_t *l)
{
    return (net_link_ops_t){
        .ctx = l,
        .tx_reserve = link_tx_reserve,
        .tx_commit = link_tx_commit,
        .tx_offloads = link_tx_offloads,
        .now_ns = link_now,
        .rx_release = link_rx_release,
        .tx_heap = l->tx_heap_offset < l->tx_region_size ? l->tx_data + l->tx_heap_offset : NULL,
        .tx_heap_size = (size_t)(l->tx_region_size - l->tx_heap_offset),
        .tx_commit_in_place = link_tx_commit_in_place,
    };
}

static void collect_tx(net_link_t *l)
{
    net_buff_desc_t d;
    ddf_ring_err_t err;
    while ((err = net_dequeue_free(&l->tx, &d)) == DDF_RING_OK) {
        uint64_t off = d.offset;
        if (off >= l->tx_heap_offset && off < l->tx_region_size) {
            l->tx_heap_returned++; /* heap bytes: the frame is done with at its header */
            continue;
        }
        if (!net_desc_valid(&d, l->tx_data_size) || l->tx_owned[off / NET_BUFFER_SIZE] ||
            l->tx_free_count >= NET_LINK_MAX_BUFFERS) {
            l->bad_descriptors++; /* not ours, or returned twice */
            continue;
        }
        size_t b = off / NET_BUFFER_SIZE;
        l->tx_owned[b] = true;
        l->tx_free[l->tx_free_count++] = off;
        if (l->tx_token[b] != NULL) {
            void *token = l->tx_token[b];
            l->tx_token[b] = NULL;
            net_stack_tx_done(token);
        }
    }
    if (err == DDF_RING_CORRUPT) {
        l->corrupt = true;
    }
}

size_t net_link_process(net_link_t *l)
{
    size_t frames = 0;
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n;
    ddf_ring_err_t err;
    collect_tx(l);
    while ((err = net_dequeue_frame(&l->rx, d, &n)) == DDF_RING_OK || err == DDF_RING_INVALID) {
        uint8_t *piece[NET_MAX_CHAIN];
        size_t piece_len[NET_MAX_CHAIN];
        uint32_t buffer[NET_MAX_CHAIN];
        uint32_t mine = 0; /* buffers of ours, lent to nobody: piece[0..mine) */
        bool whole = err == DDF_RING_OK;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t b = (uint32_t)(d[i].offset / NET_BUFFER_SIZE);
            if (!net_desc_valid(&d[i], l->rx_data_size) || l->rx_lent[b]) {
                /* An offset we never gave out, or a buffer lwIP holds: it
                 * is not ours to give back, so nothing is. */
                l->bad_descriptors++;
                whole = false;
                continue;
            }
            l->rx_lent[b] = true;
            l->rx_lent_count++;
            piece[mine] = l->rx_data + d[i].offset;
            piece_len[mine] = d[i].len;
            buffer[mine++] = b;
        }
        if (!whole) {
            l->broken_frames += err == DDF_RING_INVALID;
            for (uint32_t i = 0; i < mine; i++) {
                link_rx_release(l, buffer[i]);
            }
            continue;
        }
        /* Once half our buffers wait for readers, the stack copies into
         * lwIP's pool instead, so that readers who fall behind never leave
         * the virtualiser without buffers (a shallow queue would otherwise
         * drop frames its window admitted). */
        bool may_keep = 2 * l->rx_lent_count <= l->rx_data_size / NET_BUFFER_SIZE;
        net_stack_input_lent(piece, piece_len, buffer, n, d[0].flags, may_keep);
        frames++;
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
    net_set_rx_offloads(&l->rx, NET_LINK_RX_OFFLOADS);
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
