/*
 * Glue shared by driver PDs: PCI configuration space through the I/O ports
 * (0xCF8..0xCFF) the system description grants, and placing a BAR at the
 * physical address the description maps for it.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_PD_PCI_H
#define SUBSTRATE_SYSTEM_DRIVERS_PD_PCI_H

#include <microkit.h>

#include "ddf/pci/pci.h"

static uint32_t pd_pci_in32(void *ctx, uint16_t port)
{
    return microkit_x86_ioport_read_32((microkit_ioport)(uintptr_t)ctx, port);
}

static void pd_pci_out32(void *ctx, uint16_t port, uint32_t value)
{
    microkit_x86_ioport_write_32((microkit_ioport)(uintptr_t)ctx, port, value);
}

/* Moves BAR `bar` (64-bit if the device says so) to `paddr`, decoding off meanwhile. */
static inline void pd_pci_place_bar(const pci_cfg_t *cfg, pci_bdf_t bdf, unsigned bar, uint64_t paddr)
{
    uint16_t off = (uint16_t)(0x10 + 4 * bar);
    uint16_t cmd = pci_read16(cfg, bdf, PCI_COMMAND);
    pci_write16(cfg, bdf, PCI_COMMAND, cmd & (uint16_t) ~(PCI_CMD_MEM | PCI_CMD_IO));
    uint32_t old = pci_read32(cfg, bdf, off);
    pci_write32(cfg, bdf, off, (uint32_t)paddr | (old & 0xFu));
    if (((old >> 1) & 3u) == 2) {
        pci_write32(cfg, bdf, (uint16_t)(off + 4), (uint32_t)(paddr >> 32));
    }
    pci_write16(cfg, bdf, PCI_COMMAND, cmd);
}

#endif
