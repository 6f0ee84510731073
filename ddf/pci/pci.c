/*
 * PCI configuration space (see pci.h).
 *
 * Owns: the encoding of configuration addresses and the walks over buses,
 * BARs and capability lists.
 * Invariants: every walk is bounded (buses by a visited set, capability lists
 * by the 48 slots config space can hold), so a hostile or broken device can
 * not loop us; a BAR's size is probed with decoding switched off and its
 * original value restored.
 * Must never: write a register it has not read first, except the probe.
 */
#include "ddf/pci/pci.h"
#include "lib/text/text.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_MAX_CAPS 48

static uint32_t ports_read32(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    pci_port_ops_t *p = ctx;
    p->out32(p->ctx, PCI_CONFIG_ADDRESS,
             0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 | (uint32_t)(fn & 7) << 8 | (off & 0xFC));
    return p->in32(p->ctx, PCI_CONFIG_DATA);
}

static void ports_write32(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t value)
{
    pci_port_ops_t *p = ctx;
    p->out32(p->ctx, PCI_CONFIG_ADDRESS,
             0x80000000u | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 | (uint32_t)(fn & 7) << 8 | (off & 0xFC));
    p->out32(p->ctx, PCI_CONFIG_DATA, value);
}

void pci_cfg_ports(pci_cfg_t *cfg, pci_port_ops_t *ports)
{
    cfg->read32 = ports_read32;
    cfg->write32 = ports_write32;
    cfg->ctx = ports;
}

/* ECAM: the context is the window's base; buses beyond the window read as absent. */
typedef struct {
    volatile uint8_t *base;
    uint8_t bus_count;
} ecam_t;

static ecam_t ecam_state;

static uint32_t ecam_read32(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off)
{
    ecam_t *e = ctx;
    if (bus >= e->bus_count || off >= 4096) {
        return 0xFFFFFFFFu;
    }
    size_t at = (size_t)bus << 20 | (size_t)(dev & 31) << 15 | (size_t)(fn & 7) << 12 | (off & 0xFFC);
    return *(volatile uint32_t *)(e->base + at);
}

static void ecam_write32(void *ctx, uint8_t bus, uint8_t dev, uint8_t fn, uint16_t off, uint32_t value)
{
    ecam_t *e = ctx;
    if (bus >= e->bus_count || off >= 4096) {
        return;
    }
    size_t at = (size_t)bus << 20 | (size_t)(dev & 31) << 15 | (size_t)(fn & 7) << 12 | (off & 0xFFC);
    *(volatile uint32_t *)(e->base + at) = value;
}

void pci_cfg_ecam(pci_cfg_t *cfg, volatile void *ecam_base, uint8_t bus_count)
{
    ecam_state.base = ecam_base;
    ecam_state.bus_count = bus_count;
    cfg->read32 = ecam_read32;
    cfg->write32 = ecam_write32;
    cfg->ctx = &ecam_state;
}

uint32_t pci_read32(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off)
{
    return cfg->read32(cfg->ctx, d.bus, d.dev, d.fn, off & 0xFFC);
}

uint16_t pci_read16(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off)
{
    return (uint16_t)(pci_read32(cfg, d, off) >> (8 * (off & 2)));
}

uint8_t pci_read8(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off)
{
    return (uint8_t)(pci_read32(cfg, d, off) >> (8 * (off & 3)));
}

void pci_write32(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off, uint32_t v)
{
    cfg->write32(cfg->ctx, d.bus, d.dev, d.fn, off & 0xFFC, v);
}

void pci_write16(const pci_cfg_t *cfg, pci_bdf_t d, uint16_t off, uint16_t v)
{
    uint32_t shift = 8 * (off & 2);
    uint32_t old = pci_read32(cfg, d, off);
    if ((off & ~3u) == PCI_COMMAND) {
        old &= 0xFFFFu; /* the status half is write-one-to-clear: write zeros there */
    }
    pci_write32(cfg, d, off, (old & ~(0xFFFFu << shift)) | (uint32_t)v << shift);
}

/* Parses exactly `n` hex digits at *s into *v. */
static bool hex_field(const char **s, size_t n, unsigned *v)
{
    uint64_t x;
    if (!text_number(*s, n, 16, UINT32_MAX, &x)) {
        return false;
    }
    *v = (unsigned)x;
    *s += n;
    return true;
}

pci_err_t pci_bdf_parse(const char *s, pci_bdf_t *out)
{
    unsigned seg, bus, dev, fn;
    if (s == NULL || out == NULL) {
        return PCI_INVALID;
    }
    const char *p = s;
    /* Optional segment "0000:". */
    if (text_digit(p[0], 16) >= 0 && text_digit(p[1], 16) >= 0 && text_digit(p[2], 16) >= 0 &&
        text_digit(p[3], 16) >= 0 && p[4] == ':') {
        if (!hex_field(&p, 4, &seg) || seg != 0) {
            return PCI_INVALID;
        }
        p++;
    }
    if (!hex_field(&p, 2, &bus) || *p++ != ':' || !hex_field(&p, 2, &dev) || *p++ != '.' ||
        !hex_field(&p, 1, &fn) || *p != '\0' || dev > 31 || fn > 7) {
        return PCI_INVALID;
    }
    out->bus = (uint8_t)bus;
    out->dev = (uint8_t)dev;
    out->fn = (uint8_t)fn;
    return PCI_OK;
}

static void probe_bars(pci_dev_t *dev)
{
    const pci_cfg_t *cfg = dev->cfg;
    unsigned count = (dev->header_type & 0x7F) == 0 ? 6 : (dev->header_type & 0x7F) == 1 ? 2 : 0;
    uint16_t command = pci_read16(cfg, dev->bdf, PCI_COMMAND);
    pci_write16(cfg, dev->bdf, PCI_COMMAND, command & (uint16_t) ~(PCI_CMD_IO | PCI_CMD_MEM));
    for (unsigned i = 0; i < count; i++) {
        uint16_t off = (uint16_t)(0x10 + 4 * i);
        uint32_t orig = pci_read32(cfg, dev->bdf, off);
        pci_bar_t *bar = &dev->bar[i];
        pci_write32(cfg, dev->bdf, off, 0xFFFFFFFFu);
        uint32_t mask = pci_read32(cfg, dev->bdf, off);
        pci_write32(cfg, dev->bdf, off, orig);
        if (orig & 1u) {
            uint32_t m = mask & ~3u & 0xFFFFu;
            bar->kind = m ? PCI_BAR_IO : PCI_BAR_NONE;
            bar->base = orig & ~3u & 0xFFFFu;
            bar->size = m ? (~m & 0xFFFFu) + 1 : 0;
            continue;
        }
        uint64_t base = orig & ~0xFu;
        uint64_t m = mask & ~0xFu;
        bool is64 = ((orig >> 1) & 3u) == 2 && i + 1 < count;
        if (is64) {
            uint16_t hi_off = (uint16_t)(off + 4);
            uint32_t hi = pci_read32(cfg, dev->bdf, hi_off);
            pci_write32(cfg, dev->bdf, hi_off, 0xFFFFFFFFu);
            uint32_t hi_mask = pci_read32(cfg, dev->bdf, hi_off);
            pci_write32(cfg, dev->bdf, hi_off, hi);
            base |= (uint64_t)hi << 32;
            m |= (uint64_t)hi_mask << 32;
        } else {
            m |= 0xFFFFFFFF00000000ull;
        }
        if ((m & 0xFFFFFFFFull) != 0) {
            bar->kind = PCI_BAR_MEM;
            bar->is64 = is64;
            bar->prefetchable = (orig & 8u) != 0;
            bar->base = base;
            bar->size = ~m + 1;
        }
        if (is64) {
            i++; /* the upper half is not a BAR of its own */
        }
    }
    pci_write16(cfg, dev->bdf, PCI_COMMAND, command);
}

pci_err_t pci_dev_open(const pci_cfg_t *cfg, pci_bdf_t bdf, pci_dev_t *dev)
{
    if (cfg == NULL || dev == NULL || bdf.dev > 31 || bdf.fn > 7) {
        return PCI_INVALID;
    }
    uint32_t id = pci_read32(cfg, bdf, 0x00);
    if ((id & 0xFFFFu) == 0xFFFFu || (id & 0xFFFFu) == 0) {
        return PCI_NOT_FOUND;
    }
    pci_dev_t d = {.cfg = cfg, .bdf = bdf, .vendor = (uint16_t)id, .device = (uint16_t)(id >> 16)};
    uint32_t class = pci_read32(cfg, bdf, 0x08);
    d.class_code = (uint8_t)(class >> 24);
    d.subclass = (uint8_t)(class >> 16);
    d.prog_if = (uint8_t)(class >> 8);
    d.header_type = pci_read8(cfg, bdf, 0x0E);
    probe_bars(&d);
    *dev = d;
    return PCI_OK;
}

typedef struct {
    uint16_t vendor, device;
    unsigned index;
    pci_dev_t *out;
    uint8_t visited[32];  /* bitmap of buses already scanned */
} find_t;

static pci_err_t scan_bus(const pci_cfg_t *cfg, uint8_t bus, find_t *f, unsigned depth)
{
    if (depth > 8 || (f->visited[bus / 8] >> (bus % 8)) & 1u) {
        return PCI_NOT_FOUND;
    }
    f->visited[bus / 8] |= (uint8_t)(1u << (bus % 8));
    for (uint8_t dev = 0; dev < 32; dev++) {
        for (uint8_t fn = 0; fn < 8; fn++) {
            pci_bdf_t bdf = {bus, dev, fn};
            uint32_t id = pci_read32(cfg, bdf, 0);
            if ((id & 0xFFFFu) == 0xFFFFu) {
                if (fn == 0) {
                    break;
                }
                continue;
            }
            uint8_t header = pci_read8(cfg, bdf, 0x0E);
            if ((id & 0xFFFFu) == f->vendor && (id >> 16) == f->device) {
                if (f->index == 0) {
                    return pci_dev_open(cfg, bdf, f->out);
                }
                f->index--;
            }
            if ((header & 0x7F) == 1) {
                uint8_t secondary = pci_read8(cfg, bdf, 0x19);
                if (secondary != 0 && scan_bus(cfg, secondary, f, depth + 1) == PCI_OK) {
                    return PCI_OK;
                }
            }
            if (fn == 0 && (header & 0x80) == 0) {
                break; /* single-function device */
            }
        }
    }
    return PCI_NOT_FOUND;
}

pci_err_t pci_find(const pci_cfg_t *cfg, uint16_t vendor, uint16_t device, unsigned index, pci_dev_t *dev)
{
    if (cfg == NULL || dev == NULL) {
        return PCI_INVALID;
    }
    find_t f = {.vendor = vendor, .device = device, .index = index, .out = dev};
    return scan_bus(cfg, 0, &f, 0);
}

uint8_t pci_find_cap(const pci_dev_t *dev, uint8_t id, uint8_t after)
{
    if ((pci_read16(dev->cfg, dev->bdf, 0x06) & (1u << 4)) == 0) {
        return 0; /* no capability list */
    }
    uint8_t ptr = after ? pci_read8(dev->cfg, dev->bdf, (uint16_t)(after + 1)) : pci_read8(dev->cfg, dev->bdf, 0x34);
    for (int n = 0; n < PCI_MAX_CAPS; n++) {
        ptr &= 0xFC;
        if (ptr < 0x40) {
            return 0;
        }
        if (pci_read8(dev->cfg, dev->bdf, ptr) == id) {
            return ptr;
        }
        ptr = pci_read8(dev->cfg, dev->bdf, (uint16_t)(ptr + 1));
    }
    return 0; /* a loop: the list is broken */
}

void pci_enable(const pci_dev_t *dev, uint16_t command_bits)
{
    uint16_t cmd = pci_read16(dev->cfg, dev->bdf, PCI_COMMAND);
    pci_write16(dev->cfg, dev->bdf, PCI_COMMAND, cmd | command_bits);
}

pci_err_t pci_msi_enable(const pci_dev_t *dev, uint64_t address, uint32_t data)
{
    uint8_t cap = pci_find_cap(dev, PCI_CAP_MSI, 0);
    if (cap == 0) {
        return PCI_NOT_FOUND;
    }
    uint16_t ctrl = pci_read16(dev->cfg, dev->bdf, (uint16_t)(cap + 2));
    bool is64 = (ctrl & (1u << 7)) != 0;
    if (!is64 && (address >> 32) != 0) {
        return PCI_INVALID;
    }
    pci_write16(dev->cfg, dev->bdf, (uint16_t)(cap + 2), ctrl & (uint16_t) ~1u);
    pci_write32(dev->cfg, dev->bdf, (uint16_t)(cap + 4), (uint32_t)address);
    if (is64) {
        pci_write32(dev->cfg, dev->bdf, (uint16_t)(cap + 8), (uint32_t)(address >> 32));
    }
    pci_write16(dev->cfg, dev->bdf, (uint16_t)(cap + (is64 ? 12 : 8)), (uint16_t)data);
    /* One message (multiple-message enable = 0), then on. */
    pci_write16(dev->cfg, dev->bdf, (uint16_t)(cap + 2), (uint16_t)((ctrl & ~(7u << 4)) | 1u));
    pci_enable(dev, PCI_CMD_INTX_DISABLE);
    return PCI_OK;
}

pci_err_t pci_msix_probe(const pci_dev_t *dev, pci_msix_t *msix)
{
    uint8_t cap = pci_find_cap(dev, PCI_CAP_MSIX, 0);
    if (cap == 0) {
        return PCI_NOT_FOUND;
    }
    uint16_t ctrl = pci_read16(dev->cfg, dev->bdf, (uint16_t)(cap + 2));
    uint32_t table = pci_read32(dev->cfg, dev->bdf, (uint16_t)(cap + 4));
    pci_msix_t m = {.cap = cap, .table_size = (uint16_t)((ctrl & 0x7FFu) + 1), .table_bar = (uint8_t)(table & 7u),
                    .table_offset = table & ~7u};
    if (m.table_bar > 5 || dev->bar[m.table_bar].kind != PCI_BAR_MEM ||
        (uint64_t)m.table_offset + 16ull * m.table_size > dev->bar[m.table_bar].size) {
        return PCI_BAD_DEVICE;
    }
    *msix = m;
    return PCI_OK;
}

pci_err_t pci_msix_set(const pci_msix_t *msix, volatile void *bar_base, uint64_t bar_size, uint16_t entry,
                       uint64_t address, uint32_t data)
{
    if (bar_base == NULL || entry >= msix->table_size ||
        (uint64_t)msix->table_offset + 16ull * (entry + 1u) > bar_size) {
        return PCI_INVALID;
    }
    volatile uint32_t *e = (volatile uint32_t *)((volatile uint8_t *)bar_base + msix->table_offset + 16u * entry);
    e[3] = 1; /* masked while we write */
    e[0] = (uint32_t)address;
    e[1] = (uint32_t)(address >> 32);
    e[2] = data;
    e[3] = 0;
    return PCI_OK;
}

void pci_msix_enable(const pci_dev_t *dev, const pci_msix_t *msix)
{
    uint16_t off = (uint16_t)(msix->cap + 2);
    uint16_t ctrl = pci_read16(dev->cfg, dev->bdf, off);
    /* Enable (bit 15), clear function mask (bit 14). */
    pci_write16(dev->cfg, dev->bdf, off, (uint16_t)((ctrl | 0x8000u) & ~0x4000u));
    pci_enable(dev, PCI_CMD_INTX_DISABLE);
}
