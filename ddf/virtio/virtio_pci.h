/*
 * ddf/virtio/virtio_pci: the VirtIO 1.x modern PCI transport.
 *
 * Finds the common, notify, ISR and device-specific configuration structures
 * through the vendor capabilities of a PCI function, checks each lies inside
 * its BAR, and drives device initialisation: reset, ACKNOWLEDGE, DRIVER,
 * feature negotiation (VIRTIO_F_VERSION_1 is required), FEATURES_OK, queue
 * set-up, DRIVER_OK.
 *
 * Register access goes through virtio_mmio_t: on the target plain volatile
 * loads and stores on the BARs the system description maps (virtio_mmio_direct),
 * in host tests a simulated device.
 */
#ifndef SUBSTRATE_DDF_VIRTIO_PCI_H
#define SUBSTRATE_DDF_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "ddf/pci/pci.h"
#include "ddf/virtio/virtqueue.h"

#define VIRTIO_VENDOR 0x1AF4
#define VIRTIO_DEV_NET_TRANSITIONAL 0x1000
#define VIRTIO_DEV_BLK_TRANSITIONAL 0x1001
#define VIRTIO_DEV_MODERN(id) ((uint16_t)(0x1040 + (id)))
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLK 2

#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

#define VIRTIO_F_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

enum { VIRTIO_CAP_COMMON = 1, VIRTIO_CAP_NOTIFY = 2, VIRTIO_CAP_ISR = 3, VIRTIO_CAP_DEVICE = 4 };

/* Offsets in the common configuration structure. */
enum {
    VIRTIO_COMMON_DFSELECT = 0, VIRTIO_COMMON_DF = 4, VIRTIO_COMMON_GFSELECT = 8, VIRTIO_COMMON_GF = 12,
    VIRTIO_COMMON_MSIX = 16, VIRTIO_COMMON_NUMQ = 18, VIRTIO_COMMON_STATUS = 20, VIRTIO_COMMON_CFGGEN = 21,
    VIRTIO_COMMON_Q_SELECT = 22, VIRTIO_COMMON_Q_SIZE = 24, VIRTIO_COMMON_Q_MSIX = 26,
    VIRTIO_COMMON_Q_ENABLE = 28, VIRTIO_COMMON_Q_NOFF = 30, VIRTIO_COMMON_Q_DESC = 32,
    VIRTIO_COMMON_Q_AVAIL = 40, VIRTIO_COMMON_Q_USED = 48, VIRTIO_COMMON_SIZE = 56,
};

typedef struct {
    uint32_t (*read)(void *ctx, uint8_t bar, uint64_t off, unsigned width);
    void (*write)(void *ctx, uint8_t bar, uint64_t off, unsigned width, uint32_t value);
    void *ctx;
} virtio_mmio_t;

/* Direct access to BARs mapped at bar_base[i] (NULL where not mapped). */
typedef struct {
    volatile uint8_t *bar_base[6];
    uint64_t bar_size[6];
} virtio_mmio_direct_t;
void virtio_mmio_direct(virtio_mmio_t *mmio, virtio_mmio_direct_t *bars);

typedef struct {
    uint8_t bar;
    uint64_t offset, length;
} virtio_region_t;

typedef struct {
    const virtio_mmio_t *mmio;
    virtio_region_t common, notify, isr, device;
    uint32_t notify_multiplier;
    uint64_t features;         /* negotiated */
    uint16_t num_queues;
} virtio_dev_t;

typedef enum {
    VIRTIO_OK = 0,
    VIRTIO_NOT_VIRTIO,       /* missing or malformed capabilities */
    VIRTIO_FEATURES,         /* the device refused our features or lacks VERSION_1 */
    VIRTIO_QUEUE,            /* no such queue, or bad notify offset */
    VIRTIO_INVALID,
} virtio_err_t;

/* Reads the transport capabilities of `pci`; checks them against its BARs. */
virtio_err_t virtio_pci_probe(const pci_dev_t *pci, const virtio_mmio_t *mmio, virtio_dev_t *dev);

void virtio_reset(virtio_dev_t *dev);
uint8_t virtio_status(virtio_dev_t *dev);
/* Reset, ACKNOWLEDGE|DRIVER, negotiate `wanted` (VERSION_1 is added), FEATURES_OK. */
virtio_err_t virtio_negotiate(virtio_dev_t *dev, uint64_t wanted);
/* Sets up queue `index` with the vq's addresses; its size must fit the device's maximum. */
virtio_err_t virtio_queue_setup(virtio_dev_t *dev, uint16_t index, const virtq_t *vq, uint16_t msix_vector,
                                uint64_t *notify_off);
/* The largest size the device allows for queue `index` (0: no such queue). */
uint16_t virtio_queue_max(virtio_dev_t *dev, uint16_t index);
void virtio_driver_ok(virtio_dev_t *dev);
void virtio_fail(virtio_dev_t *dev);
void virtio_notify(virtio_dev_t *dev, uint64_t notify_off, uint16_t index);
/* Reads (and so acknowledges) the ISR status: bit 0 queue, bit 1 configuration. */
uint8_t virtio_isr(virtio_dev_t *dev);
/* Reads `len` bytes of device configuration at `off`, consistently (generation check). */
virtio_err_t virtio_config_read(virtio_dev_t *dev, uint32_t off, void *buf, uint32_t len);

#endif
