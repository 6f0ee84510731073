/*
 * virtio-net driver library (see virtio_net.h).
 *
 * Owns: the device, its receive (0) and transmit (1) queues, and a slot per
 * buffer at the device recording which of the virtualiser's buffers it is.
 * Invariants: a slot is busy exactly while its chain is at the device; a
 * buffer offset from the virtualiser reaches the device only after the check
 * against its region; slot counts never exceed the rings' capacity, so every
 * buffer has a way back.
 * Must never: pass on a length the device reports beyond the buffer.
 */
#include "system/drivers/virtio_net.h"

#include <string.h>

static uint32_t slot_count(uint32_t capacity)
{
    return capacity < VIRTIO_NET_SLOTS ? capacity : VIRTIO_NET_SLOTS;
}

virtio_net_err_t virtio_net_init(virtio_net_t *vn, const virtio_net_cfg_t *cfg)
{
    if (vn == NULL || cfg == NULL || cfg->pci == NULL || cfg->mmio == NULL || cfg->hdr == NULL) {
        return VIRTIO_NET_EINVAL;
    }
    memset(vn, 0, sizeof(*vn));
    vn->hdr = cfg->hdr;
    vn->hdr_paddr = cfg->hdr_paddr;
    vn->rx_data_paddr = cfg->rx_data_paddr;
    vn->rx_data_size = cfg->rx_data_size;
    vn->tx_data_paddr = cfg->tx_data_paddr;
    vn->tx_data_size = cfg->tx_data_size;
    if (net_attach(&vn->rx, cfg->rx_region, cfg->rx_region_size, cfg->capacity, true, false) != DDF_RING_OK ||
        net_attach(&vn->tx, cfg->tx_region, cfg->tx_region_size, cfg->capacity, false, false) != DDF_RING_OK) {
        return VIRTIO_NET_EINVAL;
    }
    if (virtio_pci_probe(cfg->pci, cfg->mmio, &vn->dev) != VIRTIO_OK ||
        virtio_negotiate(&vn->dev, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS) != VIRTIO_OK) {
        return VIRTIO_NET_EDEVICE;
    }
    uint16_t size = 2 * VIRTIO_NET_SLOTS;
    while (size > virtio_queue_max(&vn->dev, 0) || size > virtio_queue_max(&vn->dev, 1)) {
        size /= 2;
    }
    if (size < 2 || virtq_init(&vn->rxq, cfg->rxq_mem, cfg->rxq_paddr, cfg->vq_bytes, size, false) != VIRTQ_OK ||
        virtq_init(&vn->txq, cfg->txq_mem, cfg->txq_paddr, cfg->vq_bytes, size, false) != VIRTQ_OK ||
        virtio_queue_setup(&vn->dev, 0, &vn->rxq, cfg->msix_vector, &vn->rx_notify_off) != VIRTIO_OK ||
        virtio_queue_setup(&vn->dev, 1, &vn->txq, cfg->msix_vector, &vn->tx_notify_off) != VIRTIO_OK) {
        virtio_fail(&vn->dev);
        return VIRTIO_NET_EDEVICE;
    }
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

static int free_slot(uint64_t busy, uint32_t n)
{
    for (uint32_t s = 0; s < n; s++) {
        if (!(busy & (1ull << s))) {
            return (int)s;
        }
    }
    return -1;
}

static void device_error(virtio_net_t *vn)
{
    virtio_reset(&vn->dev);
    vn->failed = true;
}

static bool receive(virtio_net_t *vn)
{
    bool posted = false;
    uint64_t cookie;
    uint32_t written;
    virtq_err_t err;
    while ((err = virtq_get_used(&vn->rxq, &cookie, &written)) == VIRTQ_OK) {
        uint32_t s = (uint32_t)cookie;
        vn->rx_busy &= ~(1ull << s);
        uint32_t len = written >= VIRTIO_NET_HDR_LEN ? written - VIRTIO_NET_HDR_LEN : 0;
        if (len < NET_MIN_FRAME || len > NET_BUFFER_SIZE) {
            vn->rx_bad++;
            len = 0; /* returned empty: the virtualiser drops it and offers the buffer again */
        } else {
            vn->rx_frames++;
        }
        (void)net_enqueue_active(&vn->rx, vn->rx_slot[s], (uint16_t)len);
        vn->notify_virt = true;
    }
    if (err == VIRTQ_DEVICE_ERROR) {
        device_error(vn);
        return false;
    }
    uint32_t n = slot_count(vn->rx.free.capacity);
    for (int s; (s = free_slot(vn->rx_busy, n)) >= 0;) {
        net_buff_desc_t d;
        if (net_dequeue_free(&vn->rx, &d) != DDF_RING_OK) {
            break;
        }
        if (!buffer_ok(d.offset, vn->rx_data_size)) {
            vn->bad_descs++;
            continue;
        }
        virtq_buf_t bufs[2] = {{vn->hdr_paddr + 16u * (uint32_t)s, VIRTIO_NET_HDR_LEN, true},
                               {vn->rx_data_paddr + d.offset, NET_BUFFER_SIZE, true}};
        if (virtq_add(&vn->rxq, bufs, 2, (uint64_t)s) != VIRTQ_OK) {
            (void)net_enqueue_active(&vn->rx, d.offset, 0); /* cannot happen: slots fit the queue */
            break;
        }
        vn->rx_slot[s] = d.offset;
        vn->rx_busy |= 1ull << s;
        posted = true;
    }
    return posted;
}

static bool transmit(virtio_net_t *vn)
{
    bool posted = false;
    uint64_t cookie;
    uint32_t written;
    virtq_err_t err;
    while ((err = virtq_get_used(&vn->txq, &cookie, &written)) == VIRTQ_OK) {
        uint32_t s = (uint32_t)cookie;
        vn->tx_busy &= ~(1ull << s);
        (void)net_enqueue_free(&vn->tx, vn->tx_slot[s], 0);
        vn->tx_frames++;
        vn->notify_virt = true;
    }
    if (err == VIRTQ_DEVICE_ERROR) {
        device_error(vn);
        return false;
    }
    uint32_t n = slot_count(vn->tx.active.capacity);
    for (int s; (s = free_slot(vn->tx_busy, n)) >= 0;) {
        net_buff_desc_t d;
        if (net_dequeue_active(&vn->tx, &d) != DDF_RING_OK) {
            break;
        }
        if (!buffer_ok(d.offset, vn->tx_data_size) || d.len < NET_MIN_FRAME || d.len > NET_MAX_FRAME) {
            vn->bad_descs++;
            if (buffer_ok(d.offset, vn->tx_data_size)) {
                (void)net_enqueue_free(&vn->tx, d.offset, 0);
            }
            continue;
        }
        uint8_t *h = vn->hdr + 16u * (VIRTIO_NET_SLOTS + (uint32_t)s);
        memset(h, 0, VIRTIO_NET_HDR_LEN);
        virtq_buf_t bufs[2] = {{vn->hdr_paddr + 16u * (VIRTIO_NET_SLOTS + (uint32_t)s), VIRTIO_NET_HDR_LEN, false},
                               {vn->tx_data_paddr + d.offset, d.len, false}};
        if (virtq_add(&vn->txq, bufs, 2, (uint64_t)s) != VIRTQ_OK) {
            (void)net_enqueue_free(&vn->tx, d.offset, 0);
            break;
        }
        vn->tx_slot[s] = d.offset;
        vn->tx_busy |= 1ull << s;
        posted = true;
    }
    return posted;
}

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
        /* Re-arm every wake-up, then re-check each (lost wake-up rule). */
        bool again = virtq_enable_irq(&vn->rxq) | virtq_enable_irq(&vn->txq);
        ddf_ring_request_signal(&vn->rx.free);
        ddf_ring_request_signal(&vn->tx.active);
        again |= (!ddf_ring_empty(&vn->rx.free) && free_slot(vn->rx_busy, slot_count(vn->rx.free.capacity)) >= 0) ||
                 (!ddf_ring_empty(&vn->tx.active) && free_slot(vn->tx_busy, slot_count(vn->tx.active.capacity)) >= 0);
        if (!again) {
            return;
        }
    }
}

void virtio_net_poll(virtio_net_t *vn)
{
    vn->notify_virt = false; /* set by poll_device when it produced anything */
    poll_device(vn);
    /* The signalling rule (ddf/net.h): the virtualiser is notified only when
     * it asked, on the receive active or the transmit free ring. */
    if (vn->notify_virt) {
        bool rx = net_active_should_notify(&vn->rx);
        bool tx = net_free_should_notify(&vn->tx);
        vn->notify_virt = rx || tx;
    }
}
