/*
 * Device interrupts routed to PD channels: IOAPIC pins and PCI MSI vectors.
 */
#ifndef SUBSTRATE_KERNEL_IRQ_H
#define SUBSTRATE_KERNEL_IRQ_H

#include <stdint.h>

#include "kernel/abi/image.h"
#include "kernel/pd.h"

/* Checks and installs the image's IRQ table; 0 on success. */
int irq_init(const image_irq_t *irqs, uint32_t count);
/* An interrupt arrived on `vector`. */
void irq_handle(uint32_t vector);
uint64_t ipc_irq_ack(pd_t *cur, uint64_t channel);

#endif
