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
 *   - nothing here ever waits for a client.
 * Must never: copy more than a checked length, deliver a frame to a client
 * whose MAC it is not addressed to (broadcast and multicast excepted), or
 * send a granted client's frame its grant does not allow.
 */
#include "system/virt/net_virt.h"

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

/* Lends idle receive buffers to the driver while its free ring has room. */
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

/* Copies one frame into a buffer client `i` offered; drops it if there is none. */
static void deliver(net_virt_t *v, uint32_t i, const uint8_t *frame, uint16_t len)
{
    net_virt_client_t *c = &v->clients[i];
    net_buff_desc_t d;
    /* A full active ring means the client has stopped reading: drop, don't wait. */
    if (c->disabled) {
        return;
    }
    if (c->broken || ddf_ring_full(&c->rx.active)) {
        c->rx_dropped++;
        return;
    }
    for (;;) {
        ddf_ring_err_t err = net_dequeue_free(&c->rx, &d);
        if (err != DDF_RING_OK) {
            c->broken = err == DDF_RING_CORRUPT;
            c->rx_dropped++;
            return;
        }
        if (net_desc_valid(&d, c->rx_data_size)) {
            break;
        }
        c->bad_descs++; /* the client named memory it does not have: its buffer is lost */
    }
    memcpy(c->rx_data + d.offset, frame, len);
    if (c->filtered && c->grant.dhcp) {
        (void)net_dhcp_snoop_rx(&c->dhcp, &c->grant, frame, len);
    }
    if (net_enqueue_active(&c->rx, d.offset, len) != DDF_RING_OK) {
        c->broken = true;
        return;
    }
    c->rx_frames++;
    v->notify_clients_rx |= 1u << i;
}

/* A cheap look at the shared buffer: IPv4, UDP, destination port 68 (with
 * the shortest header; options only make it a full parse of the copy). The
 * decision that matters is made on the private copy. */
static bool may_be_dhcp_reply(const uint8_t *frame, uint16_t len)
{
    if (len < 14 + 20 + 8 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 17) {
        return false;
    }
    size_t at = 14 + (size_t)(frame[14] & 0x0F) * 4 + 2;
    return at + 2 <= len && frame[at] == 0 && frame[at + 1] == 68;
}

static void demux_rx(net_virt_t *v)
{
    net_buff_desc_t d;
    while (net_dequeue_active(&v->drv_rx, &d) == DDF_RING_OK) {
        uint64_t b = d.offset / NET_BUFFER_SIZE;
        if (d.offset % NET_BUFFER_SIZE != 0 || b >= v->rx_bufs || !v->rx_at_driver[b]) {
            v->bad_driver_descs++;
            continue;
        }
        v->rx_at_driver[b] = false;
        uint16_t len = d.len;
        const uint8_t *frame = v->rx_dma + d.offset;
        if (len >= NET_MIN_FRAME && len <= NET_BUFFER_SIZE) {
            if (v->any_dhcp && may_be_dhcp_reply(frame, len)) {
                /* The lease is learned from what the client receives: both
                 * come from one private copy the driver cannot change. */
                memcpy(v->snoop_copy, frame, len);
                frame = v->snoop_copy;
            }
            bool to_all = (frame[0] & 1u) != 0; /* broadcast or multicast */
            bool owned = false;
            for (uint32_t i = 0; i < v->client_count; i++) {
                if (!v->clients[i].disabled && (to_all || mac_equal(frame, v->clients[i].mac))) {
                    deliver(v, i, frame, len);
                    owned = true;
                }
            }
            if (!owned) {
                v->rx_no_owner++;
            }
        } else {
            v->bad_driver_descs++;
        }
        v->rx_idle[v->rx_idle_count++] = (uint32_t)b;
    }
}

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

/* Sends at most one frame of client `i`; true if it took a descriptor. */
static bool transmit_one(net_virt_t *v, uint32_t i)
{
    net_virt_client_t *c = &v->clients[i];
    net_buff_desc_t d;
    if (c->broken || c->disabled || v->tx_idle_count == 0 || ddf_ring_full(&v->drv_tx.active) ||
        ddf_ring_full(&c->tx.free)) {
        return false;
    }
    ddf_ring_err_t err = net_dequeue_active(&c->tx, &d);
    if (err != DDF_RING_OK) {
        c->broken = err == DDF_RING_CORRUPT;
        return false;
    }
    if (!net_desc_valid(&d, c->tx_data_size)) {
        c->bad_descs++; /* not its memory: nothing to send, nothing to give back */
        return true;
    }
    if (d.len >= NET_MIN_FRAME && d.len <= NET_MAX_FRAME) {
        uint32_t b = v->tx_idle[--v->tx_idle_count];
        uint8_t *out = v->tx_dma + (uint64_t)b * NET_BUFFER_SIZE;
        memcpy(out, c->tx_data + d.offset, d.len);
        memcpy(out + NET_MAC_LEN, c->mac, NET_MAC_LEN);
        if (c->filtered && net_filter_tx(&c->grant, out, d.len) != NET_FILTER_PASS) {
            /* Checked on our copy, which the client cannot change any more. */
            v->tx_idle[v->tx_idle_count++] = b;
            c->tx_filtered++;
        } else {
            if (c->filtered && c->grant.dhcp) {
                net_dhcp_snoop_tx(&c->dhcp, &c->grant, out, d.len);
            }
            (void)net_enqueue_active(&v->drv_tx, (uint64_t)b * NET_BUFFER_SIZE, d.len); /* room checked above */
            v->tx_at_driver[b] = true;
            v->notify_drv_tx = true;
            c->tx_frames++;
        }
    } else {
        c->bad_descs++;
    }
    if (net_enqueue_free(&c->tx, d.offset, 0) != DDF_RING_OK) {
        c->broken = true;
    }
    v->notify_clients_tx |= 1u << i;
    return true;
}

static void transmit(net_virt_t *v)
{
    bool progress = true;
    while (progress) {
        progress = false;
        for (uint32_t k = 0; k < v->client_count; k++) {
            uint32_t i = (v->next_tx_client + k) % (uint32_t)v->client_count;
            if (transmit_one(v, i)) {
                progress = true;
            }
        }
        v->next_tx_client = (v->next_tx_client + 1) % (uint32_t)v->client_count;
    }
}

void net_virt_poll(net_virt_t *v)
{
    v->notify_drv_rx = v->notify_drv_tx = false;
    v->notify_clients_rx = v->notify_clients_tx = 0;
    if (v->client_count == 0) {
        return;
    }
    demux_rx(v);
    refill_driver_rx(v);
    reclaim_tx(v);
    transmit(v);
    /* Signalling rule: the driver is notified only when it asked. */
    if (v->notify_drv_rx && !net_free_should_notify(&v->drv_rx)) {
        v->notify_drv_rx = false;
    }
    if (v->notify_drv_tx && !net_active_should_notify(&v->drv_tx)) {
        v->notify_drv_tx = false;
    }
}
