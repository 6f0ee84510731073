/*
 * The virtio-net driver library: serves the receive and transmit connections
 * of ddf/net.h from a VirtIO 1.x network device on PCI.
 *
 * The buffers belong to the network virtualiser (its receive and transmit DMA
 * regions, mapped here with their device addresses).
 *
 * Receive: each empty buffer the virtualiser offers goes to the device as one
 * device-writable descriptor of NET_BUFFER_SIZE bytes. The device writes the
 * 12-byte virtio-net header and then the packet; with VIRTIO_NET_F_MRG_RXBUF
 * a packet may fill several buffers (the header's num_buffers says how many,
 * and they complete in order). A whole packet goes back on the active ring as
 * one chain: the first piece starts 12 bytes into its buffer, later pieces at
 * their buffer's start. The header's NEEDS_CSUM / DATA_VALID / GSO_TCPV4 become
 * NET_DESC_CSUM_PARTIAL / CSUM_VALID / GSO_TCPV4. A packet that breaks the
 * rules (see virtio_net.c) is dropped: every one of its buffers goes back
 * empty (length 0), and it is counted.
 *
 * Transmit: each frame (one buffer, or a GSO chain) goes to the device as one
 * descriptor chain: a private header, then the frame's pieces. CSUM_PARTIAL is
 * passed on as NEEDS_CSUM when the device offered VIRTIO_NET_F_CSUM, else the
 * checksum is completed here; GSO_TCPV4 is passed on when the device offered
 * VIRTIO_NET_F_HOST_TSO4 (and refused otherwise). The transmit free ring's
 * offload word says which (NET_OFFLOAD_TX_*). Every buffer of a frame goes
 * back on the free ring once the device is done with it.
 *
 * Every descriptor from the virtualiser is checked against its region, and
 * every length from the device against the buffer. MAC address
 * (VIRTIO_NET_F_MAC) and link state (VIRTIO_NET_F_STATUS) are read from the
 * device's configuration.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_NET_H
#define SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_NET_H

#include "ddf/net.h"
#include "ddf/virtio/virtio_pci.h"

#define VIRTIO_NET_F_CSUM (1ull << 0)
#define VIRTIO_NET_F_GUEST_CSUM (1ull << 1)
#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_GUEST_TSO4 (1ull << 7)
#define VIRTIO_NET_F_HOST_TSO4 (1ull << 11)
#define VIRTIO_NET_F_MRG_RXBUF (1ull << 15)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1u

/* The header in front of every packet (VERSION_1: always 12 bytes). */
#define VIRTIO_NET_HDR_LEN 12u
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_F_DATA_VALID 2u
#define VIRTIO_NET_HDR_GSO_NONE 0u
#define VIRTIO_NET_HDR_GSO_TCPV4 1u

#define VIRTIO_NET_QUEUE_SIZE VIRTQ_MAX_SIZE /* wanted virtqueue size (the device may allow less) */
#define VIRTIO_NET_RX_SLOTS VIRTQ_MAX_SIZE   /* receive buffers at the device: one descriptor each */
#define VIRTIO_NET_TX_SLOTS (VIRTQ_MAX_SIZE / 2) /* frames at the device: two descriptors or more each */
#define VIRTIO_NET_HDR_STRIDE 16u
#define VIRTIO_NET_HDR_BYTES (VIRTIO_NET_TX_SLOTS * VIRTIO_NET_HDR_STRIDE) /* transmit headers */
/* Receive offloads (GUEST_TSO4) only with room at the device for a whole 64 KiB packet. */
#define VIRTIO_NET_GSO_MIN_SLOTS NET_MAX_CHAIN

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
    uint64_t features_off;                             /* VIRTIO_NET_F_* never to accept (0: all we know) */
} virtio_net_cfg_t;

/* A receive buffer the device filled, waiting for the rest of its packet or
 * for room on the active ring. */
typedef struct {
    uint16_t slot;
    uint16_t written;
} virtio_net_done_t;

typedef struct {
    virtio_dev_t dev;
    virtq_t rxq, txq;
    uint64_t rx_notify_off, tx_notify_off;
    net_queue_t rx, tx;
    uint8_t *hdr; uint64_t hdr_paddr;
    uint8_t *rx_data; uint64_t rx_data_paddr, rx_data_size;
    uint8_t *tx_data; uint64_t tx_data_paddr, tx_data_size;
    uint32_t rx_slots, tx_slots;           /* how many of each are in use (from capacity and queue size) */
    /* Receive: buffer offset per slot, free slots as a stack, filled buffers in order. */
    uint64_t rx_buf[VIRTIO_NET_RX_SLOTS];
    uint16_t rx_free[VIRTIO_NET_RX_SLOTS];
    uint32_t rx_nfree;
    virtio_net_done_t rx_done[VIRTIO_NET_RX_SLOTS];
    uint32_t rx_done_head, rx_done_count;
    /* Transmit: the buffers of the frame in each slot, free slots, finished slots in order. */
    uint64_t tx_buf[VIRTIO_NET_TX_SLOTS][NET_MAX_CHAIN];
    uint8_t tx_nbuf[VIRTIO_NET_TX_SLOTS];
    uint16_t tx_free[VIRTIO_NET_TX_SLOTS];
    uint32_t tx_nfree;
    uint16_t tx_done[VIRTIO_NET_TX_SLOTS];
    uint32_t tx_done_head, tx_done_count;
    uint32_t tx_bufs_out;                  /* buffers of frames the device has not finished */
    /* A frame taken from the virtualiser that waits for descriptors at the device. */
    net_buff_desc_t tx_pending[NET_MAX_CHAIN];
    uint32_t tx_pending_n;
    uint32_t tx_offloads;                  /* NET_OFFLOAD_TX_* we publish */
    uint8_t mac[NET_MAC_LEN];
    bool link_up;
    bool failed;
    /* Counters. rx_bad: packets dropped (buffers returned empty); bad_descs:
     * descriptors from the virtualiser naming no buffer of its region;
     * tx_bad: frames refused (bad chain, length or offload metadata);
     * tx_gso_refused: GSO frames without VIRTIO_NET_F_HOST_TSO4 (also in tx_bad);
     * tx_sw_csum: checksums completed here; tx_irqs_armed: wake-ups after
     * which a transmit completion was allowed to interrupt. */
    uint64_t rx_frames, tx_frames, rx_bad, bad_descs, tx_bad, tx_gso_refused, tx_sw_csum, tx_irqs_armed;
    bool notify_virt;                      /* output of the last poll */
} virtio_net_t;

typedef enum { VIRTIO_NET_OK = 0, VIRTIO_NET_EINVAL, VIRTIO_NET_EDEVICE } virtio_net_err_t;

virtio_net_err_t virtio_net_init(virtio_net_t *vn, const virtio_net_cfg_t *cfg);
void virtio_net_poll(virtio_net_t *vn);

#endif
