/*
 * How a system wires the block virtualiser PD; defaults, overridable with -D.
 */
#ifndef SUBSTRATE_SYSTEM_VIRT_BLK_VIRT_PD_H
#define SUBSTRATE_SYSTEM_VIRT_BLK_VIRT_PD_H

#ifndef BLK_VIRT_PD_DRIVER_CH
#define BLK_VIRT_PD_DRIVER_CH 0
#endif
#ifndef BLK_VIRT_PD_CLIENT_CH
#define BLK_VIRT_PD_CLIENT_CH(i) (1 + (i))
#endif
#ifndef BLK_VIRT_PD_DRIVER_CHILD
#define BLK_VIRT_PD_DRIVER_CHILD 1   /* the driver's id as this PD's child */
#endif
#ifndef BLK_VIRT_PD_CLIENTS
#define BLK_VIRT_PD_CLIENTS 2
#endif
#define BLK_VIRT_PD_ENTRY 0x200000   /* where microkit.ld puts _start */
#define BLK_VIRT_PD_QUEUE_SIZE 0x1000u
#define BLK_VIRT_PD_DRIVER_CAP 32u
#define BLK_VIRT_PD_CLIENT_CAP 16u
#define BLK_VIRT_PD_DMA_SIZE 0x200000u
#define BLK_VIRT_PD_CLIENT_DATA_SIZE 0x40000u

#endif
