/*
 * A simulated PCI bus for host tests: up to 8 functions, each a 4 KiB
 * configuration space with BAR size masks, reached through the 0xCF8/0xCFC
 * port protocol, as a PD would.
 */
#ifndef SUBSTRATE_TESTS_DDF_PCI_SIM_H
#define SUBSTRATE_TESTS_DDF_PCI_SIM_H

#include <string.h>

#include "ddf/pci/pci.h"

typedef struct {
    bool present;
    pci_bdf_t bdf;
    uint8_t cfg[4096];
    uint64_t bar_size[6];     /* 0: unimplemented; io BARs flagged in cfg */
    uint8_t last_cap, next_cap;
} pci_sim_fn_t;

typedef struct {
    pci_sim_fn_t fn[8];
    uint32_t address;         /* last value written to 0xCF8 */
    unsigned reads;
} pci_sim_t;

static inline uint32_t pci_sim_get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void pci_sim_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void pci_sim_put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static inline pci_sim_fn_t *pci_sim_lookup(pci_sim_t *s, uint32_t a)
{
    for (int i = 0; i < 8; i++) {
        pci_sim_fn_t *f = &s->fn[i];
        if (f->present && f->bdf.bus == ((a >> 16) & 0xFF) && f->bdf.dev == ((a >> 11) & 31) &&
            f->bdf.fn == ((a >> 8) & 7)) {
            return f;
        }
    }
    return NULL;
}

static inline uint32_t pci_sim_in32(void *ctx, uint16_t port)
{
    pci_sim_t *s = ctx;
    s->reads++;
    pci_sim_fn_t *f = port == 0xCFC && (s->address & 0x80000000u) ? pci_sim_lookup(s, s->address) : NULL;
    return f ? pci_sim_get32(f->cfg + (s->address & 0xFC)) : 0xFFFFFFFFu;
}

static inline void pci_sim_out32(void *ctx, uint16_t port, uint32_t v)
{
    pci_sim_t *s = ctx;
    if (port == 0xCF8) {
        s->address = v;
        return;
    }
    pci_sim_fn_t *f = pci_sim_lookup(s, s->address);
    if (f == NULL) {
        return;
    }
    uint32_t off = s->address & 0xFC;
    if (off >= 0x10 && off < 0x28) {
        unsigned i = (off - 0x10) / 4;
        uint32_t old = pci_sim_get32(f->cfg + off);
        bool upper = i > 0 && f->bar_size[i] == 0 && ((pci_sim_get32(f->cfg + off - 4) >> 1) & 3) == 2 &&
                     f->bar_size[i - 1] != 0;
        if (upper) {
            uint64_t mask = ~(f->bar_size[i - 1] - 1);
            v &= (uint32_t)(mask >> 32);
        } else if (f->bar_size[i] == 0) {
            v = 0;
        } else {
            uint32_t flags = old & ((old & 1) ? 3u : 0xFu);
            v = (v & (uint32_t)~(f->bar_size[i] - 1) & ~((old & 1) ? 3u : 0xFu)) | flags;
        }
    }
    if (off == 0) {
        return; /* ids are read-only */
    }
    if (off == 4) {
        v = (v & 0xFFFFu) | (pci_sim_get32(f->cfg + 4) & 0xFFFF0000u); /* status: read-only here */
    }
    pci_sim_put32(f->cfg + off, v);
}

/* Adds a type-0 function with a capability list starting at 0x40. */
static inline pci_sim_fn_t *pci_sim_add(pci_sim_t *s, pci_bdf_t bdf, uint16_t vendor, uint16_t device)
{
    for (int i = 0; i < 8; i++) {
        if (!s->fn[i].present) {
            pci_sim_fn_t *f = &s->fn[i];
            memset(f, 0, sizeof(*f));
            f->present = true;
            f->bdf = bdf;
            pci_sim_put16(f->cfg, vendor);
            pci_sim_put16(f->cfg + 2, device);
            return f;
        }
    }
    return NULL;
}

static inline void pci_sim_mem_bar(pci_sim_fn_t *f, int i, uint64_t base, uint64_t size, bool is64)
{
    f->bar_size[i] = size;
    pci_sim_put32(f->cfg + 0x10 + 4 * i, (uint32_t)base | (is64 ? 4u : 0u));
    if (is64) {
        pci_sim_put32(f->cfg + 0x14 + 4 * i, (uint32_t)(base >> 32));
    }
}

/* Appends a capability of `len` bytes (id and next filled in); returns its offset. */
static inline uint8_t pci_sim_cap(pci_sim_fn_t *f, uint8_t id, const uint8_t *body, uint8_t len)
{
    uint8_t at = f->next_cap == 0 ? 0x40 : f->next_cap;
    f->cfg[0x06] |= 1u << 4;
    if (f->last_cap == 0) {
        f->cfg[0x34] = at;
    } else {
        f->cfg[f->last_cap + 1] = at;
    }
    memcpy(f->cfg + at, body, len);
    f->cfg[at] = id;
    f->cfg[at + 1] = 0;
    f->last_cap = at;
    f->next_cap = (uint8_t)(at + ((len + 3) & ~3u));
    return at;
}

#endif
