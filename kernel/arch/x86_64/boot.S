/*
 * Multiboot entry: 32-bit protected mode to 64-bit long mode.
 *
 * The boot loader jumps here with paging off, eax = the Multiboot magic and
 * ebx = the physical address of its information. We build the boot page
 * tables (the first 4 GiB with 2 MiB pages, seen at three places: identity
 * for the jump, the direct map at KERNEL_DIRECT_BASE, and the kernel window
 * at KERNEL_VBASE), enable PAE, long mode and NX, and call kernel_main()
 * on the kernel stack. This file must not touch anything above 4 GiB.
 *
 * The Multiboot header uses the a.out kludge: the image writer fills in the
 * load and bss addresses of the flat file it writes.
 */
#include "kernel/arch/x86_64/layout.h"

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 1) | (1 << 16))   /* memory map, address fields valid */
#define PHYS(sym) ((sym) - KERNEL_VBASE)

    .section .multiboot, "a"
    .align 4
    .globl multiboot_header
multiboot_header:
    .long MB_MAGIC
    .long MB_FLAGS
    .long -(MB_MAGIC + MB_FLAGS)
    .long multiboot_header      /* header_addr */
    .long 0x100000              /* load_addr */
    .long 0                     /* load_end_addr: the image writer */
    .long 0                     /* bss_end_addr: the image writer */
    .long boot_entry32          /* entry_addr */

    .section .boot.text, "ax"
    .code32
    .globl boot_entry32
boot_entry32:
    cli
    cld
    mov %eax, %edi
    mov %ebx, %esi
    mov $PHYS(boot_stack_top), %esp

    /* Four page directories of 2 MiB pages cover 0..4 GiB. */
    mov $PHYS(boot_pd), %ebx
    xor %ecx, %ecx
1:  mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax              /* present, writable, large */
    mov %eax, (%ebx, %ecx, 8)
    mov %ecx, %eax
    shr $11, %eax               /* bits 32.. of the address */
    mov %eax, 4(%ebx, %ecx, 8)
    inc %ecx
    cmp $2048, %ecx
    jne 1b

    /* The low PDPT points at the four directories. */
    mov $PHYS(boot_pdpt_low), %ebx
    mov $PHYS(boot_pd), %eax
    or $3, %eax
    mov %eax, 0(%ebx)
    add $4096, %eax
    mov %eax, 8(%ebx)
    add $4096, %eax
    mov %eax, 16(%ebx)
    add $4096, %eax
    mov %eax, 24(%ebx)
    /* The high PDPT maps 0..1 GiB at KERNEL_VBASE (slot 510). */
    mov $PHYS(boot_pdpt_high), %ebx
    mov $PHYS(boot_pd), %eax
    or $3, %eax
    mov %eax, 510*8(%ebx)

    mov $PHYS(boot_pml4), %ebx
    mov $PHYS(boot_pdpt_low), %eax
    or $3, %eax
    mov %eax, 0(%ebx)                           /* identity, dropped later */
    mov %eax, (KERNEL_DIRECT_PML4_SLOT*8)(%ebx) /* direct map */
    mov $PHYS(boot_pdpt_high), %eax
    or $3, %eax
    mov %eax, 511*8(%ebx)

    mov %cr4, %eax
    or $(1 << 5), %eax          /* PAE */
    mov %eax, %cr4
    mov %ebx, %cr3

    /* EFER: long mode, syscall, and NX when the CPU has it. */
    mov $0x80000001, %eax
    cpuid
    mov %edx, %ebx
    mov $0xC0000080, %ecx
    rdmsr
    or $((1 << 8) | (1 << 0)), %eax
    bt $20, %ebx
    jnc 2f
    or $(1 << 11), %eax
2:  wrmsr

    mov %cr0, %eax
    or $((1 << 31) | (1 << 16) | 1), %eax  /* PG, WP, PE */
    mov %eax, %cr0

    lgdt boot_gdt_ptr
    ljmp $0x08, $boot_entry64

    .code64
boot_entry64:
    mov $0x10, %eax
    mov %eax, %ds
    mov %eax, %es
    mov %eax, %ss
    xor %eax, %eax
    mov %eax, %fs
    mov %eax, %gs
    movabs $boot_high, %rax
    jmp *%rax

    .section .boot.data, "aw"
    .align 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF    /* 64-bit code */
    .quad 0x00CF92000000FFFF    /* data */
boot_gdt_ptr:
    .word boot_gdt_ptr - boot_gdt - 1
    .long boot_gdt

    .text
boot_high:
    movabs $kernel_stack_top, %rsp
    /* edi = Multiboot magic, esi = info physical address (zero-extended). */
    mov %edi, %edi
    mov %esi, %esi
    call kernel_main
3:  cli
    hlt
    jmp 3b

    .bss
    .align 4096
    .globl boot_pml4
boot_pml4:      .skip 4096
    .globl boot_pdpt_low
boot_pdpt_low:  .skip 4096
    .globl boot_pdpt_high
boot_pdpt_high: .skip 4096
    .globl boot_pd
boot_pd:        .skip 4 * 4096
boot_stack:     .skip 4096
boot_stack_top:
    .align 16
    .globl kernel_stack_top
kernel_stack:   .skip 16384
kernel_stack_top:

    .section .note.GNU-stack, "", @progbits
