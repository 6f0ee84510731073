/*
 * Glue shared by the VirtIO driver PDs: find the device, put its BARs where
 * the system description maps them, and route its queues' interrupts.
 *
 * Every VirtIO PD is described the same way: BAR 4 (the VirtIO structures)
 * and BAR 1 (the MSI-X table) are mapped uncached at addresses the builder
 * patches into the PD (virtio_bar4, virtio_msix, and their physical
 * addresses), and the PD's MSI is delivered on CPU vector 0x30 + its number
 * in the .system file. Moving the BARs rather than mapping where firmware
 * left them keeps the description static.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_PD_VIRTIO_H
#define SUBSTRATE_SYSTEM_DRIVERS_PD_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#include "ddf/virtio/virtio_pci.h"
#include "system/drivers/pd_pci.h"

typedef struct {
    uint16_t modern_id, transitional_id; /* the device ids to look for */
    uintptr_t bar4, msix;                /* where BAR 4 and BAR 1 are mapped here */
    uint64_t bar4_paddr, msix_paddr;     /* ... and at which physical addresses */
    size_t bar4_size, msix_size;         /* the sizes of those mappings */
    unsigned msi_vector;                 /* the PD's MSI as the .system numbers it */
} pd_virtio_place_t;

/*
 * Opens the device as `p` describes it. On success returns NULL, with *pci,
 * *mmio (through *bars) and *queue_vector set: MSI-X entry 0 for the queues,
 * or 0xFFFF when the device offers no usable MSI-X. Otherwise returns why
 * not, and the device is left as found or with its BARs moved but unused.
 */
static inline const char *pd_virtio_open(pci_cfg_t *cfg, const pd_virtio_place_t *p, pci_dev_t *pci,
                                         virtio_mmio_direct_t *bars, virtio_mmio_t *mmio,
                                         uint16_t *queue_vector)
{
    if (pci_find(cfg, VIRTIO_VENDOR, p->modern_id, 0, pci) != PCI_OK &&
        pci_find(cfg, VIRTIO_VENDOR, p->transitional_id, 0, pci) != PCI_OK) {
        return "no device";
    }
    pd_pci_place_bar(cfg, pci->bdf, 4, p->bar4_paddr);
    pd_pci_place_bar(cfg, pci->bdf, 1, p->msix_paddr);
    (void)pci_dev_open(cfg, pci->bdf, pci);
    if (pci->bar[4].size > p->bar4_size || pci->bar[1].size > p->msix_size) {
        return "BARs larger than their mappings";
    }
    pci_enable(pci, PCI_CMD_MEM | PCI_CMD_BUS_MASTER);
    pci_msix_t msix;
    *queue_vector = 0xFFFF;
    if (pci_msix_probe(pci, &msix) == PCI_OK && msix.table_bar == 1 &&
        pci_msix_set(&msix, (volatile void *)p->msix, p->msix_size, 0, 0xFEE00000u, 0x30u + p->msi_vector) ==
            PCI_OK) {
        pci_msix_enable(pci, &msix);
        *queue_vector = 0;
    }
    bars->bar_base[4] = (volatile uint8_t *)p->bar4;
    bars->bar_size[4] = p->bar4_size;
    virtio_mmio_direct(mmio, bars);
    return NULL;
}

#endif
