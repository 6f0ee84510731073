/*
 * Kernel access to physical memory and PD address-space construction.
 */
#ifndef SUBSTRATE_KERNEL_VSPACE_H
#define SUBSTRATE_KERNEL_VSPACE_H

#include <stdint.h>

#include "kernel/pd.h"

/* The kernel's (direct-map) address of physical address `phys` below 64 GiB. */
void *phys_to_virt(uint64_t phys);
/* Plans and installs the PD's page tables; 0 on success. */
int pd_build_vspace(pd_t *pd, const image_map_t *maps);

#endif
