/*
 * The virtio-net driver library: serves the receive and transmit connections
 * of ddf/net.h from a VirtIO 1.x network device on PCI.
 *
 * The buffers belong to the network virtualiser (its receive and transmit DMA
 * regions, mapped here with their device addresses). Receive: each empty
 * buffer the virtualiser offers is posted to the device behind a private
 * virtio-net header; a filled one goes back on the active ring with the frame
 * length. Transmit: each frame is sent behind a zeroed header and its buffer
 * goes back on the free ring once the device is done. Every descriptor from
 * the virtualiser is checked against its region, and every length from the
 * device against the buffer.
 * MAC address (VIRTIO_NET_F_MAC) and link state (VIRTIO_NET_F_STATUS) are
 * read from the device's configuration.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_NET_H
#define SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_NET_H

#include "ddf/net.h"
#include "ddf/virtio/virtio_pci.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1u
#define VIRTIO_NET_HDR_LEN 12u
#define VIRTIO_NET_SLOTS 64u           /* per direction; two descriptors each */
#define VIRTIO_NET_HDR_BYTES (2u * VIRTIO_NET_SLOTS * 16u)

typedef struct {
    const pci_dev_t *pci;
    const virtio_mmio_t *mmio;
    void *rxq_mem; uint64_t rxq_paddr;
    void *txq_mem; uint64_t txq_paddr;
    size_t vq_bytes;                                   /* each */
    uint8_t *hdr; uint64_t hdr_paddr;                  /* VIRTIO_NET_HDR_BYTES of DMA memory */
    void *rx_region; size_t rx_region_size;            /* receive connection (we serve) */
    void *tx_region; size_t tx_region_size;            /* transmit connection (we serve) */
    uint32_t capacity;
    uint8_t *rx_data; uint64_t rx_data_paddr; uint64_t rx_data_size;
    uint8_t *tx_data; uint64_t tx_data_paddr; uint64_t tx_data_size;
    uint16_t msix_vector;                              /* for both queues; 0xFFFF: none */
} virtio_net_cfg_t;

typedef struct {
    virtio_dev_t dev;
    virtq_t rxq, txq;
    uint64_t rx_notify_off, tx_notify_off;
    net_queue_t rx, tx;
    uint8_t *hdr; uint64_t hdr_paddr;
    uint64_t rx_data_paddr, rx_data_size;
    uint64_t tx_data_paddr, tx_data_size;
    uint64_t rx_slot[VIRTIO_NET_SLOTS];    /* buffer offset held by each receive slot */
    uint64_t tx_slot[VIRTIO_NET_SLOTS];
    uint64_t rx_busy, tx_busy;             /* bitmaps of slots at the device */
    uint8_t mac[NET_MAC_LEN];
    bool link_up;
    bool failed;
    uint64_t rx_frames, tx_frames, rx_bad, bad_descs;
    bool notify_virt;                      /* output of the last poll */
} virtio_net_t;

typedef enum { VIRTIO_NET_OK = 0, VIRTIO_NET_EINVAL, VIRTIO_NET_EDEVICE } virtio_net_err_t;

virtio_net_err_t virtio_net_init(virtio_net_t *vn, const virtio_net_cfg_t *cfg);
void virtio_net_poll(virtio_net_t *vn);

#endif
