/*
 * ddf/pci: PCI configuration space, BARs, capabilities, MSI and MSI-X.
 *
 * Configuration space is reached through an access method (pci_cfg_t): the
 * legacy ports 0xCF8/0xCFC (pci_cfg_ports(), given the port operations the
 * PD may use), or a memory-mapped ECAM window (pci_cfg_ecam()), as the system
 * description grants. Host tests plug in a simulated bus.
 *
 * A driver finds its device by vendor and device id (pci_find) or by the
 * `bus:dev.fn` its system description patches in (pci_bdf_parse). Nothing
 * here assumes a slot. Everything read from configuration space is device
 * input: capability pointers are bounded and loop-checked, BAR sizes are
 * probed and sanity-checked before anyone maps or trusts them.
 */
#ifndef SUBSTRATE_DDF_PCI_H
#define SUBSTRATE_DDF_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t (*read32)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off);
    void (*write32)(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t value);
    void *ctx;
} pci_cfg_t;

/* Port I/O as the PD does it (e.g. microkit_x86_ioport_{read,write}_32 on the
 * granted 0xCF8..0xCFF range). */
typedef struct {
    uint32_t (*in32)(void *ctx, uint16_t port);
    void (*out32)(void *ctx, uint16_t port, uint32_t value);
    void *ctx;
} pci_port_ops_t;

typedef struct {
    uint8_t bus, dev, fn;
} pci_bdf_t;

typedef enum { PCI_BAR_NONE = 0, PCI_BAR_MEM, PCI_BAR_IO } pci_bar_kind_t;

typedef struct {
    pci_bar_kind_t kind;
    bool is64, prefetchable;
    uint64_t base;   /* as programmed by firmware */
    uint64_t size;   /* probed; 0 if unimplemented */
} pci_bar_t;

typedef struct {
    const pci_cfg_t *cfg;
    pci_bdf_t bdf;
    uint16_t vendor, device;
    uint8_t class_code, subclass, prog_if, header_type;
    pci_bar_t bar[6];
} pci_dev_t;

typedef enum {
    PCI_OK = 0,
    PCI_NOT_FOUND,
    PCI_INVALID,      /* bad argument or malformed bdf string */
    PCI_BAD_DEVICE,   /* configuration space contradicts itself */
} pci_err_t;

#define PCI_CAP_MSI 0x05
#define PCI_CAP_VENDOR 0x09
#define PCI_CAP_MSIX 0x11
#define PCI_COMMAND 0x04
#define PCI_CMD_IO (1u << 0)
#define PCI_CMD_MEM (1u << 1)
#define PCI_CMD_BUS_MASTER (1u << 2)
#define PCI_CMD_INTX_DISABLE (1u << 10)

/* Access methods. `ports` and `ecam_base` must outlive the returned cfg. */
void pci_cfg_ports(pci_cfg_t *cfg, pci_port_ops_t *ports);
void pci_cfg_ecam(pci_cfg_t *cfg, volatile void *ecam_base, uint8_t bus_count);

uint8_t pci_read8(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off);
uint16_t pci_read16(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off);
uint32_t pci_read32(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off);
void pci_write16(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off, uint16_t v);
void pci_write32(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off, uint32_t v);

/* "BB:DD.F" in hex, as lspci prints it (an optional "SSSS:" segment 0 prefix is accepted). */
pci_err_t pci_bdf_parse(const char *s, pci_bdf_t *out);

/* Reads ids, class and BARs (probing sizes) of the function at `bdf`. */
pci_err_t pci_dev_open(const pci_cfg_t *cfg, pci_bdf_t bdf, pci_dev_t *dev);

/* Finds the `index`-th function with these ids, walking bus 0 and every bus
 * behind a bridge (depth-first, bounded). */
pci_err_t pci_find(const pci_cfg_t *cfg, uint16_t vendor, uint16_t device, unsigned index, pci_dev_t *dev);

/* Offset of the first capability `id` after `after` (0: from the start), or 0. */
uint8_t pci_find_cap(const pci_dev_t *dev, uint8_t id, uint8_t after);

void pci_enable(const pci_dev_t *dev, uint16_t command_bits);

/* Program MSI: one message with this address/data; disables INTx. */
pci_err_t pci_msi_enable(const pci_dev_t *dev, uint64_t address, uint32_t data);

/* MSI-X: the table lives in a BAR the driver has mapped at `bar_base`
 * (`bar_size` bytes, as the system description maps it). */
typedef struct {
    uint8_t cap;
    uint16_t table_size;
    uint8_t table_bar;
    uint32_t table_offset;
} pci_msix_t;

pci_err_t pci_msix_probe(const pci_dev_t *dev, pci_msix_t *msix);
pci_err_t pci_msix_set(const pci_msix_t *msix, volatile void *bar_base, uint64_t bar_size, uint16_t entry,
                       uint64_t address, uint32_t data);
void pci_msix_enable(const pci_dev_t *dev, const pci_msix_t *msix);

#endif
