/*
 * The virtio-net driver PD: a thin wrapper around system/drivers/virtio_net.c.
 * Finds the device by vendor and device id, places BAR 4 (VirtIO structures)
 * and BAR 1 (MSI-X table) where the system description maps them, routes
 * both queues to MSI-X entry 0, and serves the network virtualiser.
 *
 * The ring capacity must be the virtualiser's (NET_VIRT_PD_DRIVER_CAP); the
 * queue and DMA region sizes come from the system description's setvar_size
 * when it gives them (net_rx_queue_size, net_rx_dma_size, ...), else the
 * defaults below. Receive uses min(capacity, virtqueue size) buffers at the
 * device (a 64 KiB packet takes 33), transmit min(capacity, size / 2) frames.
 */
#include <microkit.h>

#include "system/drivers/pd_virtio.h"
#include "system/drivers/virtio_net.h"

#define NET_PD_VIRT_CH 0
#define NET_PD_IRQ_CH 1
#ifndef NET_PD_MSI_VECTOR
#define NET_PD_MSI_VECTOR 21
#endif
#define NET_PD_PCI_IOPORT 1
#define NET_PD_BAR4_SIZE 0x4000u
#define NET_PD_MSIX_SIZE 0x1000u
#define NET_PD_VQ_BYTES 0x4000u
#define NET_PD_QUEUE_SIZE 0x2000u
#ifndef NET_PD_CAPACITY
#define NET_PD_CAPACITY 128u
#endif
#define NET_PD_DMA_SIZE 0x80000u
/* Offloads a composition does not want (e.g. VIRTIO_NET_F_GUEST_TSO4 while no client takes GSO frames). */
#ifndef NET_PD_FEATURES_OFF
#define NET_PD_FEATURES_OFF 0
#endif
_Static_assert(VIRTIO_NET_HDR_BYTES <= 0x1000u, "transmit headers fit the net_hdr region");

uintptr_t virtio_bar4, virtio_msix;
uint64_t virtio_bar4_paddr, virtio_msix_paddr;
uintptr_t net_rxq, net_txq, net_hdr;
uint64_t net_rxq_paddr, net_txq_paddr, net_hdr_paddr;
uintptr_t net_rx_queue, net_tx_queue;
uintptr_t net_rx_dma, net_tx_dma;
uint64_t net_rx_dma_paddr, net_tx_dma_paddr;
/* Patched by the builder when the description gives them (setvar_size); 0 otherwise. */
uint64_t net_rx_queue_size __attribute__((section(".data")));
uint64_t net_tx_queue_size __attribute__((section(".data")));
uint64_t net_rx_dma_size __attribute__((section(".data")));
uint64_t net_tx_dma_size __attribute__((section(".data")));

static uint64_t size_or(uint64_t given, uint64_t fallback)
{
    return given != 0 ? given : fallback;
}

static pci_port_ops_t ports = {pd_pci_in32, pd_pci_out32, (void *)(uintptr_t)NET_PD_PCI_IOPORT};
static pci_cfg_t cfg;
static pci_dev_t pci;
static virtio_mmio_direct_t bars;
static virtio_mmio_t mmio;
static virtio_net_t vn;

static void put_hex(uint8_t b)
{
    static const char digits[] = "0123456789abcdef";
    microkit_dbg_putc(digits[b >> 4]);
    microkit_dbg_putc(digits[b & 15]);
}

void init(void)
{
    pci_cfg_ports(&cfg, &ports);
    const pd_virtio_place_t place = {VIRTIO_DEV_MODERN(VIRTIO_ID_NET), VIRTIO_DEV_NET_TRANSITIONAL, virtio_bar4,
                                     virtio_msix, virtio_bar4_paddr, virtio_msix_paddr, NET_PD_BAR4_SIZE,
                                     NET_PD_MSIX_SIZE, NET_PD_MSI_VECTOR};
    uint16_t vector;
    const char *why = pd_virtio_open(&cfg, &place, &pci, &bars, &mmio, &vector);
    if (why) {
        microkit_dbg_puts("virtio_net: ");
        microkit_dbg_puts(why);
        microkit_dbg_puts("\n");
        return;
    }
    virtio_net_cfg_t c = {.pci = &pci, .mmio = &mmio, .rxq_mem = (void *)net_rxq, .rxq_paddr = net_rxq_paddr,
                          .txq_mem = (void *)net_txq, .txq_paddr = net_txq_paddr, .vq_bytes = NET_PD_VQ_BYTES,
                          .hdr = (uint8_t *)net_hdr, .hdr_paddr = net_hdr_paddr,
                          .capacity = NET_PD_CAPACITY, .msix_vector = vector,
                          .features_off = NET_PD_FEATURES_OFF};
    c.rx_region = (void *)net_rx_queue;
    c.rx_region_size = size_or(net_rx_queue_size, NET_PD_QUEUE_SIZE);
    c.tx_region = (void *)net_tx_queue;
    c.tx_region_size = size_or(net_tx_queue_size, NET_PD_QUEUE_SIZE);
    c.rx_data = (uint8_t *)net_rx_dma;
    c.rx_data_paddr = net_rx_dma_paddr;
    c.rx_data_size = size_or(net_rx_dma_size, NET_PD_DMA_SIZE);
    c.tx_data = (uint8_t *)net_tx_dma;
    c.tx_data_paddr = net_tx_dma_paddr;
    c.tx_data_size = size_or(net_tx_dma_size, NET_PD_DMA_SIZE);
    if (virtio_net_init(&vn, &c) != VIRTIO_NET_OK) {
        microkit_dbg_puts("virtio_net: device refused initialisation\n");
        return;
    }
    microkit_irq_ack(NET_PD_IRQ_CH);
    microkit_dbg_puts("virtio_net: ready, mac ");
    for (int i = 0; i < NET_MAC_LEN; i++) {
        put_hex(vn.mac[i]);
        microkit_dbg_putc(i + 1 < NET_MAC_LEN ? ':' : ' ');
    }
    microkit_dbg_puts(vn.link_up ? "link up, offloads:" : "link down, offloads:");
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {{VIRTIO_NET_F_CSUM, " csum"}, {VIRTIO_NET_F_HOST_TSO4, " tso4"},
                 {VIRTIO_NET_F_GUEST_CSUM, " guest-csum"}, {VIRTIO_NET_F_GUEST_TSO4, " guest-tso4"},
                 {VIRTIO_NET_F_MRG_RXBUF, " mrg-rxbuf"}};
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (vn.dev.features & names[i].bit) {
            microkit_dbg_puts(names[i].name);
        }
    }
    microkit_dbg_puts("\n");
    microkit_notify(NET_PD_VIRT_CH);
}

void notified(microkit_channel ch)
{
    if (ch == NET_PD_IRQ_CH) {
        microkit_irq_ack(ch);
    }
    virtio_net_poll(&vn);
    if (vn.notify_virt) {
        /* With our wait: the virtualiser outranks us, so an immediate
         * notification would switch to it and back before we wait. */
        microkit_deferred_notify(NET_PD_VIRT_CH);
    }
}
