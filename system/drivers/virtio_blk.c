/*
 * virtio-blk driver library (see virtio_blk.h).
 *
 * Owns: the device, its one request queue, and a slot per outstanding
 * request holding the client's id.
 * Invariants: a slot is used exactly while its chain is at the device; the
 * number of slots never exceeds what the virtqueue or the client's response
 * ring can hold, so every completion has somewhere to go.
 * Must never: hand the device an address outside the client's data region
 * or our metadata area, or trust the used ring (the virtqueue checks it).
 */
#include "system/drivers/virtio_blk.h"

#define SECTORS_PER_BLOCK (BLK_TRANSFER_SIZE / BLK_SECTOR_SIZE)

virtio_blk_err_t virtio_blk_init(virtio_blk_t *vb, const virtio_blk_cfg_t *cfg)
{
    if (vb == NULL || cfg == NULL || cfg->pci == NULL || cfg->mmio == NULL || cfg->meta == NULL ||
        cfg->data == NULL || cfg->data_size % BLK_TRANSFER_SIZE != 0) {
        return VIRTIO_BLK_EINVAL;
    }
    *vb = (virtio_blk_t){.meta = cfg->meta, .meta_paddr = cfg->meta_paddr, .data = cfg->data,
                         .data_paddr = cfg->data_paddr, .data_size = cfg->data_size};
    if (blk_attach(&vb->q, cfg->region, cfg->region_size, cfg->capacity, false, false) != DDF_RING_OK) {
        return VIRTIO_BLK_EINVAL;
    }
    if (virtio_pci_probe(cfg->pci, cfg->mmio, &vb->dev) != VIRTIO_OK ||
        virtio_negotiate(&vb->dev, VIRTIO_BLK_F_FLUSH | VIRTIO_BLK_F_RO | VIRTIO_F_EVENT_IDX) != VIRTIO_OK) {
        return VIRTIO_BLK_EDEVICE;
    }
    uint16_t size = cfg->queue_size;
    uint16_t max = virtio_queue_max(&vb->dev, 0);
    while (size > max) {
        size /= 2;
    }
    uint64_t sectors = 0;
    if (size < 4 || virtio_config_read(&vb->dev, 0, &sectors, sizeof(sectors)) != VIRTIO_OK ||
        virtq_init(&vb->vq, cfg->vq_mem, cfg->vq_paddr, cfg->vq_size, size,
                   (vb->dev.features & VIRTIO_F_EVENT_IDX) != 0) != VIRTQ_OK ||
        virtio_queue_setup(&vb->dev, 0, &vb->vq, cfg->msix_vector, &vb->notify_off) != VIRTIO_OK) {
        virtio_fail(&vb->dev);
        return VIRTIO_BLK_EDEVICE;
    }
    virtio_driver_ok(&vb->dev);
    vb->capacity_blocks = sectors / SECTORS_PER_BLOCK;
    vb->can_flush = (vb->dev.features & VIRTIO_BLK_F_FLUSH) != 0;
    vb->read_only = (vb->dev.features & VIRTIO_BLK_F_RO) != 0;
    uint32_t slots = size / 3u;
    slots = slots < cfg->capacity ? slots : cfg->capacity;
    vb->slots = slots < VIRTIO_BLK_MAX_SLOTS ? slots : VIRTIO_BLK_MAX_SLOTS;
    /* Publish the disk to our client; `ready` last. */
    blk_storage_info_t *info = vb->q.info;
    uint32_t generation = info->generation;
    info->capacity = vb->capacity_blocks;
    info->read_only = vb->read_only;
    info->sector_size = BLK_SECTOR_SIZE;
    info->max_count = (uint32_t)(cfg->data_size / BLK_TRANSFER_SIZE);
    info->generation = generation + 1;
    __atomic_store_n(&info->ready, 1, __ATOMIC_RELEASE);
    /* Idle from the start: ask to be told about the first requests. */
    ddf_ring_request_signal(&vb->q.req);
    vb->notify_client = true;
    return VIRTIO_BLK_OK;
}

static void respond(virtio_blk_t *vb, uint32_t id, uint32_t status, uint32_t count)
{
    blk_resp_t resp = {.status = status, .id = id, .count = count};
    (void)blk_resp_enqueue(&vb->q, &resp); /* room: we hold at most capacity requests */
    vb->notify_client = true;
}

static uint32_t check_request(const virtio_blk_t *vb, const blk_req_t *r)
{
    if (r->code == BLK_REQ_FLUSH) {
        return BLK_RESP_OK;
    }
    if (r->code != BLK_REQ_READ && r->code != BLK_REQ_WRITE) {
        return BLK_RESP_INVALID;
    }
    if (r->count == 0 || r->offset % BLK_SECTOR_SIZE != 0 || r->offset >= vb->data_size ||
        (uint64_t)r->count * BLK_TRANSFER_SIZE > vb->data_size - r->offset) {
        return BLK_RESP_INVALID;
    }
    if (r->block >= vb->capacity_blocks || r->count > vb->capacity_blocks - r->block) {
        return BLK_RESP_SEEK_ERROR;
    }
    if (r->code == BLK_REQ_WRITE && vb->read_only) {
        return BLK_RESP_READ_ONLY;
    }
    return BLK_RESP_OK;
}

static void put_le32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v); put_le32(p + 4, (uint32_t)(v >> 32)); }

/* Sends one checked request to the device in slot `s`. */
static void submit(virtio_blk_t *vb, uint32_t s, const blk_req_t *r)
{
    uint8_t *hdr = vb->meta + 32u * s;
    uint32_t type = r->code == BLK_REQ_READ ? VIRTIO_BLK_T_IN : r->code == BLK_REQ_WRITE ? VIRTIO_BLK_T_OUT
                                                                                         : VIRTIO_BLK_T_FLUSH;
    put_le32(hdr, type);
    put_le32(hdr + 4, 0);
    put_le64(hdr + 8, r->code == BLK_REQ_FLUSH ? 0 : r->block * SECTORS_PER_BLOCK);
    hdr[16] = 0xFF; /* status, overwritten by the device */
    uint64_t hdr_paddr = vb->meta_paddr + 32u * s;
    virtq_buf_t bufs[3];
    unsigned n = 0;
    bufs[n++] = (virtq_buf_t){.addr = hdr_paddr, .len = 16, .writable = false};
    if (r->code != BLK_REQ_FLUSH) {
        bufs[n++] = (virtq_buf_t){.addr = vb->data_paddr + r->offset, .len = r->count * BLK_TRANSFER_SIZE,
                                  .writable = r->code == BLK_REQ_READ};
    }
    bufs[n++] = (virtq_buf_t){.addr = hdr_paddr + 16, .len = 1, .writable = true};
    (void)virtq_add(&vb->vq, bufs, n, s); /* room: slots * 3 <= queue size */
    vb->slot[s] = (virtio_blk_slot_t){.used = true, .id = r->id, .count = r->count, .code = r->code};
    vb->inflight++;
    vb->requests++;
}

static void complete(virtio_blk_t *vb)
{
    uint64_t cookie;
    uint32_t written;
    virtq_err_t err;
    while ((err = virtq_get_used(&vb->vq, &cookie, &written)) == VIRTQ_OK) {
        uint32_t s = (uint32_t)cookie; /* our own cookie, from private memory */
        virtio_blk_slot_t slot = vb->slot[s];
        vb->slot[s].used = false;
        vb->inflight--;
        uint8_t status = vb->meta[32u * s + 16];
        bool ok = status == VIRTIO_BLK_S_OK && written >= 1;
        respond(vb, slot.id, ok ? BLK_RESP_OK : BLK_RESP_IO_ERROR,
                ok && slot.code != BLK_REQ_FLUSH ? slot.count : 0);
    }
    if (err == VIRTQ_DEVICE_ERROR) {
        /* The device lied about completions: stop it, fail what it held. */
        virtio_reset(&vb->dev);
        vb->failed = true;
        for (uint32_t s = 0; s < vb->slots; s++) {
            if (vb->slot[s].used) {
                vb->slot[s].used = false;
                respond(vb, vb->slot[s].id, BLK_RESP_IO_ERROR, 0);
            }
        }
        vb->inflight = 0;
    }
}

void virtio_blk_poll(virtio_blk_t *vb)
{
    vb->notify_client = false;
    if (vb->failed) {
        blk_req_t r;
        while (blk_req_dequeue(&vb->q, &r) == DDF_RING_OK) {
            respond(vb, r.id, BLK_RESP_IO_ERROR, 0);
        }
        return;
    }
    for (;;) {
        complete(vb);
        bool added = false;
        while (vb->inflight < vb->slots && !vb->failed) {
            blk_req_t r;
            if (blk_req_dequeue(&vb->q, &r) != DDF_RING_OK) {
                break;
            }
            uint32_t status = check_request(vb, &r);
            if (status != BLK_RESP_OK || (r.code == BLK_REQ_FLUSH && !vb->can_flush)) {
                respond(vb, r.id, status, 0); /* a flush the device does not need succeeds at once */
                continue;
            }
            uint32_t s = 0;
            while (vb->slot[s].used) {
                s++;
            }
            submit(vb, s, &r);
            added = true;
        }
        if (added && virtq_publish(&vb->vq)) {
            virtio_notify(&vb->dev, vb->notify_off, 0);
            vb->notifies++;
        }
        if (vb->failed) {
            break;
        }
        /* Before sleeping, re-arm both wake-ups and re-check each (lost wake-up rule). */
        if (virtq_enable_irq(&vb->vq)) {
            continue; /* a completion slipped in */
        }
        ddf_ring_request_signal(&vb->q.req);
        if (!ddf_ring_empty(&vb->q.req) && vb->inflight < vb->slots) {
            ddf_ring_cancel_signal(&vb->q.req);
            continue; /* a request slipped in */
        }
        break;
    }
}
