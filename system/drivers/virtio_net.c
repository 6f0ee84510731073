/*
 * virtio-net driver library (see virtio_net.h).
 *
 * Owns: the device, its receive (0) and transmit (1) queues, and a slot per
 * receive buffer and per transmitted frame at the device recording which of
 * the virtualiser's buffers it holds.
 * Invariants: a receive slot is either free, at the device, or in rx_done
 * (filled, in the device's order); a transmit slot is either free, at the
 * device, or in tx_done (finished, its buffers not yet returned). Every
 * buffer we hold is in exactly one slot (or in the pending transmit frame),
 * so every buffer has a way back; buffers wait in rx_done / tx_done while the
 * virtualiser's ring is full, never get lost. A buffer offset from the
 * virtualiser reaches the device only after the check against its region.
 * Must never: pass on a length the device reports beyond the buffer; read a
 * header or frame field from shared memory twice.
 */
#include "system/drivers/virtio_net.h"

#include <string.h>

#include "ddf/net_csum.h"
#include "ddf/net_frame.h"

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* The device's offered features, read before negotiation (reset, ACKNOWLEDGE, DRIVER, read). */
static uint64_t offered_features(virtio_dev_t *dev)
{
    const virtio_mmio_t *m = dev->mmio;
    uint8_t bar = dev->common.bar;
    uint64_t base = dev->common.offset;
    virtio_reset(dev);
    m->write(m->ctx, bar, base + VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
    m->write(m->ctx, bar, base + VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    m->write(m->ctx, bar, base + VIRTIO_COMMON_DFSELECT, 4, 0);
    uint64_t f = m->read(m->ctx, bar, base + VIRTIO_COMMON_DF, 4);
    m->write(m->ctx, bar, base + VIRTIO_COMMON_DFSELECT, 4, 1);
    f |= (uint64_t)m->read(m->ctx, bar, base + VIRTIO_COMMON_DF, 4) << 32;
    return f;
}

/* What we accept of `offered`: each offload only with what the spec makes it depend on. */
static uint64_t wanted_features(uint64_t offered, bool rx_gso_room)
{
    uint64_t want = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS;
    want |= offered & (VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MRG_RXBUF);
    if ((offered & VIRTIO_NET_F_HOST_TSO4) && (offered & VIRTIO_NET_F_CSUM)) {
        want |= VIRTIO_NET_F_HOST_TSO4;
    }
    const uint64_t guest_tso_needs = VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_MRG_RXBUF;
    if (rx_gso_room && (offered & guest_tso_needs) == guest_tso_needs) {
        want |= VIRTIO_NET_F_GUEST_TSO4;
    }
    return want;
}

static uint16_t queue_size(virtio_net_t *vn)
{
    uint16_t size = VIRTIO_NET_QUEUE_SIZE;
    while (size >= 2 && (size > virtio_queue_max(&vn->dev, 0) || size > virtio_queue_max(&vn->dev, 1))) {
        size /= 2;
    }
    return size;
}

virtio_net_err_t virtio_net_init(virtio_net_t *vn, const virtio_net_cfg_t *cfg)
{
    if (vn == NULL || cfg == NULL || cfg->pci == NULL || cfg->mmio == NULL || cfg->hdr == NULL ||
        cfg->rx_data == NULL || cfg->tx_data == NULL) {
        return VIRTIO_NET_EINVAL;
    }
    memset(vn, 0, sizeof(*vn));
    vn->hdr = cfg->hdr;
    vn->hdr_paddr = cfg->hdr_paddr;
    vn->rx_data = cfg->rx_data;
    vn->rx_data_paddr = cfg->rx_data_paddr;
    vn->rx_data_size = cfg->rx_data_size;
    vn->tx_data = cfg->tx_data;
    vn->tx_data_paddr = cfg->tx_data_paddr;
    vn->tx_data_size = cfg->tx_data_size;
    if (net_attach(&vn->rx, cfg->rx_region, cfg->rx_region_size, cfg->capacity, true, false) != DDF_RING_OK ||
        net_attach(&vn->tx, cfg->tx_region, cfg->tx_region_size, cfg->capacity, false, false) != DDF_RING_OK) {
        return VIRTIO_NET_EINVAL;
    }
    if (virtio_pci_probe(cfg->pci, cfg->mmio, &vn->dev) != VIRTIO_OK) {
        return VIRTIO_NET_EDEVICE;
    }
    uint64_t offered = offered_features(&vn->dev) & ~cfg->features_off;
    if (virtio_negotiate(&vn->dev, wanted_features(offered, true)) != VIRTIO_OK) {
        return VIRTIO_NET_EDEVICE;
    }
    uint16_t size = queue_size(vn);
    vn->rx_slots = min_u32(min_u32(cfg->capacity, size), VIRTIO_NET_RX_SLOTS);
    vn->tx_slots = min_u32(min_u32(cfg->capacity, size / 2u), VIRTIO_NET_TX_SLOTS);
    if ((vn->dev.features & VIRTIO_NET_F_GUEST_TSO4) && vn->rx_slots < VIRTIO_NET_GSO_MIN_SLOTS) {
        /* A 64 KiB packet would never fit at the device: again without receive GSO. */
        if (virtio_negotiate(&vn->dev, wanted_features(offered, false)) != VIRTIO_OK) {
            return VIRTIO_NET_EDEVICE;
        }
    }
    if (size < 2 || vn->tx_slots == 0 ||
        virtq_init(&vn->rxq, cfg->rxq_mem, cfg->rxq_paddr, cfg->vq_bytes, size, false) != VIRTQ_OK ||
        virtq_init(&vn->txq, cfg->txq_mem, cfg->txq_paddr, cfg->vq_bytes, size, false) != VIRTQ_OK ||
        virtio_queue_setup(&vn->dev, 0, &vn->rxq, cfg->msix_vector, &vn->rx_notify_off) != VIRTIO_OK ||
        virtio_queue_setup(&vn->dev, 1, &vn->txq, cfg->msix_vector, &vn->tx_notify_off) != VIRTIO_OK) {
        virtio_fail(&vn->dev);
        return VIRTIO_NET_EDEVICE;
    }
    for (uint32_t s = 0; s < vn->rx_slots; s++) {
        vn->rx_free[s] = (uint16_t)s;
    }
    vn->rx_nfree = vn->rx_slots;
    for (uint32_t s = 0; s < vn->tx_slots; s++) {
        vn->tx_free[s] = (uint16_t)s;
    }
    vn->tx_nfree = vn->tx_slots;
    vn->tx_offloads = NET_OFFLOAD_TX_CSUM | ((vn->dev.features & VIRTIO_NET_F_HOST_TSO4) ? NET_OFFLOAD_TX_TSO4 : 0);
    net_set_tx_offloads(&vn->tx, vn->tx_offloads);
    if (vn->dev.features & VIRTIO_NET_F_MAC) {
        (void)virtio_config_read(&vn->dev, 0, vn->mac, NET_MAC_LEN);
    }
    vn->link_up = true;
    if (vn->dev.features & VIRTIO_NET_F_STATUS) {
        uint16_t status = 0;
        (void)virtio_config_read(&vn->dev, 6, &status, sizeof(status));
        vn->link_up = (status & VIRTIO_NET_S_LINK_UP) != 0;
    }
    virtio_driver_ok(&vn->dev);
    ddf_ring_request_signal(&vn->rx.free);
    ddf_ring_request_signal(&vn->tx.active);
    return VIRTIO_NET_OK;
}

static bool buffer_ok(uint64_t offset, uint64_t region_size)
{
    return offset % NET_BUFFER_SIZE == 0 && offset < region_size && region_size - offset >= NET_BUFFER_SIZE;
}

static void device_error(virtio_net_t *vn)
{
    virtio_reset(&vn->dev);
    vn->failed = true;
}

/* --- Receive ---------------------------------------------------------------- */

static const virtio_net_done_t *rx_done_at(const virtio_net_t *vn, uint32_t i)
{
    return &vn->rx_done[(vn->rx_done_head + i) % VIRTIO_NET_RX_SLOTS];
}

static void rx_done_pop(virtio_net_t *vn, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        vn->rx_free[vn->rx_nfree++] = rx_done_at(vn, 0)->slot;
        vn->rx_done_head = (vn->rx_done_head + 1) % VIRTIO_NET_RX_SLOTS;
        vn->rx_done_count--;
    }
}

/*
 * The packet in rx_done[0..n-1] with header `h` (our private copy) as a chain
 * in d[0..n-1]; false when it breaks a rule (then it is dropped).
 */
static bool rx_packet(const virtio_net_t *vn, const uint8_t h[VIRTIO_NET_HDR_LEN], uint32_t n,
                      net_buff_desc_t d[NET_MAX_CHAIN])
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        const virtio_net_done_t *e = rx_done_at(vn, i);
        uint32_t skip = i == 0 ? VIRTIO_NET_HDR_LEN : 0;
        if (e->written > NET_BUFFER_SIZE || e->written <= skip) {
            return false; /* beyond the buffer, or an empty piece */
        }
        d[i] = (net_buff_desc_t){.offset = vn->rx_buf[e->slot] + skip, .len = (uint16_t)(e->written - skip)};
        total += d[i].len;
    }
    uint8_t flags = h[0], gso_type = h[1];
    uint16_t gso_size = le16(h + 4), csum_start = le16(h + 6), csum_offset = le16(h + 8);
    uint64_t features = vn->dev.features;
    if ((flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID)) != 0 ||
        (flags != 0 && !(features & VIRTIO_NET_F_GUEST_CSUM)) || total < NET_MIN_FRAME) {
        return false;
    }
    if (gso_type != VIRTIO_NET_HDR_GSO_NONE) {
        /* Only TCPv4, only when negotiated, with its segment size and NEEDS_CSUM (ddf/net.h: GSO always
         * with CSUM_PARTIAL; the sum of a merged packet is not done). */
        if (gso_type != VIRTIO_NET_HDR_GSO_TCPV4 || !(features & VIRTIO_NET_F_GUEST_TSO4) || gso_size == 0 ||
            !(flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || total > NET_MAX_GSO_FRAME) {
            return false;
        }
        d[0].flags |= NET_DESC_GSO_TCPV4;
        d[0].gso_size = gso_size;
    } else if (n != 1 || total > NET_MAX_FRAME) {
        return false;
    }
    if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
        if (csum_start < NET_ETH_HDR_LEN + NET_IPV4_MIN_HEADER || csum_start > UINT8_MAX ||
            csum_offset > UINT8_MAX || (uint32_t)csum_start + csum_offset + 2u > d[0].len) {
            return false;
        }
        d[0].flags |= NET_DESC_CSUM_PARTIAL;
        d[0].csum_start = (uint8_t)csum_start;
        d[0].csum_offset = (uint8_t)csum_offset;
    }
    if (flags & VIRTIO_NET_HDR_F_DATA_VALID) {
        d[0].flags |= NET_DESC_CSUM_VALID;
    }
    return true;
}

/* Hands whole packets from rx_done to the virtualiser, in order, while its ring has room. */
static void rx_deliver(virtio_net_t *vn)
{
    while (vn->rx_done_count > 0) {
        const virtio_net_done_t *first = rx_done_at(vn, 0);
        uint8_t h[VIRTIO_NET_HDR_LEN];
        uint32_t n = 1;
        bool ok = first->written >= VIRTIO_NET_HDR_LEN && first->written <= NET_BUFFER_SIZE;
        if (ok) {
            memcpy(h, vn->rx_data + vn->rx_buf[first->slot], VIRTIO_NET_HDR_LEN); /* read once */
            if (vn->dev.features & VIRTIO_NET_F_MRG_RXBUF) {
                uint16_t nb = le16(h + 10);
                /* A count we cannot trust: drop this buffer alone. */
                ok = nb >= 1 && nb <= NET_MAX_CHAIN && nb <= vn->rx_slots;
                n = ok ? nb : 1;
            } /* else num_buffers is 1 (some devices leave it 0): one buffer */
        }
        if (vn->rx_done_count < n) {
            return; /* the rest of the packet is still at the device */
        }
        net_buff_desc_t d[NET_MAX_CHAIN];
        ok = ok && rx_packet(vn, h, n, d);
        if (ddf_ring_reserve_n(&vn->rx.active, n) != DDF_RING_OK) {
            return; /* no room: wait for the virtualiser */
        }
        if (ok) {
            (void)net_enqueue_chain(&vn->rx, d, n);
            vn->rx_frames++;
        } else {
            /* Returned empty: the virtualiser drops them and offers the buffers again. */
            for (uint32_t i = 0; i < n; i++) {
                (void)net_enqueue_active(&vn->rx, vn->rx_buf[rx_done_at(vn, i)->slot], 0);
            }
            vn->rx_bad++;
        }
        rx_done_pop(vn, n);
        vn->notify_virt = true;
    }
}

static bool receive(virtio_net_t *vn)
{
    bool posted = false;
    uint64_t cookie;
    uint32_t written;
    virtq_err_t err;
    while ((err = virtq_get_used(&vn->rxq, &cookie, &written)) == VIRTQ_OK) {
        /* The cookie is ours (the virtqueue checked the id); every slot is in rx_done at most once. */
        virtio_net_done_t *e = &vn->rx_done[(vn->rx_done_head + vn->rx_done_count) % VIRTIO_NET_RX_SLOTS];
        e->slot = (uint16_t)cookie;
        e->written = (uint16_t)min_u32(written, NET_BUFFER_SIZE + 1u); /* the virtqueue caps it anyway */
        vn->rx_done_count++;
    }
    if (err == VIRTQ_DEVICE_ERROR) {
        device_error(vn);
        return false;
    }
    rx_deliver(vn);
    while (vn->rx_nfree > 0) {
        net_buff_desc_t d;
        if (net_dequeue_free(&vn->rx, &d) != DDF_RING_OK) {
            break;
        }
        if (!buffer_ok(d.offset, vn->rx_data_size)) {
            vn->bad_descs++;
            continue;
        }
        uint16_t s = vn->rx_free[vn->rx_nfree - 1];
        virtq_buf_t buf = {vn->rx_data_paddr + d.offset, NET_BUFFER_SIZE, true};
        if (virtq_add(&vn->rxq, &buf, 1, s) != VIRTQ_OK) {
            (void)net_enqueue_active(&vn->rx, d.offset, 0); /* cannot happen: slots fit the queue */
            break;
        }
        vn->rx_nfree--;
        vn->rx_buf[s] = d.offset;
        posted = true;
    }
    return posted;
}

/* --- Transmit --------------------------------------------------------------- */

static void tx_done_push(virtio_net_t *vn, uint16_t s)
{
    vn->tx_done[(vn->tx_done_head + vn->tx_done_count) % VIRTIO_NET_TX_SLOTS] = s;
    vn->tx_done_count++;
}

/* Gives the buffers of finished (sent or refused) frames back, in order, while the free ring has room. */
static void tx_return(virtio_net_t *vn)
{
    while (vn->tx_done_count > 0) {
        uint16_t s = vn->tx_done[vn->tx_done_head];
        uint32_t n = vn->tx_nbuf[s];
        if (n > 0 && ddf_ring_reserve_n(&vn->tx.free, n) != DDF_RING_OK) {
            return;
        }
        for (uint32_t i = 0; i < n; i++) {
            (void)net_enqueue_free(&vn->tx, vn->tx_buf[s][i], 0);
        }
        vn->tx_done_head = (vn->tx_done_head + 1) % VIRTIO_NET_TX_SLOTS;
        vn->tx_done_count--;
        vn->tx_free[vn->tx_nfree++] = s;
        vn->notify_virt = vn->notify_virt || n > 0;
    }
}

/* A refused frame: its real buffers go back (through tx_done, as room allows). */
static void tx_refuse(virtio_net_t *vn, const net_buff_desc_t *d, uint32_t n)
{
    uint16_t s = vn->tx_free[--vn->tx_nfree];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (buffer_ok(d[i].offset, vn->tx_data_size)) {
            vn->tx_buf[s][k++] = d[i].offset;
        }
    }
    vn->tx_nbuf[s] = (uint8_t)k;
    vn->tx_bad++;
    tx_done_push(vn, s);
}

/*
 * Checks the frame d[0..n-1] and fills the device's header for it; *sw_csum
 * says the checksum must be completed here. False: refuse the frame.
 */
static bool tx_prepare(virtio_net_t *vn, const net_buff_desc_t *d, uint32_t n, uint8_t hdr[VIRTIO_NET_HDR_LEN],
                       bool *sw_csum)
{
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!net_desc_valid(&d[i], vn->tx_data_size)) {
            vn->bad_descs++;
            return false;
        }
        if (d[i].len == 0) {
            return false;
        }
        total += d[i].len;
    }
    uint16_t flags = d[0].flags;
    bool partial = (flags & NET_DESC_CSUM_PARTIAL) != 0, gso = (flags & NET_DESC_GSO_TCPV4) != 0;
    if ((flags & ~NET_DESC_KNOWN_FLAGS) != 0 || (n > 1 && !gso) || (gso && !partial) || total < NET_MIN_FRAME ||
        total > (gso ? NET_MAX_GSO_FRAME : NET_MAX_FRAME)) {
        return false;
    }
    if (gso && !(vn->tx_offloads & NET_OFFLOAD_TX_TSO4)) {
        vn->tx_gso_refused++; /* we did not offer it */
        return false;
    }
    uint32_t cs = d[0].csum_start, co = d[0].csum_offset;
    if (partial && (cs < NET_ETH_HDR_LEN + NET_IPV4_MIN_HEADER || cs + co + 2u > d[0].len)) {
        return false;
    }
    memset(hdr, 0, VIRTIO_NET_HDR_LEN);
    *sw_csum = false;
    if (gso) {
        /* Ethernet + IPv4 + TCP in the first piece, read from one copy. */
        uint8_t h[NET_FRAME_MAX_HEADERS];
        uint32_t have = min_u32(d[0].len, sizeof(h));
        memcpy(h, vn->tx_data + d[0].offset, have);
        size_t hlen = net_frame_tcp_headers_len(h, have);
        if (hlen == 0 || cs != NET_ETH_HDR_LEN + net_frame_ipv4_header_len(h, have) ||
            co != NET_TCP_CSUM_OFFSET || d[0].gso_size == 0) {
            return false;
        }
        hdr[1] = VIRTIO_NET_HDR_GSO_TCPV4;
        put_le16(hdr + 2, (uint16_t)hlen);
        put_le16(hdr + 4, d[0].gso_size);
    }
    if (partial) {
        if (vn->dev.features & VIRTIO_NET_F_CSUM) {
            hdr[0] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
            put_le16(hdr + 6, (uint16_t)cs);
            put_le16(hdr + 8, (uint16_t)co);
        } else {
            *sw_csum = true;
        }
    }
    return true;
}

static bool transmit(virtio_net_t *vn)
{
    bool posted = false;
    uint64_t cookie;
    uint32_t written;
    virtq_err_t err;
    while ((err = virtq_get_used(&vn->txq, &cookie, &written)) == VIRTQ_OK) {
        tx_done_push(vn, (uint16_t)cookie);
        uint32_t done = vn->tx_nbuf[(uint16_t)cookie];
        vn->tx_bufs_out -= done < vn->tx_bufs_out ? done : vn->tx_bufs_out;
        vn->tx_frames++;
    }
    if (err == VIRTQ_DEVICE_ERROR) {
        device_error(vn);
        return false;
    }
    tx_return(vn);
    while (vn->tx_nfree > 0) {
        if (vn->tx_pending_n == 0) {
            uint32_t n;
            ddf_ring_err_t r = net_dequeue_frame(&vn->tx, vn->tx_pending, &n);
            if (r != DDF_RING_OK && n > 0) {
                tx_refuse(vn, vn->tx_pending, n); /* a broken chain (or a ring broken under it) */
                continue;
            }
            if (r != DDF_RING_OK) {
                break;
            }
            vn->tx_pending_n = n;
        }
        uint32_t n = vn->tx_pending_n;
        if (1u + n > vn->txq.size) {
            vn->tx_pending_n = 0;
            tx_refuse(vn, vn->tx_pending, n); /* can never fit the device's queue */
            continue;
        }
        if (virtq_free_count(&vn->txq) < 1u + n) {
            break; /* wait for the device to finish some */
        }
        vn->tx_pending_n = 0;
        const net_buff_desc_t *d = vn->tx_pending;
        uint16_t s = vn->tx_free[vn->tx_nfree - 1];
        uint8_t *h = vn->hdr + VIRTIO_NET_HDR_STRIDE * s;
        bool sw_csum = false;
        if (!tx_prepare(vn, d, n, h, &sw_csum)) {
            tx_refuse(vn, d, n);
            continue;
        }
        if (sw_csum) {
            net_piece_t p[NET_MAX_CHAIN];
            for (uint32_t i = 0; i < n; i++) {
                p[i] = (net_piece_t){vn->tx_data + d[i].offset, d[i].len};
            }
            (void)net_csum_complete(p, n, d[0].csum_start, d[0].csum_offset); /* field checked in tx_prepare */
            vn->tx_sw_csum++;
        }
        virtq_buf_t bufs[1 + NET_MAX_CHAIN];
        bufs[0] = (virtq_buf_t){vn->hdr_paddr + VIRTIO_NET_HDR_STRIDE * s, VIRTIO_NET_HDR_LEN, false};
        for (uint32_t i = 0; i < n; i++) {
            bufs[1 + i] = (virtq_buf_t){vn->tx_data_paddr + d[i].offset, d[i].len, false};
            vn->tx_buf[s][i] = d[i].offset;
        }
        vn->tx_nbuf[s] = (uint8_t)n;
        vn->tx_nfree--;
        if (virtq_add(&vn->txq, bufs, 1 + n, s) != VIRTQ_OK) {
            tx_done_push(vn, s); /* cannot happen: room checked above */
            continue;
        }
        vn->tx_bufs_out += n;
        posted = true;
    }
    tx_return(vn);
    return posted;
}

/* Does a finished transmission need to wake us? Only when waiting for the
 * next wake-up could stall: a frame waits for room at the device, or the
 * buffers out at the device are half of what the virtualiser lends us, so it
 * might run short. Otherwise finished frames are taken back on the next
 * wake-up (a received frame, or more to send), which saves an interrupt, a
 * wake-up of the virtualiser and their switches per frame sent. */
static bool tx_wants_irq(const virtio_net_t *vn)
{
    return vn->tx_pending_n > 0 || vn->tx_nfree == 0 || !ddf_ring_empty(&vn->tx.active) ||
           vn->tx_bufs_out >= vn->tx_data_size / NET_BUFFER_SIZE / 2;
}

/* Whether to be woken when the virtualiser returns receive buffers: when
 * received frames wait for room on its active ring (it makes room as it
 * returns buffers), or when the device runs short. While the device holds
 * half its slots, and at least the largest frame's buffers, its next frame's
 * interrupt wakes us anyway and the refill waits for it, so a returned
 * buffer does not cost a switch into this PD on every small round trip. */
static bool rx_wants_refill(const virtio_net_t *vn)
{
    uint32_t in_device = vn->rx_slots - vn->rx_nfree - vn->rx_done_count;
    return vn->rx_done_count > 0 ||
           (vn->rx_nfree > 0 && (in_device < vn->rx_slots / 2 || in_device < NET_MAX_CHAIN));
}

/* --- Poll ------------------------------------------------------------------- */

static void poll_device(virtio_net_t *vn)
{
    if (vn->failed) {
        return;
    }
    for (int round = 0; round < 64; round++) {
        bool rx_posted = receive(vn);
        bool tx_posted = !vn->failed && transmit(vn);
        if (vn->failed) {
            return;
        }
        if (rx_posted && virtq_publish(&vn->rxq)) {
            virtio_notify(&vn->dev, vn->rx_notify_off, 0);
        }
        if (tx_posted && virtq_publish(&vn->txq)) {
            virtio_notify(&vn->dev, vn->tx_notify_off, 1);
        }
        /* Re-arm every wake-up we need, then re-check each (lost wake-up rule). */
        bool again = virtq_enable_irq(&vn->rxq);
        if (tx_wants_irq(vn)) {
            again |= virtq_enable_irq(&vn->txq);
            vn->tx_irqs_armed++;
        } else {
            virtq_disable_irq(&vn->txq);
        }
        if (rx_wants_refill(vn)) {
            ddf_ring_request_signal(&vn->rx.free);
        } else {
            ddf_ring_cancel_signal(&vn->rx.free);
        }
        ddf_ring_request_signal(&vn->tx.active);
        again |= (!ddf_ring_empty(&vn->rx.free) && vn->rx_nfree > 0) ||
                 (!ddf_ring_empty(&vn->tx.active) && vn->tx_nfree > 0 && vn->tx_pending_n == 0);
        if (!again) {
            return;
        }
    }
}

void virtio_net_poll(virtio_net_t *vn)
{
    vn->notify_virt = false; /* set by poll_device when it produced anything */
    /* The virtualiser may have initialised the rings after we started. */
    net_set_tx_offloads(&vn->tx, vn->tx_offloads);
    poll_device(vn);
    /* The signalling rule (ddf/net.h): the virtualiser is notified only when
     * it asked, on the receive active or the transmit free ring. */
    if (vn->notify_virt) {
        bool rx = net_active_should_notify(&vn->rx);
        bool tx = net_free_should_notify(&vn->tx);
        vn->notify_virt = rx || tx;
    }
}
