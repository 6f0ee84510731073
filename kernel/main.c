/*
 * Boot: from the Multiboot hand-over to the first PD.
 *
 * The kernel copies what it needs from the boot loader's information first
 * (the loader may have put it inside memory the image claims), checks that
 * the boot image is one this kernel understands and that the loader's
 * memory map has RAM under every byte the image placed, clears the image's
 * zero area, builds every PD's address space and thread, routes the IRQs,
 * and starts scheduling. Any inconsistency stops the boot with a message.
 */
#include "kernel/abi/image.h"
#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/klib.h"
#include "kernel/sched.h"
#include "kernel/vspace.h"
#include "lib/vspace/vspace_plan.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MAX_RAM_RANGES 64

void kernel_main(uint32_t magic, uint64_t mbi_phys);
void arch_return_to_user(void) __attribute__((noreturn));

/* Patched by the image writer: the physical address of the image header. */
volatile uint64_t boot_image_header_phys __attribute__((section(".data"))) = 0;

extern uint64_t boot_pml4[512];
extern uint64_t boot_pdpt_low[512];
extern uint64_t boot_pdpt_high[512];
extern char kernel_text_start[], kernel_rodata_start[], kernel_data_start[], kernel_end[];

/* The kernel window, remapped at boot with 4 KiB pages and W^X. */
static uint64_t kernel_window_pd[512] __attribute__((aligned(4096)));
static uint64_t kernel_window_pt[512] __attribute__((aligned(4096)));
extern uint64_t boot_pd[4 * 512];

#define DIRECT_EXTRA_GIB ((KERNEL_DIRECT_SIZE - KERNEL_DIRECT_BOOT_SIZE) >> 30)
/* Page directories for the direct map above 4 GiB (2 MiB pages, no execute). */
static uint64_t direct_pd[DIRECT_EXTRA_GIB][512] __attribute__((aligned(4096)));

static struct {
    uint64_t base, end;
} ram[MAX_RAM_RANGES];
static uint32_t ram_count;

static void read_memory_map(uint64_t mbi_phys)
{
    const uint8_t *mbi = phys_to_virt(mbi_phys);
    uint32_t flags = *(const uint32_t *)mbi;
    if (!(flags & (1u << 6)))
        kernel_panic("the boot loader gave no memory map");
    uint32_t len = *(const uint32_t *)(mbi + 44);
    uint32_t addr = *(const uint32_t *)(mbi + 48);
    const uint8_t *p = phys_to_virt(addr), *end = p + len;
    while (p + 24 <= end && ram_count < MAX_RAM_RANGES) {
        uint32_t size = *(const uint32_t *)p;
        uint64_t base = *(const uint64_t *)(p + 4);
        uint64_t length = *(const uint64_t *)(p + 12);
        uint32_t type = *(const uint32_t *)(p + 20);
        if (type == 1 && length) {
            ram[ram_count].base = base;
            ram[ram_count].end = base + length;
            ram_count++;
        }
        p += size + 4;
    }
}

static bool ram_covers(uint64_t base, uint64_t end)
{
    while (base < end) {
        bool found = false;
        for (uint32_t i = 0; i < ram_count; i++) {
            if (ram[i].base <= base && base < ram[i].end) {
                base = ram[i].end;
                found = true;
                break;
            }
        }
        if (!found)
            return false;
    }
    return true;
}

static void check_ram(uint64_t base, uint64_t end)
{
    if (ram_covers(base, end))
        return;
    console_puts("substrate: the system needs RAM from ");
    console_hex(base);
    console_puts(" to ");
    console_hex(end);
    console_puts(" (");
    console_dec((end - base) >> 20);
    console_puts(" MiB); the boot loader's memory map does not have it\n");
    kernel_panic("not enough memory: give the machine more RAM (e.g. qemu -m)");
}

static uint64_t kphys(const void *p)
{
    return (uint64_t)p - KERNEL_VBASE;
}

/*
 * Replaces the boot's read-write-execute 2 MiB kernel window with 4 KiB
 * pages: code read-execute, constants read-only, data and bss read-write
 * and never executable; nothing else of the first 2 MiB is mapped there.
 * The direct map becomes non-executable. From then on no kernel page is
 * both writable and executable.
 */
static void protect_kernel_image(void)
{
    uint64_t nx = cpu_features.nx ? VSPACE_PTE_NX : 0;
    if (kphys(kernel_end) > 0x200000)
        kernel_panic("the kernel image outgrew its 2 MiB window");
    for (uint64_t page = 0; page < 512; page++) {
        uint64_t phys = page << 12, bits;
        if (phys >= kphys(kernel_text_start) && phys < kphys(kernel_rodata_start))
            bits = VSPACE_PTE_P;
        else if (phys >= kphys(kernel_rodata_start) && phys < kphys(kernel_data_start))
            bits = VSPACE_PTE_P | nx;
        else if (phys >= kphys(kernel_data_start) && phys < kphys(kernel_end))
            bits = VSPACE_PTE_P | VSPACE_PTE_RW | nx;
        else
            bits = 0;
        kernel_window_pt[page] = bits ? phys | bits | VSPACE_PTE_G : 0;
    }
    kernel_window_pd[0] = kphys(kernel_window_pt) | VSPACE_PTE_P | VSPACE_PTE_RW;
    boot_pdpt_high[510] = kphys(kernel_window_pd) | VSPACE_PTE_P | VSPACE_PTE_RW;
    for (int i = 0; i < 4 * 512; i++)
        boot_pd[i] |= nx | VSPACE_PTE_G;
}

static void setup_kernel_mappings(void)
{
    /* The APIC pages are device memory. */
    boot_pd[0xFEC00000u >> 21] |= VSPACE_PTE_PCD | VSPACE_PTE_PWT;
    boot_pd[0xFEE00000u >> 21] |= VSPACE_PTE_PCD | VSPACE_PTE_PWT;
    /* Extend the direct map from 4 GiB to 64 GiB. */
    for (uint64_t g = 0; g < DIRECT_EXTRA_GIB; g++) {
        uint64_t gib = (KERNEL_DIRECT_BOOT_SIZE >> 30) + g;
        for (uint64_t i = 0; i < 512; i++)
            direct_pd[g][i] = ((gib << 30) + (i << 21)) | VSPACE_PTE_P | VSPACE_PTE_RW | VSPACE_PTE_PS |
                              VSPACE_PTE_G | (cpu_features.nx ? VSPACE_PTE_NX : 0);
        boot_pdpt_low[gib] = ((uint64_t)direct_pd[g] - KERNEL_VBASE) | VSPACE_PTE_P | VSPACE_PTE_RW;
    }
    protect_kernel_image();
    /*
     * Drop the boot identity map: the lower half belongs to PDs. The kernel's
     * pages are global (they survive address-space switches in the TLB), so
     * flush everything, global entries included, by toggling CR4.PGE.
     */
    boot_pml4[0] = 0;
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 & ~(1ull << 7)) : "memory");
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4 | (1ull << 7)) : "memory");
}

static const image_header_t *check_image(void)
{
    uint64_t phys = boot_image_header_phys;
    if (!phys || phys >= IMAGE_PHYS_LIMIT)
        kernel_panic("no boot image: build the image with `substrate build` (or `microkit`)");
    const image_header_t *h = phys_to_virt(phys);
    if (h->magic != IMAGE_MAGIC || h->version != IMAGE_VERSION || h->header_size != sizeof(image_header_t))
        kernel_panic("the boot image was written for a different kernel version");
    if (h->pd_count == 0 || h->pd_count > IMAGE_MAX_PDS || h->irq_count > IMAGE_MAX_IRQS)
        kernel_panic("the boot image has an impossible PD or IRQ count");
    if (h->zero_start > h->zero_end || h->zero_end > IMAGE_PHYS_LIMIT || h->image_end > h->zero_start ||
        h->high_start > h->high_end || h->high_start < IMAGE_HIGH_BASE || h->high_end > IMAGE_HIGH_LIMIT)
        kernel_panic("the boot image's memory layout is inconsistent");
    check_ram(IMAGE_LOAD_PHYS, h->zero_end);
    check_ram(h->high_start, h->high_end);
    return h;
}

/* Copies each region's prefill bytes from the loaded file into the (cleared) region. */
static void prefill_regions(const image_header_t *h)
{
    const image_prefill_t *p = (const image_prefill_t *)((const uint8_t *)h + h->prefill_offset);
    for (uint32_t i = 0; i < h->prefill_count; i++) {
        if (p[i].src < IMAGE_LOAD_PHYS || p[i].src + p[i].len > h->image_end || p[i].len > IMAGE_HIGH_LIMIT ||
            p[i].dst + p[i].len > IMAGE_HIGH_LIMIT)
            kernel_panic("the boot image's prefill table is invalid");
        k_memcpy(phys_to_virt(p[i].dst), phys_to_virt(p[i].src), p[i].len);
    }
}

static void start_pds(const image_header_t *h)
{
    const uint8_t *base = (const uint8_t *)h;
    const image_pd_t *descs = (const image_pd_t *)(base + h->pd_offset);
    pd_count = h->pd_count;
    for (uint32_t i = 0; i < pd_count; i++) {
        pd_t *pd = &pd_table[i];
        const image_pd_t *d = &descs[i];
        pd->desc = d;
        pd->index = (uint8_t)i;
        pd->priority = d->priority;
        pd->passive = d->passive;
        pd->has_own_sc_bound = true;
        for (int io = 0; io < IMAGE_MAX_IOPORTS; io++)
            if (d->ioports[io].size)
                pd->ioport_ids[pd->ioport_count++] = (uint8_t)io;
        pd->ipc_buffer = (uint64_t)phys_to_virt(d->ipc_buffer_phys);
        sched_init_context(&pd->own_sc, d->budget_us, d->period_us);
        pd->sc = &pd->own_sc;
        if (pd_build_vspace(pd, (const image_map_t *)(base + d->map_offset)) != 0) {
            console_puts("substrate: PD '");
            console_puts(d->name);
            console_puts("': its page tables do not fit the pool the image reserved\n");
            kernel_panic("bad boot image");
        }
        pd_reset_thread(pd, d->entry);
    }
    if (irq_init((const image_irq_t *)(base + h->irq_offset), h->irq_count) != 0)
        kernel_panic("the boot image's IRQ table is invalid");
    for (uint32_t i = 0; i < pd_count; i++)
        sched_make_ready(&pd_table[i]);
}

void kernel_main(uint32_t magic, uint64_t mbi_phys)
{
    console_init();
    console_puts("substrate: L1 kernel booting\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
        kernel_panic("not started by a Multiboot boot loader");
    read_memory_map(mbi_phys);
    cpu_init();
    if (!cpu_features.nx)
        kernel_panic("the CPU has no NX bit; substrate needs it for W^X");
    setup_kernel_mappings();
    const image_header_t *h = check_image();
    k_memset(phys_to_virt(h->zero_start), 0, h->zero_end - h->zero_start);
    k_memset(phys_to_virt(h->high_start), 0, h->high_end - h->high_start);
    prefill_regions(h);
    apic_init();
    console_puts("substrate: cpu:");
    console_puts(cpu_features.pdpe1gb ? " pdpe1gb" : " no-pdpe1gb");
    console_puts(cpu_features.smep ? " smep" : "");
    console_puts(cpu_features.smap ? " smap" : "");
    console_puts(cpu_features.tsc_deadline ? " tsc-deadline" : " lapic-timer");
    console_puts(", tsc ");
    console_dec(apic_tsc_per_us);
    console_puts(" MHz by ");
    console_puts(apic_clock_source);
    console_puts("\n");
    start_pds(h);
    console_puts("substrate: starting ");
    console_dec(pd_count);
    console_puts(" protection domains\n");
    sched_schedule();
    arch_return_to_user();
}
