/*
 * The rig that virtio_net_test.c and fuzz_virtio_net.c put the virtio-net
 * driver on: a simulated device (virtio_sim.h) on a simulated PCI bus, the
 * driver's queue and DMA memory, and the virtualiser's ends of both queues,
 * RIG_CAP buffers each way. Define RIG_CAP before including; one rig per
 * program (everything is file-scope).
 */
#ifndef SUBSTRATE_TESTS_DDF_VIRTIO_NET_RIG_H
#define SUBSTRATE_TESTS_DDF_VIRTIO_NET_RIG_H

#include <string.h>

#include "system/drivers/virtio_net.h"
#include "tests/ddf/virtio_sim.h"

#ifndef RIG_CAP
#error "define RIG_CAP, the buffers each way, before including virtio_net_rig.h"
#endif

static _Alignas(4096) uint8_t rxq_mem[16384], txq_mem[16384], hdr[VIRTIO_NET_HDR_BYTES];
static _Alignas(64) uint8_t rx_region[RIG_CAP * 64], tx_region[RIG_CAP * 64]; /* rings of RIG_CAP slots */
static _Alignas(4096) uint8_t rx_data[RIG_CAP * NET_BUFFER_SIZE], tx_data[RIG_CAP * NET_BUFFER_SIZE];
static virtio_sim_t sim;
static pci_sim_t bus;
static pci_port_ops_t ports = {pci_sim_in32, pci_sim_out32, &bus};
static pci_cfg_t cfg;
static virtio_mmio_t mmio = {vsim_read, vsim_write, &sim};
static pci_dev_t pdev;
static virtio_net_t vn;
static net_queue_t virt_rx, virt_tx; /* the virtualiser's ends */

/* Plugs in a device offering `features` (queues of at most `queue_max`
 * entries, 0: the simulator's own limit) with `devcfg` as its configuration
 * space (MAC, status), served by `handler`; attaches the virtualiser's queue
 * ends and initialises the driver, which never accepts `features_off`. False
 * if any step fails. */
static bool rig_start(uint64_t features, uint16_t queue_max, uint64_t features_off, vsim_handler_t handler,
                      const uint8_t *devcfg, size_t devcfg_len)
{
    memset(&bus, 0, sizeof(bus));
    pci_cfg_ports(&cfg, &ports);
    virtio_sim_attach(&sim, &bus, (pci_bdf_t){0, 4, 0}, VIRTIO_DEV_NET_TRANSITIONAL, features, handler);
    sim.queue_max = queue_max;
    if (devcfg_len > sizeof(sim.devcfg)) {
        return false;
    }
    if (devcfg_len > 0) {
        memcpy(sim.devcfg, devcfg, devcfg_len);
    }
    if (pci_find(&cfg, VIRTIO_VENDOR, VIRTIO_DEV_NET_TRANSITIONAL, 0, &pdev) != PCI_OK ||
        net_attach(&virt_rx, rx_region, sizeof(rx_region), RIG_CAP, false, true) != DDF_RING_OK ||
        net_attach(&virt_tx, tx_region, sizeof(tx_region), RIG_CAP, true, true) != DDF_RING_OK) {
        return false;
    }
    virtio_net_cfg_t c = {.pci = &pdev, .mmio = &mmio, .rxq_mem = rxq_mem, .rxq_paddr = (uintptr_t)rxq_mem,
                          .txq_mem = txq_mem, .txq_paddr = (uintptr_t)txq_mem, .vq_bytes = sizeof(rxq_mem),
                          .hdr = hdr, .hdr_paddr = (uintptr_t)hdr, .rx_region = rx_region,
                          .rx_region_size = sizeof(rx_region), .tx_region = tx_region,
                          .tx_region_size = sizeof(tx_region), .capacity = RIG_CAP, .rx_data = rx_data,
                          .rx_data_paddr = (uintptr_t)rx_data, .rx_data_size = sizeof(rx_data),
                          .tx_data = tx_data, .tx_data_paddr = (uintptr_t)tx_data,
                          .tx_data_size = sizeof(tx_data), .msix_vector = 0xFFFF, .features_off = features_off};
    return virtio_net_init(&vn, &c) == VIRTIO_NET_OK;
}

#endif
