/*
 * The virtio-blk driver PD: a thin wrapper around system/drivers/virtio_blk.c.
 *
 * It finds the device by vendor and device id, places its BARs where the
 * system description maps them (BAR 4: the VirtIO structures; BAR 1: the
 * MSI-X table), points MSI-X entry 0 at the CPU vector the kernel gives this
 * PD's MSI, and then serves the block virtualiser. On every (re)start it
 * resets the device, so a restart after a fault begins from a clean device.
 *
 * Test builds may define VIRTIO_BLK_CRASH_AFTER=N: the first run then faults
 * on purpose after N requests, so tests can prove the restart path.
 */
#include <microkit.h>

#include "system/drivers/pd_virtio.h"
#include "system/drivers/virtio_blk.h"
#include "system/drivers/virtio_blk_pd.h"

/* Patched by the builder (setvar). */
uintptr_t virtio_bar4;
uintptr_t virtio_msix;
uint64_t virtio_bar4_paddr;
uint64_t virtio_msix_paddr;
uintptr_t blk_vq;
uint64_t blk_vq_paddr;
uintptr_t blk_meta;
uint64_t blk_meta_paddr;
uintptr_t blk_queue;
uintptr_t blk_dma;
uint64_t blk_dma_paddr;

static pci_port_ops_t ports = {pd_pci_in32, pd_pci_out32, (void *)(uintptr_t)VIRTIO_BLK_PD_PCI_IOPORT};
static pci_cfg_t cfg;
static pci_dev_t pci;
static virtio_mmio_direct_t bars;
static virtio_mmio_t mmio;
static virtio_blk_t vb;
static volatile unsigned runs; /* survives a restart */
#ifdef VIRTIO_BLK_CRASH_AFTER
/* Nothing is mapped at the bottom of a PD's address space. */
static int *volatile crash_address = (int *)0x10;
#endif

static void fail(const char *why)
{
    microkit_dbg_puts("virtio_blk: ");
    microkit_dbg_puts(why);
    microkit_dbg_puts("\n");
}

void init(void)
{
    runs++;
    pci_cfg_ports(&cfg, &ports);
    const pd_virtio_place_t place = {VIRTIO_DEV_MODERN(VIRTIO_ID_BLK), VIRTIO_DEV_BLK_TRANSITIONAL, virtio_bar4,
                                     virtio_msix, virtio_bar4_paddr, virtio_msix_paddr, VIRTIO_BLK_PD_BAR4_SIZE,
                                     VIRTIO_BLK_PD_MSIX_SIZE, VIRTIO_BLK_PD_MSI_VECTOR};
    uint16_t vector;
    const char *why = pd_virtio_open(&cfg, &place, &pci, &bars, &mmio, &vector);
    if (why) {
        fail(why);
        return;
    }
    virtio_blk_cfg_t c = {.pci = &pci, .mmio = &mmio, .vq_mem = (void *)blk_vq, .vq_paddr = blk_vq_paddr,
                          .vq_size = VIRTIO_BLK_PD_VQ_SIZE, .meta = (uint8_t *)blk_meta,
                          .meta_paddr = blk_meta_paddr, .region = (void *)blk_queue,
                          .region_size = VIRTIO_BLK_PD_QUEUE_SIZE, .capacity = VIRTIO_BLK_PD_QUEUE_CAP,
                          .data = (uint8_t *)blk_dma, .data_paddr = blk_dma_paddr,
                          .data_size = VIRTIO_BLK_PD_DMA_SIZE, .queue_size = 64, .msix_vector = vector};
    if (virtio_blk_init(&vb, &c) != VIRTIO_BLK_OK) {
        fail("device refused initialisation");
        return;
    }
    /* An interrupt left in service by a previous run would never come again. */
    microkit_irq_ack(VIRTIO_BLK_PD_IRQ_CH);
    microkit_dbg_puts(runs == 1 ? "virtio_blk: ready\n" : "virtio_blk: ready again after restart\n");
    microkit_notify(VIRTIO_BLK_PD_VIRT_CH);
}

void notified(microkit_channel ch)
{
    virtio_blk_poll(&vb);
#ifdef VIRTIO_BLK_CRASH_AFTER
    if (runs == 1 && vb.requests >= VIRTIO_BLK_CRASH_AFTER) {
        microkit_dbg_puts("virtio_blk: crashing on purpose with requests outstanding\n");
        *crash_address = 1;
    }
#endif
    if (ch == VIRTIO_BLK_PD_IRQ_CH) {
        microkit_irq_ack(ch);
    }
    if (vb.notify_client) {
        microkit_notify(VIRTIO_BLK_PD_VIRT_CH);
    }
}
