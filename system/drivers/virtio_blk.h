/*
 * The virtio-blk driver library: serves one blk connection (ddf/blk.h) from
 * a VirtIO 1.x block device on PCI.
 *
 * Read, write and flush, with many requests outstanding (one three-part chain
 * each: header, data, status), and the capacity published in the connection's
 * storage info. The client's data region is the device's DMA region: request
 * offsets are translated to device addresses after checking them against the
 * region's size. Requests for blocks past the end of the disk are answered
 * with BLK_RESP_SEEK_ERROR and never reach the device.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_BLK_H
#define SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_BLK_H

#include "ddf/blk.h"
#include "ddf/virtio/virtio_pci.h"

#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_MAX_SLOTS 64u
#define VIRTIO_BLK_META_BYTES (VIRTIO_BLK_MAX_SLOTS * 32u)  /* header (16) + status, per slot */

typedef struct {
    const pci_dev_t *pci;
    const virtio_mmio_t *mmio;
    void *vq_mem; uint64_t vq_paddr; size_t vq_size;   /* the virtqueue's DMA memory */
    uint8_t *meta; uint64_t meta_paddr;                /* VIRTIO_BLK_META_BYTES of DMA memory */
    void *region; size_t region_size; uint32_t capacity; /* the blk connection (we are its server) */
    uint8_t *data; uint64_t data_paddr; uint64_t data_size; /* the client's data region */
    uint16_t queue_size;                               /* wanted; capped by the device */
    uint16_t msix_vector;                              /* MSI-X entry for the queue; 0xFFFF: none */
} virtio_blk_cfg_t;

typedef struct {
    bool used;
    uint32_t id, count, code;
} virtio_blk_slot_t;

typedef struct {
    virtio_dev_t dev;
    virtq_t vq;
    uint64_t notify_off;
    blk_queue_t q;
    uint8_t *meta; uint64_t meta_paddr;
    uint8_t *data; uint64_t data_paddr; uint64_t data_size;
    uint64_t capacity_blocks;
    bool can_flush, read_only;
    uint32_t slots;
    virtio_blk_slot_t slot[VIRTIO_BLK_MAX_SLOTS];
    uint32_t inflight;
    bool failed;                /* the device broke the protocol; it was reset */
    uint64_t requests, notifies;
    bool notify_client;         /* output of the last poll */
} virtio_blk_t;

typedef enum { VIRTIO_BLK_OK = 0, VIRTIO_BLK_EINVAL, VIRTIO_BLK_EDEVICE } virtio_blk_err_t;

/* Brings the device up and publishes the storage info (bumping its generation). */
virtio_blk_err_t virtio_blk_init(virtio_blk_t *vb, const virtio_blk_cfg_t *cfg);
/* Completions to responses, requests to the device. Call on every notification and IRQ. */
void virtio_blk_poll(virtio_blk_t *vb);

#endif
