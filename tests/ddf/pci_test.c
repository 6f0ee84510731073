/*
 * PCI against a simulated bus reached through ports 0xCF8/0xCFC: bdf
 * strings, finding by id (also behind a bridge), BAR size probing with the
 * originals restored, capability walks that survive loops, MSI and MSI-X
 * programming.
 */
#include <stdlib.h>

#include "tests/ddf/ddf_test.h"
#include "tests/ddf/pci_sim.h"

static pci_sim_t sim;
static pci_port_ops_t ports = {pci_sim_in32, pci_sim_out32, &sim};
static pci_cfg_t cfg;

static void setup(void)
{
    memset(&sim, 0, sizeof(sim));
    pci_cfg_ports(&cfg, &ports);
    pci_sim_fn_t *host = pci_sim_add(&sim, (pci_bdf_t){0, 0, 0}, 0x8086, 0x29C0);
    (void)host;
    pci_sim_fn_t *blk = pci_sim_add(&sim, (pci_bdf_t){0, 3, 0}, 0x1AF4, 0x1042);
    pci_sim_mem_bar(blk, 1, 0xFEB00000u, 0x1000, false);
    pci_sim_mem_bar(blk, 4, 0xFE000000ull, 0x4000, true);
    blk->cfg[0x10] = 0x01; /* BAR0: an I/O BAR at 0xC000 of 64 ports */
    blk->cfg[0x11] = 0xC0;
    blk->bar_size[0] = 64;
    blk->cfg[0x04] = PCI_CMD_MEM | PCI_CMD_IO;
    /* A bridge at 00:1c.0 to bus 2, with a second virtio-blk behind it. */
    pci_sim_fn_t *bridge = pci_sim_add(&sim, (pci_bdf_t){0, 0x1c, 0}, 0x8086, 0x2448);
    bridge->cfg[0x0E] = 0x01;
    bridge->cfg[0x19] = 2;
    pci_sim_add(&sim, (pci_bdf_t){2, 0, 0}, 0x1AF4, 0x1042);
}

static void pci_bdf_strings_parse_strictly(void)
{
    pci_bdf_t b;
    CHECK(pci_bdf_parse("00:03.0", &b) == PCI_OK && b.bus == 0 && b.dev == 3 && b.fn == 0);
    CHECK(pci_bdf_parse("0000:1f:1F.7", &b) == PCI_OK && b.bus == 0x1f && b.dev == 0x1f && b.fn == 7);
    CHECK(pci_bdf_parse("00:20.0", &b) == PCI_INVALID);
    CHECK(pci_bdf_parse("00:03.8", &b) == PCI_INVALID);
    CHECK(pci_bdf_parse("0:3.0", &b) == PCI_INVALID);
    CHECK(pci_bdf_parse("00:03.0x", &b) == PCI_INVALID);
    CHECK(pci_bdf_parse("0001:00:03.0", &b) == PCI_INVALID);
    CHECK(pci_bdf_parse("", &b) == PCI_INVALID);
}

static void pci_finds_devices_by_id_across_bridges(void)
{
    setup();
    pci_dev_t d;
    CHECK(pci_find(&cfg, 0x1AF4, 0x1042, 0, &d) == PCI_OK && d.bdf.dev == 3 && d.bdf.bus == 0);
    CHECK(pci_find(&cfg, 0x1AF4, 0x1042, 1, &d) == PCI_OK && d.bdf.bus == 2 && d.bdf.dev == 0);
    CHECK(pci_find(&cfg, 0x1AF4, 0x1042, 2, &d) == PCI_NOT_FOUND);
    CHECK(pci_find(&cfg, 0x1AF4, 0x1041, 0, &d) == PCI_NOT_FOUND);
    CHECK(pci_dev_open(&cfg, (pci_bdf_t){0, 4, 0}, &d) == PCI_NOT_FOUND);
    /* A bridge pointing back at bus 0 does not loop the scan. */
    sim.fn[2].cfg[0x19] = 0;
    sim.fn[3].bdf.bus = 0x1c;
    sim.fn[2].cfg[0x19] = 0x1c;
    pci_sim_fn_t *loop = pci_sim_add(&sim, (pci_bdf_t){0x1c, 1, 0}, 0x8086, 0x2448);
    loop->cfg[0x0E] = 0x01;
    loop->cfg[0x19] = 0x00;
    CHECK(pci_find(&cfg, 0x1234, 0x5678, 0, &d) == PCI_NOT_FOUND);
}

static void pci_probes_bar_sizes_and_restores(void)
{
    setup();
    pci_dev_t d;
    CHECK(pci_dev_open(&cfg, (pci_bdf_t){0, 3, 0}, &d) == PCI_OK);
    CHECK(d.bar[0].kind == PCI_BAR_IO && d.bar[0].base == 0xC000 && d.bar[0].size == 64);
    CHECK(d.bar[1].kind == PCI_BAR_MEM && !d.bar[1].is64 && d.bar[1].base == 0xFEB00000u && d.bar[1].size == 0x1000);
    CHECK(d.bar[2].kind == PCI_BAR_NONE && d.bar[3].kind == PCI_BAR_NONE);
    CHECK(d.bar[4].kind == PCI_BAR_MEM && d.bar[4].is64 && d.bar[4].base == 0xFE000000ull && d.bar[4].size == 0x4000);
    CHECK(d.bar[5].kind == PCI_BAR_NONE);
    CHECK(pci_sim_get32(sim.fn[1].cfg + 0x14) == 0xFEB00000u);
    CHECK(pci_sim_get32(sim.fn[1].cfg + 0x20) == (0xFE000000u | 4u));
    CHECK((sim.fn[1].cfg[0x04] & (PCI_CMD_MEM | PCI_CMD_IO)) == (PCI_CMD_MEM | PCI_CMD_IO));
}

static void pci_capability_walk_is_bounded(void)
{
    setup();
    pci_sim_fn_t *f = &sim.fn[1];
    uint8_t body[16] = {0};
    uint8_t a = pci_sim_cap(f, PCI_CAP_VENDOR, body, 16);
    uint8_t b = pci_sim_cap(f, PCI_CAP_VENDOR, body, 16);
    uint8_t c = pci_sim_cap(f, PCI_CAP_MSI, body, 16);
    pci_dev_t d;
    CHECK(pci_dev_open(&cfg, f->bdf, &d) == PCI_OK);
    CHECK(pci_find_cap(&d, PCI_CAP_VENDOR, 0) == a);
    CHECK(pci_find_cap(&d, PCI_CAP_VENDOR, a) == b);
    CHECK(pci_find_cap(&d, PCI_CAP_VENDOR, b) == 0);
    CHECK(pci_find_cap(&d, PCI_CAP_MSI, 0) == c);
    CHECK(pci_find_cap(&d, PCI_CAP_MSIX, 0) == 0);
    f->cfg[c + 1] = a; /* a loop */
    unsigned before = sim.reads;
    CHECK(pci_find_cap(&d, PCI_CAP_MSIX, 0) == 0);
    CHECK(sim.reads - before < 200);
    f->cfg[c + 1] = 0x20; /* into the header */
    CHECK(pci_find_cap(&d, PCI_CAP_MSIX, 0) == 0);
    f->cfg[0x06] = 0; /* no list at all */
    CHECK(pci_find_cap(&d, PCI_CAP_VENDOR, 0) == 0);
}

static void pci_msi_and_msix_are_programmed(void)
{
    setup();
    pci_sim_fn_t *f = &sim.fn[1];
    uint8_t msi[14] = {0};
    msi[2] = 0x80; /* 64-bit capable */
    uint8_t at = pci_sim_cap(f, PCI_CAP_MSI, msi, 14);
    uint8_t msix[12] = {0};
    msix[2] = 7;      /* 8 entries */
    msix[4] = 4 | 0;  /* table in BAR4 at offset 0 (BIR in low bits) */
    msix[5] = 0x10;   /* ... offset 0x1000 */
    uint8_t xat = pci_sim_cap(f, PCI_CAP_MSIX, msix, 12);
    pci_dev_t d;
    CHECK(pci_dev_open(&cfg, f->bdf, &d) == PCI_OK);
    CHECK(pci_msi_enable(&d, 0xFEE00000u, 0x31) == PCI_OK);
    CHECK(pci_sim_get32(f->cfg + at + 4) == 0xFEE00000u && f->cfg[at + 12] == 0x31);
    CHECK((f->cfg[at + 2] & 1) == 1);
    CHECK((f->cfg[0x05] & (PCI_CMD_INTX_DISABLE >> 8)) != 0);
    pci_msix_t m;
    CHECK(pci_msix_probe(&d, &m) == PCI_OK && m.table_size == 8 && m.table_bar == 4 && m.table_offset == 0x1000);
    static uint32_t bar4[0x4000 / 4];
    CHECK(pci_msix_set(&m, bar4, sizeof(bar4), 2, 0xFEE00000u, 0x42) == PCI_OK);
    CHECK(bar4[0x1000 / 4 + 8] == 0xFEE00000u && bar4[0x1000 / 4 + 10] == 0x42 && bar4[0x1000 / 4 + 11] == 0);
    CHECK(pci_msix_set(&m, bar4, sizeof(bar4), 8, 0, 0) == PCI_INVALID);
    CHECK(pci_msix_set(&m, bar4, 0x1010, 2, 0, 0) == PCI_INVALID); /* mapping too small */
    pci_msix_enable(&d, &m);
    CHECK((f->cfg[xat + 3] & 0xC0) == 0x80);
    /* A table said to lie past the end of its BAR is refused. */
    f->cfg[xat + 5] = 0x3F;
    f->cfg[xat + 4] = 0xC4; /* offset 0x3FC0: the 8 entries would end at 0x4040 */
    CHECK(pci_msix_probe(&d, &m) == PCI_BAD_DEVICE);
}

/* The same walk through a memory-mapped ECAM window (2 buses here). */
static void pci_ecam_window_reaches_functions(void)
{
    static uint32_t ecam[2 << 20 >> 2]; /* 2 buses x 32 devices x 8 functions x 4 KiB */
    memset(ecam, 0xFF, sizeof(ecam));
    /* 00:00.0 host bridge, 01:05.0 a virtio-net behind it in bus 1 (no bridge: found by bdf only). */
    ecam[0] = 0x29C08086u;
    ecam[(0u << 20 | 0u << 15) / 4 + 0x0C / 4] = 0;
    uint32_t at = (1u << 20 | 5u << 15 | 0u << 12) / 4;
    ecam[at] = 0x10411AF4u;
    ecam[at + 0x0C / 4] = 0;
    ecam[at + 0x08 / 4] = 0x02000000u; /* network controller */
    for (int i = 0; i < 6; i++) {
        ecam[at + 4 + i] = 0; /* BARs read back 0: unimplemented */
    }
    pci_cfg_t e;
    pci_cfg_ecam(&e, ecam, 2);
    pci_dev_t d;
    CHECK(pci_dev_open(&e, (pci_bdf_t){1, 5, 0}, &d) == PCI_OK);
    CHECK(d.vendor == 0x1AF4 && d.device == 0x1041 && d.class_code == 0x02);
    CHECK(pci_dev_open(&e, (pci_bdf_t){2, 0, 0}, &d) == PCI_NOT_FOUND); /* beyond the window */
    CHECK(pci_find(&e, 0x8086, 0x29C0, 0, &d) == PCI_OK && d.bdf.bus == 0);
}

int main(void)
{
    RUN("pci/bdf-strings-parse-strictly", pci_bdf_strings_parse_strictly);
    RUN("pci/finds-devices-by-id-across-bridges", pci_finds_devices_by_id_across_bridges);
    RUN("pci/probes-bar-sizes-and-restores", pci_probes_bar_sizes_and_restores);
    RUN("pci/capability-walk-is-bounded", pci_capability_walk_is_bounded);
    RUN("pci/msi-and-msix-are-programmed", pci_msi_and_msix_are_programmed);
    RUN("pci/ecam-window-reaches-functions", pci_ecam_window_reaches_functions);
    return ddf_test_failures ? 1 : 0;
}
