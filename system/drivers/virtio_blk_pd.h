/*
 * How a system wires the virtio-blk driver PD: channel and I/O port ids and
 * region sizes. Each has a default here; a system description that differs
 * builds the PD with -D overrides.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_BLK_PD_H
#define SUBSTRATE_SYSTEM_DRIVERS_VIRTIO_BLK_PD_H

#ifndef VIRTIO_BLK_PD_VIRT_CH
#define VIRTIO_BLK_PD_VIRT_CH 0      /* to the block virtualiser */
#endif
#ifndef VIRTIO_BLK_PD_IRQ_CH
#define VIRTIO_BLK_PD_IRQ_CH 1       /* the device's MSI-X */
#endif
#ifndef VIRTIO_BLK_PD_MSI_VECTOR
#define VIRTIO_BLK_PD_MSI_VECTOR 20  /* <irq vector="..."/>; the CPU vector is 0x30 more */
#endif
#ifndef VIRTIO_BLK_PD_PCI_IOPORT
#define VIRTIO_BLK_PD_PCI_IOPORT 1   /* <ioport addr="0xcf8" size="8"/> */
#endif
#define VIRTIO_BLK_PD_BAR4_SIZE 0x4000u
#define VIRTIO_BLK_PD_MSIX_SIZE 0x1000u
#define VIRTIO_BLK_PD_VQ_SIZE 0x4000u
#define VIRTIO_BLK_PD_QUEUE_SIZE 0x1000u
#define VIRTIO_BLK_PD_QUEUE_CAP 32u
#ifndef VIRTIO_BLK_PD_DMA_SIZE
#define VIRTIO_BLK_PD_DMA_SIZE 0x200000u
#endif

#endif
