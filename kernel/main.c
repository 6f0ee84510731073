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
extern uint64_t boot_pd[4 * 512];

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

static void setup_kernel_mappings(void)
{
    /* The APIC pages are device memory. */
    boot_pd[0xFEC00000u >> 21] |= VSPACE_PTE_PCD | VSPACE_PTE_PWT;
    boot_pd[0xFEE00000u >> 21] |= VSPACE_PTE_PCD | VSPACE_PTE_PWT;
    /* Drop the boot identity map: the lower half belongs to PDs. */
    boot_pml4[0] = 0;
    cpu_write_cr3(cpu_read_cr3());
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
    if (h->zero_start > h->zero_end || h->zero_end > IMAGE_PHYS_LIMIT || h->image_end > h->zero_start)
        kernel_panic("the boot image's memory layout is inconsistent");
    if (!ram_covers(IMAGE_LOAD_PHYS, h->zero_end)) {
        console_puts("substrate: the system needs RAM from ");
        console_hex(IMAGE_LOAD_PHYS);
        console_puts(" to ");
        console_hex(h->zero_end);
        console_puts(" (");
        console_dec(h->zero_end >> 20);
        console_puts(" MiB); the boot loader's memory map does not have it\n");
        kernel_panic("not enough memory: give the machine more RAM (e.g. qemu -m)");
    }
    return h;
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
    apic_init();
    console_puts("substrate: cpu:");
    console_puts(cpu_features.pdpe1gb ? " pdpe1gb" : " no-pdpe1gb");
    console_puts(cpu_features.smep ? " smep" : "");
    console_puts(cpu_features.smap ? " smap" : "");
    console_puts(cpu_features.tsc_deadline ? " tsc-deadline" : " lapic-timer");
    console_puts(", tsc ");
    console_dec(apic_tsc_per_us);
    console_puts(" MHz\n");
    start_pds(h);
    console_puts("substrate: starting ");
    console_dec(pd_count);
    console_puts(" protection domains\n");
    sched_schedule();
    arch_return_to_user();
}
