/*
 * The network virtualiser (see net_virt.h for the model).
 *
 * Owns: the receive and transmit DMA buffer pools and which of them the
 * driver holds; the MAC and the parsed grant of each client.
 * Invariants:
 *   - a DMA buffer is either idle here or lent to the driver, never both, and
 *     one the driver returns is accepted only if it was lent (so a confused
 *     driver cannot make us hand out one buffer twice);
 *   - a client's buffer is touched only between taking its descriptor and
 *     returning it, and only after the descriptor was checked against that
 *     client's region;
 *   - a client's receive buffers held here (its spares) are at most
 *     NET_MAX_CHAIN and all checked; each client has at most one transmit
 *     frame taken and not yet returned (tx_pend), and its buffers go back to
 *     it as soon as the frame is sent or dropped;
 *   - a frame is published to a client or the driver whole (one chain) or
 *     not at all;
 *   - every byte of a frame's headers that a decision rests on is read from a
 *     private copy: the DMA copy on transmit (the client cannot reach it);
 *   - nothing here ever waits for a client.
 * Must never: copy more than a checked length, deliver a frame to a client
 * whose MAC it is not addressed to (broadcast and multicast excepted), or
 * send a granted client's frame its grant does not allow, nor any frame
 * needing an offload the driver has not offered.
 */
#include "system/virt/net_virt.h"

#include "ddf/net_frame.h"
#include "system/net/net_filter.h"

#include <string.h>

/* A loop, since protection domains have no memcmp. */
static bool mac_equal(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < NET_MAC_LEN; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

static bool request_signals(net_virt_t *v);
static void publish_offloads(net_virt_t *v);

/* Copies a client's grant out of its region once, then parses the copy: the
 * region could change under a parser reading it in place. One byte more than
 * the longest grant is copied, so an over-long one is seen as such. */
__attribute__((noinline)) static net_config_err_t parse_grant(const uint8_t *region, size_t size, net_config_t *out)
{
    char text[NET_CONFIG_MAX_TEXT + 1];
    size_t len = size < sizeof text ? size : sizeof text;
    memcpy(text, region, len);
    net_config_err_t err = net_config_parse(text, len, out, NULL);
    if (err == NET_CONFIG_OK && (out->mac[0] & 1u) != 0) {
        err = NET_CONFIG_BAD_VALUE; /* a client's own MAC must be unicast */
    }
    return err;
}

/* The ring capacity of a client's queues: the grant's queue= when it gives
 * one (both ends read it there), else the configuration's, else the default. */
static uint32_t client_capacity(const net_virt_client_cfg_t *c, const net_config_t *grant, bool grant_ok)
{
    if (grant_ok && grant->queue_capacity != 0) {
        return grant->queue_capacity;
    }
    return c->capacity != 0 ? c->capacity : NET_VIRT_DEFAULT_CAPACITY;
}

net_virt_err_t net_virt_init(net_virt_t *v, const net_virt_cfg_t *cfg)
{
    net_queue_t probe;
    if (v == NULL || cfg == NULL || cfg->client_count == 0 || cfg->client_count > NET_VIRT_MAX_CLIENTS ||
        cfg->rx_dma == NULL || cfg->tx_dma == NULL || cfg->rx_dma_size < NET_BUFFER_SIZE ||
        cfg->tx_dma_size < NET_BUFFER_SIZE ||
        net_attach(&probe, cfg->drv_rx_region, cfg->drv_rx_region_size, cfg->drv_capacity, false, false) !=
            DDF_RING_OK ||
        net_attach(&probe, cfg->drv_tx_region, cfg->drv_tx_region_size, cfg->drv_capacity, true, false) !=
            DDF_RING_OK) {
        return NET_VIRT_EINVAL;
    }
    /* One grant at a time (a PD's stack is small): here only for the ring
     * capacity; parsed again below into the client, from the same read-only
     * region, and a client whose second reading disagrees is disabled. */
    uint32_t capacity[NET_VIRT_MAX_CLIENTS];
    for (size_t i = 0; i < cfg->client_count; i++) {
        const net_virt_client_cfg_t *c = &cfg->clients[i];
        net_config_t grant = {0};
        bool grant_ok = c->grant != NULL && parse_grant(c->grant, c->grant_size, &grant) == NET_CONFIG_OK;
        capacity[i] = client_capacity(c, &grant, grant_ok);
        if (c->rx_data == NULL || c->tx_data == NULL ||
            net_attach(&probe, c->rx_region, c->rx_region_size, capacity[i], true, false) != DDF_RING_OK ||
            net_attach(&probe, c->tx_region, c->tx_region_size, capacity[i], false, false) != DDF_RING_OK ||
            (c->grant == NULL && (c->mac[0] & 1u) != 0)) {
            return NET_VIRT_EINVAL; /* a client's own MAC must be unicast */
        }
    }
    memset(v, 0, sizeof(*v));
    v->drv_capacity = cfg->drv_capacity;
    (void)net_attach(&v->drv_rx, cfg->drv_rx_region, cfg->drv_rx_region_size, cfg->drv_capacity, false, true);
    (void)net_attach(&v->drv_tx, cfg->drv_tx_region, cfg->drv_tx_region_size, cfg->drv_capacity, true, true);
    v->rx_dma = cfg->rx_dma;
    v->tx_dma = cfg->tx_dma;
    uint64_t rx = cfg->rx_dma_size / NET_BUFFER_SIZE, tx = cfg->tx_dma_size / NET_BUFFER_SIZE;
    v->rx_bufs = (uint32_t)(rx < NET_VIRT_MAX_BUFFERS ? rx : NET_VIRT_MAX_BUFFERS);
    v->tx_bufs = (uint32_t)(tx < NET_VIRT_MAX_BUFFERS ? tx : NET_VIRT_MAX_BUFFERS);
    for (uint32_t i = 0; i < v->rx_bufs; i++) {
        v->rx_idle[v->rx_idle_count++] = v->rx_bufs - 1 - i;
    }
    for (uint32_t i = 0; i < v->tx_bufs; i++) {
        v->tx_idle[v->tx_idle_count++] = v->tx_bufs - 1 - i;
    }
    v->client_count = cfg->client_count;
    v->now_ns = cfg->now_ns;
    v->clock_ctx = cfg->clock_ctx;
    for (size_t i = 0; i < cfg->client_count; i++) {
        const net_virt_client_cfg_t *cc = &cfg->clients[i];
        net_virt_client_t *c = &v->clients[i];
        (void)net_attach(&c->rx, cc->rx_region, cc->rx_region_size, capacity[i], true, true);
        (void)net_attach(&c->tx, cc->tx_region, cc->tx_region_size, capacity[i], false, true);
        c->capacity = capacity[i];
        c->rx_data = cc->rx_data;
        c->rx_data_size = cc->rx_data_size;
        c->tx_data = cc->tx_data;
        c->tx_data_size = cc->tx_data_size;
        if (cc->grant == NULL) {
            memcpy(c->mac, cc->mac, NET_MAC_LEN);
            continue;
        }
        c->filtered = true;
        c->grant_err = parse_grant(cc->grant, cc->grant_size, &c->grant);
        if (c->grant_err == NET_CONFIG_OK && client_capacity(cc, &c->grant, true) != capacity[i]) {
            c->grant_err = NET_CONFIG_BAD_VALUE; /* the region changed between readings */
        }
        if (c->grant_err != NET_CONFIG_OK) {
            c->disabled = true;
            continue;
        }
        memcpy(c->mac, c->grant.mac, NET_MAC_LEN);
        if (c->grant.dhcp) {
            c->grant.ip = 0; /* no lease yet */
            v->any_dhcp = true;
        }
    }
    /* From the start, clients and driver tell us when they produce. */
    publish_offloads(v);
    (void)request_signals(v);
    return NET_VIRT_OK;
}

static bool slot_used(const net_virt_slot_t *s)
{
    return s->rx != 0 || s->tx != 0 || s->rx_data != 0 || s->tx_data != 0;
}

static bool slot_whole(const net_virt_slot_t *s)
{
    return s->rx != 0 && s->tx != 0 && s->rx_data != 0 && s->tx_data != 0;
}

net_virt_slots_err_t net_virt_slots_config(const net_virt_slot_t slots[NET_VIRT_MAX_CLIENTS],
                                           const net_virt_slot_defaults_t *def, net_virt_cfg_t *cfg,
                                           size_t *bad_slot)
{
    size_t count = 0;
    for (size_t i = 0; i < NET_VIRT_MAX_CLIENTS; i++) {
        if (!slot_used(&slots[i])) {
            continue;
        }
        if (!slot_whole(&slots[i]) || i != count) {
            if (bad_slot != NULL) {
                *bad_slot = i;
            }
            return slot_whole(&slots[i]) ? NET_VIRT_SLOTS_GAP : NET_VIRT_SLOTS_PARTIAL;
        }
        count++;
    }
    if (count == 0) {
        return NET_VIRT_SLOTS_NONE;
    }
    for (size_t i = 0; i < count; i++) {
        const net_virt_slot_t *s = &slots[i];
        net_virt_client_cfg_t *c = &cfg->clients[i];
        memset(c, 0, sizeof *c);
        c->rx_region = (void *)s->rx;
        c->rx_region_size = s->rx_size != 0 ? s->rx_size : def->queue_size;
        c->tx_region = (void *)s->tx;
        c->tx_region_size = s->tx_size != 0 ? s->tx_size : def->queue_size;
        c->rx_data = (uint8_t *)s->rx_data;
        c->rx_data_size = s->rx_data_size != 0 ? s->rx_data_size : def->data_size;
        c->tx_data = (uint8_t *)s->tx_data;
        c->tx_data_size = s->tx_data_size != 0 ? s->tx_data_size : def->data_size;
        c->capacity = def->capacity;
        if (s->grant != 0) {
            c->grant = (const uint8_t *)s->grant;
            c->grant_size = s->grant_size != 0 ? s->grant_size : def->grant_size;
        }
        /* The raw-client fallback MAC: locally administered, one per slot. */
        static const uint8_t base[NET_MAC_LEN] = {0x52, 0x54, 0x00, 0x00, 0x00, 0xA1};
        memcpy(c->mac, base, NET_MAC_LEN);
        c->mac[5] = (uint8_t)(0xA1 + 0x11 * i);
    }
    cfg->client_count = count;
    return NET_VIRT_SLOTS_OK;
}

/* ------------------------------------------------------------ frames -- */

#define UDP_CSUM_OFFSET 6u
#define TCP_FLAG_RST 0x04u
#define IPV4_FRAGMENT_BITS 0x3FFFu /* MF and the fragment offset */
/* A checksum field never lies in the Ethernet or (shortest) IPv4 header. */
#define CSUM_START_MIN (NET_ETH_HDR_LEN + NET_IPV4_MIN_HEADER)

/* What the virtualiser does with a client's transmit frame it has taken. */
#define NET_VIRT_TX_IDLE 0   /* none taken */
#define NET_VIRT_TX_SEND 1   /* checked, waits for DMA buffers and driver ring slots */
#define NET_VIRT_TX_RETURN 2 /* sent or dropped: its buffers go back to the client */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The rules of ddf/net.h that a frame's descriptors alone decide (private
 * copies d[0..n-1], `total` bytes in all): known flags, a chain only with
 * GSO, GSO only with CSUM_PARTIAL, a gso_size and at most NET_MAX_GSO_FRAME
 * bytes, no empty piece after the first, the checksum field in the first
 * piece and past the Ethernet and IPv4 headers. */
static bool offload_meta_ok(const net_buff_desc_t *d, uint32_t n, uint32_t total)
{
    uint32_t flags = d[0].flags & ~NET_DESC_MORE;
    bool gso = (flags & NET_DESC_GSO_TCPV4) != 0, partial = (flags & NET_DESC_CSUM_PARTIAL) != 0;
    if ((flags & ~(uint32_t)NET_DESC_KNOWN_FLAGS) != 0 || (n > 1 && !gso) ||
        (gso && (!partial || d[0].gso_size == 0 || total > NET_MAX_GSO_FRAME))) {
        return false;
    }
    for (uint32_t j = 1; j < n; j++) {
        if (d[j].len == 0) {
            return false;
        }
    }
    return !partial ||
           (d[0].csum_start >= CSUM_START_MIN && (uint32_t)d[0].csum_start + d[0].csum_offset + 2 <= d[0].len);
}

/* ----------------------------------------------------------- receive -- */

/* Lends idle receive buffers to the driver while its free ring has room. */
/* A DHCP client's lease runs out at its ACK's lease time (net_filter.h),
 * counted from when we delivered the ACK; without a clock, never. */
static void lease_learned(const net_virt_t *v, net_virt_client_t *c)
{
    uint64_t s = c->dhcp.lease_seconds;
    c->lease_end_ns = UINT64_MAX;
    if (v->now_ns != NULL && s != NET_DHCP_FOREVER) {
        uint64_t now = v->now_ns(v->clock_ctx);
        uint64_t span = s * 1000000000ull; /* below 2^62: s < 2^32 */
        c->lease_end_ns = now <= UINT64_MAX - span ? now + span : UINT64_MAX;
    }
}

/* Before a leased DHCP client's frame is filtered: a lease whose time has
 * run out is withdrawn, so the client is back to DHCP from 0.0.0.0 until a
 * new ACK (RFC 2131: it must stop using the address). */
static void lease_check(const net_virt_t *v, net_virt_client_t *c)
{
    if (c->grant.dhcp && c->grant.ip != 0 && c->lease_end_ns != UINT64_MAX && v->now_ns != NULL &&
        v->now_ns(v->clock_ctx) >= c->lease_end_ns) {
        c->grant.ip = 0;
        c->leases_expired++;
    }
}

static void refill_driver_rx(net_virt_t *v)
{
    while (v->rx_idle_count > 0) {
        uint32_t b = v->rx_idle[v->rx_idle_count - 1];
        if (net_enqueue_free(&v->drv_rx, (uint64_t)b * NET_BUFFER_SIZE, 0) != DDF_RING_OK) {
            break;
        }
        v->rx_idle_count--;
        v->rx_at_driver[b] = true;
        v->notify_drv_rx = true;
    }
}

/* Makes sure client `c` has offered at least `k` good receive buffers,
 * taking them from its free ring into its spares. Descriptors naming memory
 * the client does not have are counted and forgotten. Nothing is taken
 * unless the ring holds enough: a client lends its buffers to its stack and
 * takes back, at a restart, every one the rings do not name, so we must not
 * hold any between events (spares outlive an event only if the client
 * offered bad descriptors). */
static bool take_rx_spares(net_virt_client_t *c, uint32_t k)
{
    ddf_ring_err_t count_err;
    uint32_t offered = ddf_ring_count(&c->rx.free, &count_err);
    if (count_err != DDF_RING_OK || c->rx_spare_count + offered < k) {
        c->broken = c->broken || count_err == DDF_RING_CORRUPT;
        return false;
    }
    while (c->rx_spare_count < k) {
        net_buff_desc_t d;
        ddf_ring_err_t err = net_dequeue_free(&c->rx, &d);
        if (err != DDF_RING_OK) {
            c->broken = c->broken || err == DDF_RING_CORRUPT;
            return false;
        }
        if (net_desc_valid(&d, c->rx_data_size)) {
            c->rx_spare[c->rx_spare_count++] = d.offset;
        } else {
            c->bad_descs++;
        }
    }
    return true;
}

/* Copies the frame in v->src[0..n-1] (`total` bytes) into the first `k`
 * spares of client `c`, NET_BUFFER_SIZE bytes each but the last, filling
 * v->dst and v->out. */
static void copy_to_client(net_virt_t *v, const net_virt_client_t *c, uint32_t n, uint32_t total, uint32_t k)
{
    uint32_t s = 0;
    size_t at = 0;
    for (uint32_t j = 0; j < k; j++) {
        uint8_t *dst = c->rx_data + c->rx_spare[j];
        size_t want = total - j * NET_BUFFER_SIZE;
        want = want < NET_BUFFER_SIZE ? want : NET_BUFFER_SIZE;
        size_t got = 0;
        while (got < want && s < n) {
            size_t chunk = v->src[s].len - at;
            chunk = chunk < want - got ? chunk : want - got;
            memcpy(dst + got, v->src[s].bytes + at, chunk);
            got += chunk;
            at += chunk;
            if (at == v->src[s].len) {
                s++;
                at = 0;
            }
        }
        v->dst[j] = (net_piece_t){dst, want};
        v->out[j] = (net_buff_desc_t){.offset = c->rx_spare[j], .len = (uint16_t)want};
    }
}

/* Delivers the checked frame in v->frame / v->src (n pieces, `total` bytes)
 * to client `i`: whole or not at all. */
static void deliver(net_virt_t *v, uint32_t i, uint32_t n, uint32_t total)
{
    net_virt_client_t *c = &v->clients[i];
    const net_buff_desc_t *meta = &v->frame[0];
    if (c->disabled) {
        return;
    }
    if (c->broken) {
        c->rx_dropped++;
        return;
    }
    uint32_t offloads = net_rx_offloads(&c->rx);
    uint32_t flags = meta->flags & (NET_DESC_CSUM_PARTIAL | NET_DESC_CSUM_VALID | NET_DESC_GSO_TCPV4);
    const uint32_t gso_needs = NET_OFFLOAD_RX_GSO | NET_OFFLOAD_RX_CSUM;
    if ((flags & NET_DESC_GSO_TCPV4) != 0 && (offloads & gso_needs) != gso_needs) {
        c->rx_gso_refused++;
        return;
    }
    uint32_t k = NET_BUFFERS_FOR(total);
    /* A full active ring means the client has stopped reading: drop, don't wait. */
    ddf_ring_err_t err = ddf_ring_reserve_n(&c->rx.active, k);
    if (err != DDF_RING_OK || !take_rx_spares(c, k)) {
        c->broken = c->broken || err == DDF_RING_CORRUPT;
        c->rx_dropped++;
        return;
    }
    copy_to_client(v, c, n, total, k);
    if ((offloads & NET_OFFLOAD_RX_CSUM) == 0) {
        /* The field lies in the first piece (offload_meta_ok), which the
         * client's copy only makes longer, so this cannot fail. */
        if ((flags & NET_DESC_CSUM_PARTIAL) != 0 &&
            net_csum_complete(v->dst, k, meta->csum_start, meta->csum_offset)) {
            c->rx_csum_completed++;
        }
        flags &= ~(uint32_t)(NET_DESC_CSUM_PARTIAL | NET_DESC_CSUM_VALID);
    }
    v->out[0].flags = (uint16_t)flags;
    if ((flags & NET_DESC_CSUM_PARTIAL) != 0) {
        v->out[0].csum_start = meta->csum_start;
        v->out[0].csum_offset = meta->csum_offset;
    }
    if ((flags & NET_DESC_GSO_TCPV4) != 0) {
        v->out[0].gso_size = meta->gso_size;
    }
    if (n == 1 && c->filtered && c->grant.dhcp &&
        net_dhcp_snoop_rx(&c->dhcp, &c->grant, v->src[0].bytes, total) == NET_DHCP_ACK) {
        lease_learned(v, c);
    }
    if (net_enqueue_chain(&c->rx, v->out, k) != DDF_RING_OK) {
        c->broken = true; /* room was there a moment ago: the client moved our index */
        return;
    }
    c->rx_spare_count -= k;
    for (uint32_t j = 0; j < c->rx_spare_count; j++) { /* oldest first; PDs have no memmove */
        c->rx_spare[j] = c->rx_spare[j + k];
    }
    c->rx_frames++;
    c->rx_gso_frames += (flags & NET_DESC_GSO_TCPV4) != 0;
    v->notify_clients_rx |= 1u << i;
}

/* A cheap look at the shared buffer: IPv4, UDP, destination port 68 (with
 * the shortest header; options only make it a full parse of the copy). The
 * decision that matters is made on the private copy. */
static bool may_be_dhcp_reply(const uint8_t *frame, size_t len)
{
    if (len < 14 + 20 + 8 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 17) {
        return false;
    }
    size_t at = 14 + (size_t)(frame[14] & 0x0F) * 4 + 2;
    return at + 2 <= len && frame[at] == 0 && frame[at + 1] == 68;
}

/* A whole frame from the driver, its buffers taken back: checked, then
 * delivered to the clients it is addressed to. */
static void demux_frame(net_virt_t *v, uint32_t n, uint32_t total)
{
    const net_buff_desc_t *first = &v->frame[0];
    if (first->len < NET_MIN_FRAME) {
        v->bad_driver_descs++;
        return;
    }
    bool gso = (first->flags & NET_DESC_GSO_TCPV4) != 0;
    if (!offload_meta_ok(v->frame, n, total) ||
        (gso && net_frame_tcp_headers_len(v->src[0].bytes, first->len) == 0)) {
        v->rx_bad_offload++;
        return;
    }
    if (n == 1 && v->any_dhcp && may_be_dhcp_reply(v->src[0].bytes, first->len)) {
        /* The lease is learned from what the client receives: both come
         * from one private copy the driver cannot change. */
        memcpy(v->snoop_copy, v->src[0].bytes, first->len);
        v->src[0].bytes = v->snoop_copy;
    }
    const uint8_t *head = v->src[0].bytes;
    bool to_all = (head[0] & 1u) != 0; /* broadcast or multicast */
    if (to_all && gso) {
        v->rx_gso_to_all++;
        return;
    }
    bool owned = false;
    for (uint32_t i = 0; i < v->client_count; i++) {
        if (!v->clients[i].disabled && (to_all || mac_equal(head, v->clients[i].mac))) {
            deliver(v, i, n, total);
            owned = true;
        }
    }
    if (!owned) {
        v->rx_no_owner++;
    }
}

static void demux_rx(net_virt_t *v)
{
    const uint64_t region = (uint64_t)v->rx_bufs * NET_BUFFER_SIZE;
    uint32_t taken[NET_MAX_CHAIN];
    for (;;) {
        uint32_t n = 0;
        ddf_ring_err_t err = net_dequeue_frame(&v->drv_rx, v->frame, &n);
        if (n == 0) {
            return; /* empty, or a ring that lies (then it stays so) */
        }
        bool whole = err == DDF_RING_OK;
        if (!whole) {
            v->rx_broken_chains++;
        }
        /* Each piece must name bytes inside one buffer we lent; each such
         * buffer comes back here, whatever becomes of the frame. */
        uint32_t count = 0, total = 0;
        for (uint32_t j = 0; j < n; j++) {
            const net_buff_desc_t *d = &v->frame[j];
            uint64_t b = net_desc_buffer(d) / NET_BUFFER_SIZE;
            if (!net_desc_bytes_valid(d, region) || !v->rx_at_driver[b]) {
                v->bad_driver_descs++;
                whole = false;
                continue;
            }
            v->rx_at_driver[b] = false;
            taken[count++] = (uint32_t)b;
            v->src[j] = (net_piece_t){v->rx_dma + d->offset, d->len};
            total += d->len;
        }
        if (whole) {
            demux_frame(v, n, total);
        }
        for (uint32_t j = 0; j < count; j++) {
            v->rx_idle[v->rx_idle_count++] = taken[j];
        }
    }
}

/* ---------------------------------------------------------- transmit -- */

/* Takes back transmit buffers the driver has sent. */
static void reclaim_tx(net_virt_t *v)
{
    net_buff_desc_t d;
    while (net_dequeue_free(&v->drv_tx, &d) == DDF_RING_OK) {
        uint64_t b = d.offset / NET_BUFFER_SIZE;
        if (d.offset % NET_BUFFER_SIZE != 0 || b >= v->tx_bufs || !v->tx_at_driver[b]) {
            v->bad_driver_descs++;
            continue;
        }
        v->tx_at_driver[b] = false;
        v->tx_idle[v->tx_idle_count++] = (uint32_t)b;
    }
}

/* Checks client `c`'s taken frame on its descriptors alone; true when it may
 * be sent. A refusal is counted. */
static bool tx_descs_ok(const net_virt_t *v, net_virt_client_t *c)
{
    const net_buff_desc_t *d = c->tx_pend;
    uint32_t n = c->tx_pend_count, total = 0;
    bool mine = true;
    for (uint32_t j = 0; j < n; j++) {
        if (net_desc_bytes_valid(&d[j], c->tx_data_size)) {
            total += d[j].len;
        } else {
            c->bad_descs++; /* not its memory: nothing to send, nothing to give back */
            mine = false;
        }
    }
    if (!mine) {
        return false;
    }
    if (!offload_meta_ok(d, n, total)) {
        c->tx_bad_offload++;
        return false;
    }
    bool gso = (d[0].flags & NET_DESC_GSO_TCPV4) != 0, partial = (d[0].flags & NET_DESC_CSUM_PARTIAL) != 0;
    if (d[0].len < NET_MIN_FRAME || (!gso && total > NET_MAX_FRAME)) {
        c->bad_descs++;
        return false;
    }
    uint32_t needs = (partial ? NET_OFFLOAD_TX_CSUM : 0u) | (gso ? NET_OFFLOAD_TX_TSO4 : 0u);
    /* A chain longer than the driver's ring or our DMA pool would wait for
     * room forever, and the client's queue behind it. */
    if ((v->drv_tx_offloads & needs) != needs || n > v->drv_capacity || n > v->tx_bufs) {
        c->tx_offload_refused++;
        return false;
    }
    return true;
}

/* Takes the next frame of client `c` into its pending slot; false when it
 * has none. A frame that may not be sent goes straight to being returned. */
static bool take_tx_frame(const net_virt_t *v, net_virt_client_t *c)
{
    uint32_t n = 0;
    ddf_ring_err_t err = net_dequeue_frame(&c->tx, c->tx_pend, &n);
    if (n == 0) {
        c->broken = err == DDF_RING_CORRUPT;
        return false;
    }
    c->tx_pend_count = n;
    c->tx_pend_returned = 0;
    c->tx_pend_state = NET_VIRT_TX_RETURN;
    if (err != DDF_RING_OK) {
        c->tx_broken_chains++;
        c->broken = err == DDF_RING_CORRUPT;
    } else if (tx_descs_ok(v, c)) {
        c->tx_pend_state = NET_VIRT_TX_SEND;
    }
    return true;
}

/* Room at the driver for a frame of `n` pieces. */
static bool driver_has_room(const net_virt_t *v, uint32_t n)
{
    return v->tx_idle_count >= n && ddf_ring_reserve_n(&v->drv_tx.active, n) == DDF_RING_OK;
}

/* The checks that need the frame's bytes, on the private copy `f` (its first
 * piece, len0 bytes, of a frame of `total`): a GSO frame is one TCP/IPv4
 * segment, unfragmented, no reset, whose IPv4 length is the whole frame's and
 * whose checksum field is the TCP one; a granted client's CSUM_PARTIAL frame
 * has the field where the TCP or UDP checksum is, so the device's write
 * cannot change the ports the filter checks. */
static bool tx_offload_bytes_ok(const net_virt_client_t *c, const net_buff_desc_t *m, const uint8_t *f,
                                size_t len0, uint32_t total)
{
    if ((m->flags & NET_DESC_GSO_TCPV4) != 0) {
        if (net_frame_tcp_headers_len(f, len0) == 0) {
            return false;
        }
        size_t ihl = net_frame_ipv4_header_len(f, len0);
        const uint8_t *ip = f + NET_ETH_HDR_LEN;
        return (be16(ip + 6) & IPV4_FRAGMENT_BITS) == 0 && be16(ip + 2) == total - NET_ETH_HDR_LEN &&
               (ip[ihl + 13] & TCP_FLAG_RST) == 0 && m->csum_start == NET_ETH_HDR_LEN + ihl &&
               m->csum_offset == NET_TCP_CSUM_OFFSET;
    }
    if ((m->flags & NET_DESC_CSUM_PARTIAL) == 0 || !c->filtered) {
        return true;
    }
    size_t ihl = net_frame_ipv4_header_len(f, len0);
    if (ihl == 0 || (be16(f + NET_ETH_HDR_LEN + 6) & IPV4_FRAGMENT_BITS) != 0) {
        return false;
    }
    uint8_t proto = f[NET_ETH_HDR_LEN + 9];
    size_t field = proto == NET_IP_PROTO_TCP   ? NET_TCP_CSUM_OFFSET
                   : proto == NET_IP_PROTO_UDP ? UDP_CSUM_OFFSET
                                               : 0;
    return field != 0 && m->csum_start == NET_ETH_HDR_LEN + ihl && m->csum_offset == field;
}

/* The grant's filter on a private copy of the headers. A GSO frame's IPv4
 * length is that of the whole frame; the filter is shown the headers alone,
 * with the length made theirs. */
static bool tx_filter_passes(net_virt_t *v, const net_virt_client_t *c, const uint8_t *f, size_t len0, bool gso)
{
    if (!c->filtered) {
        return true;
    }
    if (!gso) {
        return net_filter_tx(&c->grant, f, len0) == NET_FILTER_PASS;
    }
    size_t hlen = net_frame_tcp_headers_len(f, len0);
    if (hlen == 0 || hlen > sizeof v->hdr_copy) {
        return false;
    }
    memcpy(v->hdr_copy, f, hlen);
    v->hdr_copy[NET_ETH_HDR_LEN + 2] = (uint8_t)((hlen - NET_ETH_HDR_LEN) >> 8);
    v->hdr_copy[NET_ETH_HDR_LEN + 3] = (uint8_t)(hlen - NET_ETH_HDR_LEN);
    return net_filter_tx(&c->grant, v->hdr_copy, hlen) == NET_FILTER_PASS;
}

/* Copies client `c`'s checked frame into DMA buffers (room checked), forces
 * its source MAC, checks the copy, and hands it to the driver or drops it.
 * The copy fills each DMA buffer before taking the next, so a frame sent in
 * pieces (a header buffer, then data from wherever the client keeps it)
 * takes no more buffers and device descriptors than its length needs. */
static void send_frame(net_virt_t *v, net_virt_client_t *c)
{
    const net_buff_desc_t *d = c->tx_pend;
    uint32_t n = c->tx_pend_count, m = 0, total = 0;
    size_t room = 0;
    for (uint32_t j = 0; j < n; j++) {
        const uint8_t *src = c->tx_data + d[j].offset;
        size_t left = d[j].len;
        while (left > 0) {
            if (room == 0) {
                v->out[m++] = (net_buff_desc_t){.offset = (uint64_t)v->tx_idle[--v->tx_idle_count] * NET_BUFFER_SIZE};
                room = NET_BUFFER_SIZE;
            }
            net_buff_desc_t *o = &v->out[m - 1];
            size_t take = left < room ? left : room;
            memcpy(v->tx_dma + o->offset + o->len, src, take);
            o->len = (uint16_t)(o->len + take);
            src += take;
            left -= take;
            room -= take;
        }
        total += d[j].len;
    }
    n = m; /* the DMA buffers from here on */
    uint8_t *first = v->tx_dma + v->out[0].offset;
    memcpy(first + NET_MAC_LEN, c->mac, NET_MAC_LEN);
    bool gso = (d[0].flags & NET_DESC_GSO_TCPV4) != 0;
    /* Checked on our copy, which the client cannot change any more. */
    bool ok = tx_offload_bytes_ok(c, &d[0], first, d[0].len, total);
    lease_check(v, c);
    if (!ok) {
        c->tx_bad_offload++;
    } else if (!tx_filter_passes(v, c, first, d[0].len, gso)) {
        c->tx_filtered++;
        ok = false;
    }
    if (!ok) {
        for (uint32_t j = 0; j < n; j++) {
            v->tx_idle[v->tx_idle_count++] = (uint32_t)(v->out[j].offset / NET_BUFFER_SIZE);
        }
        return;
    }
    if (c->tx_pend_count == 1 && c->filtered && c->grant.dhcp) {
        net_dhcp_snoop_tx(&c->dhcp, &c->grant, first, d[0].len);
    }
    /* CSUM_VALID means nothing on transmit and is not passed on. */
    v->out[0].flags = (uint16_t)(d[0].flags & (NET_DESC_CSUM_PARTIAL | NET_DESC_GSO_TCPV4));
    if ((d[0].flags & NET_DESC_CSUM_PARTIAL) != 0) {
        v->out[0].csum_start = d[0].csum_start;
        v->out[0].csum_offset = d[0].csum_offset;
    }
    if (gso) {
        v->out[0].gso_size = d[0].gso_size;
    }
    (void)net_enqueue_chain(&v->drv_tx, v->out, n); /* room checked (driver_has_room) */
    for (uint32_t j = 0; j < n; j++) {
        v->tx_at_driver[v->out[j].offset / NET_BUFFER_SIZE] = true;
    }
    v->notify_drv_tx = true;
    c->tx_frames++;
    c->tx_gso_frames += gso;
}

/* Gives client `i` back the buffers of its finished frame (those in its
 * region); true if any went back. A full free ring keeps the rest for later. */
static bool return_tx_buffers(net_virt_t *v, uint32_t i)
{
    net_virt_client_t *c = &v->clients[i];
    bool any = false;
    while (c->tx_pend_returned < c->tx_pend_count) {
        const net_buff_desc_t *d = &c->tx_pend[c->tx_pend_returned];
        if (net_desc_bytes_valid(d, c->tx_data_size)) {
            ddf_ring_err_t err = net_enqueue_free(&c->tx, d->offset, 0);
            if (err != DDF_RING_OK) {
                c->broken = err == DDF_RING_CORRUPT;
                break;
            }
            any = true;
        }
        c->tx_pend_returned++;
    }
    if (c->tx_pend_returned == c->tx_pend_count) {
        c->tx_pend_state = NET_VIRT_TX_IDLE;
        v->notify_clients_tx |= 1u << i;
    }
    return any;
}

/* Works on at most one frame of client `i`; true if anything moved. */
static bool transmit_one(net_virt_t *v, uint32_t i)
{
    net_virt_client_t *c = &v->clients[i];
    bool progress = false;
    if (c->broken || c->disabled) {
        return false;
    }
    if (c->tx_pend_state == NET_VIRT_TX_IDLE) {
        if (!take_tx_frame(v, c)) {
            return false;
        }
        progress = true;
    }
    if (c->tx_pend_state == NET_VIRT_TX_SEND) {
        if (!driver_has_room(v, c->tx_pend_count)) {
            return progress;
        }
        send_frame(v, c);
        c->tx_pend_state = NET_VIRT_TX_RETURN;
        progress = true;
    }
    if (c->tx_pend_state == NET_VIRT_TX_RETURN && !c->broken) {
        progress = return_tx_buffers(v, i) || progress;
    }
    return progress;
}

static void transmit(net_virt_t *v)
{
    const uint32_t count = (uint32_t)v->client_count;
    bool progress = count != 0;
    while (progress) {
        progress = false;
        for (uint32_t k = 0; k < count; k++) {
            if (transmit_one(v, (v->next_tx_client + k) % count)) {
                progress = true;
            }
        }
        v->next_tx_client = (v->next_tx_client + 1) % count;
    }
}

/* True when transmit_one would make progress on client `c` now. */
static bool tx_ready(const net_virt_t *v, const net_virt_client_t *c)
{
    switch (c->tx_pend_state) {
    case NET_VIRT_TX_SEND:
        return driver_has_room(v, c->tx_pend_count);
    case NET_VIRT_TX_RETURN:
        return !ddf_ring_full(&c->tx.free);
    default:
        return !ddf_ring_empty(&c->tx.active);
    }
}

/* Before sleeping: ask every client and the driver to signal what we wait
 * for, then look again. True when something arrived that we can act on. */
static bool request_signals(net_virt_t *v)
{
    bool again = false;
    for (uint32_t i = 0; i < v->client_count; i++) {
        net_virt_client_t *c = &v->clients[i];
        if (c->broken || c->disabled) {
            continue;
        }
        net_request_signal_active(&c->tx);
        if (tx_ready(v, c)) {
            again = true;
        }
    }
    net_request_signal_active(&v->drv_rx);
    net_request_signal_free(&v->drv_tx);
    return again || !ddf_ring_empty(&v->drv_rx.active) || !ddf_ring_empty(&v->drv_tx.free);
}

/* The offload words: what we take from the driver on receive, and the
 * driver's transmit word, read once here, passed on to every client. */
static void publish_offloads(net_virt_t *v)
{
    net_set_rx_offloads(&v->drv_rx, NET_OFFLOAD_RX_CSUM | NET_OFFLOAD_RX_GSO);
    v->drv_tx_offloads = net_tx_offloads(&v->drv_tx);
    for (uint32_t i = 0; i < v->client_count; i++) {
        if (!v->clients[i].disabled) {
            net_set_tx_offloads(&v->clients[i].tx, v->drv_tx_offloads);
        }
    }
}

void net_virt_poll(net_virt_t *v)
{
    v->notify_drv_rx = v->notify_drv_tx = false;
    v->notify_clients_rx = v->notify_clients_tx = 0;
    if (v->client_count == 0) {
        return;
    }
    publish_offloads(v);
    /* Sleep only after asking for signals and finding nothing new. Each pass
     * consumes what there is; nothing else runs meanwhile on our CPU, so a
     * second pass is rare and a 64th would mean rings that lie. */
    for (int pass = 0; pass < 64; pass++) {
        demux_rx(v);
        refill_driver_rx(v);
        reclaim_tx(v);
        transmit(v);
        if (!request_signals(v)) {
            break;
        }
    }
    /* Signalling rule: notify only those that asked. */
    if (v->notify_drv_rx && !net_free_should_notify(&v->drv_rx)) {
        v->notify_drv_rx = false;
    }
    if (v->notify_drv_tx && !net_active_should_notify(&v->drv_tx)) {
        v->notify_drv_tx = false;
    }
    for (uint32_t i = 0; i < v->client_count; i++) {
        uint32_t bit = 1u << i;
        net_virt_client_t *c = &v->clients[i];
        if ((v->notify_clients_rx & bit) != 0 && !net_active_should_notify(&c->rx)) {
            v->notify_clients_rx &= ~bit;
        }
        if ((v->notify_clients_tx & bit) != 0 && !net_free_should_notify(&c->tx)) {
            v->notify_clients_tx &= ~bit;
        }
    }
}
