/*
 * VirtIO modern PCI transport (see virtio_pci.h).
 *
 * Owns: the location of the four configuration structures and the device
 * status handshake.
 * Invariants: every structure we use lies wholly inside a memory BAR the
 * device reported; a queue's notify address lies inside the notify structure.
 * Must never: set DRIVER_OK before FEATURES_OK was read back, or touch a
 * queue the device does not have.
 */
#include "ddf/virtio/virtio_pci.h"

static uint32_t direct_read(void *ctx, uint8_t bar, uint64_t off, unsigned width)
{
    virtio_mmio_direct_t *d = ctx;
    volatile uint8_t *p = d->bar_base[bar] + off;
    switch (width) {
    case 1: return *p;
    case 2: return *(volatile uint16_t *)p;
    default: return *(volatile uint32_t *)p;
    }
}

static void direct_write(void *ctx, uint8_t bar, uint64_t off, unsigned width, uint32_t value)
{
    virtio_mmio_direct_t *d = ctx;
    volatile uint8_t *p = d->bar_base[bar] + off;
    switch (width) {
    case 1: *p = (uint8_t)value; break;
    case 2: *(volatile uint16_t *)p = (uint16_t)value; break;
    default: *(volatile uint32_t *)p = value; break;
    }
}

void virtio_mmio_direct(virtio_mmio_t *mmio, virtio_mmio_direct_t *bars)
{
    mmio->read = direct_read;
    mmio->write = direct_write;
    mmio->ctx = bars;
}

static uint32_t rd(virtio_dev_t *dev, const virtio_region_t *r, uint64_t off, unsigned width)
{
    return dev->mmio->read(dev->mmio->ctx, r->bar, r->offset + off, width);
}

static void wr(virtio_dev_t *dev, const virtio_region_t *r, uint64_t off, unsigned width, uint32_t v)
{
    dev->mmio->write(dev->mmio->ctx, r->bar, r->offset + off, width, v);
}

virtio_err_t virtio_pci_probe(const pci_dev_t *pci, const virtio_mmio_t *mmio, virtio_dev_t *dev)
{
    if (pci == NULL || mmio == NULL || dev == NULL || pci->vendor != VIRTIO_VENDOR) {
        return VIRTIO_INVALID;
    }
    virtio_dev_t d = {.mmio = mmio};
    bool have[5] = {false};
    for (uint8_t cap = pci_find_cap(pci, PCI_CAP_VENDOR, 0); cap != 0; cap = pci_find_cap(pci, PCI_CAP_VENDOR, cap)) {
        uint8_t cap_len = pci_read8(pci->cfg, pci->bdf, (uint16_t)(cap + 2));
        uint8_t type = pci_read8(pci->cfg, pci->bdf, (uint16_t)(cap + 3));
        uint8_t bar = pci_read8(pci->cfg, pci->bdf, (uint16_t)(cap + 4));
        uint32_t offset = pci_read32(pci->cfg, pci->bdf, (uint16_t)(cap + 8));
        uint32_t length = pci_read32(pci->cfg, pci->bdf, (uint16_t)(cap + 12));
        if (type < VIRTIO_CAP_COMMON || type > VIRTIO_CAP_DEVICE || have[type]) {
            continue; /* other types (PCI access), or a later duplicate: the first one wins */
        }
        if (cap_len < 16 || bar > 5 || pci->bar[bar].kind != PCI_BAR_MEM ||
            (uint64_t)offset + length > pci->bar[bar].size) {
            return VIRTIO_NOT_VIRTIO;
        }
        virtio_region_t r = {.bar = bar, .offset = offset, .length = length};
        switch (type) {
        case VIRTIO_CAP_COMMON:
            if (length < VIRTIO_COMMON_SIZE) {
                return VIRTIO_NOT_VIRTIO;
            }
            d.common = r;
            break;
        case VIRTIO_CAP_NOTIFY:
            if (cap_len < 20) {
                return VIRTIO_NOT_VIRTIO;
            }
            d.notify = r;
            d.notify_multiplier = pci_read32(pci->cfg, pci->bdf, (uint16_t)(cap + 16));
            break;
        case VIRTIO_CAP_ISR:
            if (length < 1) {
                return VIRTIO_NOT_VIRTIO;
            }
            d.isr = r;
            break;
        default:
            d.device = r;
            break;
        }
        have[type] = true;
    }
    if (!have[VIRTIO_CAP_COMMON] || !have[VIRTIO_CAP_NOTIFY] || !have[VIRTIO_CAP_ISR]) {
        return VIRTIO_NOT_VIRTIO;
    }
    d.num_queues = (uint16_t)rd(&d, &d.common, VIRTIO_COMMON_NUMQ, 2);
    *dev = d;
    return VIRTIO_OK;
}

uint8_t virtio_status(virtio_dev_t *dev)
{
    return (uint8_t)rd(dev, &dev->common, VIRTIO_COMMON_STATUS, 1);
}

void virtio_reset(virtio_dev_t *dev)
{
    wr(dev, &dev->common, VIRTIO_COMMON_STATUS, 1, 0);
    /* The device finishes resetting when status reads back 0. */
    for (int i = 0; i < 1000000 && virtio_status(dev) != 0; i++) {
    }
}

virtio_err_t virtio_negotiate(virtio_dev_t *dev, uint64_t wanted)
{
    virtio_reset(dev);
    wr(dev, &dev->common, VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE);
    wr(dev, &dev->common, VIRTIO_COMMON_STATUS, 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(dev, &dev->common, VIRTIO_COMMON_DFSELECT, 4, 0);
    uint64_t offered = rd(dev, &dev->common, VIRTIO_COMMON_DF, 4);
    wr(dev, &dev->common, VIRTIO_COMMON_DFSELECT, 4, 1);
    offered |= (uint64_t)rd(dev, &dev->common, VIRTIO_COMMON_DF, 4) << 32;
    if ((offered & VIRTIO_F_VERSION_1) == 0) {
        virtio_fail(dev);
        return VIRTIO_FEATURES;
    }
    uint64_t accepted = offered & (wanted | VIRTIO_F_VERSION_1);
    wr(dev, &dev->common, VIRTIO_COMMON_GFSELECT, 4, 0);
    wr(dev, &dev->common, VIRTIO_COMMON_GF, 4, (uint32_t)accepted);
    wr(dev, &dev->common, VIRTIO_COMMON_GFSELECT, 4, 1);
    wr(dev, &dev->common, VIRTIO_COMMON_GF, 4, (uint32_t)(accepted >> 32));
    uint8_t status = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK;
    wr(dev, &dev->common, VIRTIO_COMMON_STATUS, 1, status);
    if ((virtio_status(dev) & VIRTIO_STATUS_FEATURES_OK) == 0) {
        virtio_fail(dev);
        return VIRTIO_FEATURES;
    }
    dev->features = accepted;
    return VIRTIO_OK;
}

uint16_t virtio_queue_max(virtio_dev_t *dev, uint16_t index)
{
    if (index >= dev->num_queues) {
        return 0;
    }
    wr(dev, &dev->common, VIRTIO_COMMON_Q_SELECT, 2, index);
    return (uint16_t)rd(dev, &dev->common, VIRTIO_COMMON_Q_SIZE, 2);
}

virtio_err_t virtio_queue_setup(virtio_dev_t *dev, uint16_t index, const virtq_t *vq, uint16_t msix_vector,
                                uint64_t *notify_off)
{
    uint16_t max = virtio_queue_max(dev, index);
    if (max == 0 || vq->size > max) {
        return VIRTIO_QUEUE;
    }
    uint64_t off = (uint64_t)rd(dev, &dev->common, VIRTIO_COMMON_Q_NOFF, 2) * dev->notify_multiplier;
    if (off + 2 > dev->notify.length) {
        return VIRTIO_QUEUE;
    }
    wr(dev, &dev->common, VIRTIO_COMMON_Q_SIZE, 2, vq->size);
    wr(dev, &dev->common, VIRTIO_COMMON_Q_MSIX, 2, msix_vector);
    wr(dev, &dev->common, VIRTIO_COMMON_Q_DESC, 4, (uint32_t)vq->desc_paddr);
    wr(dev, &dev->common, VIRTIO_COMMON_Q_DESC + 4, 4, (uint32_t)(vq->desc_paddr >> 32));
    wr(dev, &dev->common, VIRTIO_COMMON_Q_AVAIL, 4, (uint32_t)vq->avail_paddr);
    wr(dev, &dev->common, VIRTIO_COMMON_Q_AVAIL + 4, 4, (uint32_t)(vq->avail_paddr >> 32));
    wr(dev, &dev->common, VIRTIO_COMMON_Q_USED, 4, (uint32_t)vq->used_paddr);
    wr(dev, &dev->common, VIRTIO_COMMON_Q_USED + 4, 4, (uint32_t)(vq->used_paddr >> 32));
    wr(dev, &dev->common, VIRTIO_COMMON_Q_ENABLE, 2, 1);
    *notify_off = off;
    return VIRTIO_OK;
}

void virtio_driver_ok(virtio_dev_t *dev)
{
    wr(dev, &dev->common, VIRTIO_COMMON_STATUS, 1,
       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
}

void virtio_fail(virtio_dev_t *dev)
{
    wr(dev, &dev->common, VIRTIO_COMMON_STATUS, 1, virtio_status(dev) | VIRTIO_STATUS_FAILED);
}

void virtio_notify(virtio_dev_t *dev, uint64_t notify_off, uint16_t index)
{
    wr(dev, &dev->notify, notify_off, 2, index);
}

uint8_t virtio_isr(virtio_dev_t *dev)
{
    return (uint8_t)rd(dev, &dev->isr, 0, 1);
}

virtio_err_t virtio_config_read(virtio_dev_t *dev, uint32_t off, void *buf, uint32_t len)
{
    if (buf == NULL || (uint64_t)off + len > dev->device.length) {
        return VIRTIO_INVALID;
    }
    uint8_t *out = buf;
    for (int tries = 0; tries < 100; tries++) {
        uint32_t before = rd(dev, &dev->common, VIRTIO_COMMON_CFGGEN, 1);
        for (uint32_t i = 0; i < len; i++) {
            out[i] = (uint8_t)rd(dev, &dev->device, off + i, 1);
        }
        if (rd(dev, &dev->common, VIRTIO_COMMON_CFGGEN, 1) == before) {
            return VIRTIO_OK;
        }
    }
    return VIRTIO_INVALID;
}
