/*
 * The kernel's virtual layout, shared by assembly and C.
 *
 *   KERNEL_VBASE        the kernel image: physical 0..1 GiB, supervisor only
 *   KERNEL_DIRECT_BASE  the direct map: physical 0..64 GiB, supervisor only
 *
 * Both live in the upper half, which every PD's page tables share and whose
 * entries never carry the user bit, so no kernel byte is user-reachable.
 */
#ifndef SUBSTRATE_KERNEL_ARCH_LAYOUT_H
#define SUBSTRATE_KERNEL_ARCH_LAYOUT_H

#define KERNEL_VBASE 0xFFFFFFFF80000000
#define KERNEL_DIRECT_BASE 0xFFFF800000000000
#define KERNEL_DIRECT_PML4_SLOT 256
#define KERNEL_DIRECT_SIZE 0x1000000000 /* 64 GiB */
#define KERNEL_DIRECT_BOOT_SIZE 0x100000000 /* what boot.S maps; the rest at boot */

/* GDT selectors; the user ones are laid out as SYSRET requires. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x23
#define SEL_UCODE 0x2B
#define SEL_TSS 0x30

#endif
