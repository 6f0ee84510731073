/*
 * Local APIC, I/O APIC and legacy PIC.
 *
 * Both APICs are at their architectural default addresses, reached through
 * the kernel's direct map (the two 2 MiB pages that hold them are marked
 * uncached). The TSC is the kernel's clock; it and the LAPIC timer are
 * calibrated once against the PIT. When the CPU has TSC-deadline mode the
 * timer is armed with an absolute TSC value; otherwise with a LAPIC count
 * derived from the calibration.
 */
#include "kernel/arch/x86_64/apic.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/layout.h"

#define LAPIC_PHYS 0xFEE00000ull
#define IOAPIC_PHYS 0xFEC00000ull
#define LAPIC_EOI 0xB0
#define LAPIC_SVR 0xF0
#define LAPIC_TPR 0x80
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3E0
#define MSR_TSC_DEADLINE 0x6E0

uint64_t apic_tsc_per_us = 1000;
static uint64_t lapic_per_ms; /* LAPIC timer counts per millisecond (divide by 1) */
static uint64_t tsc_per_ms;

static volatile uint32_t *lapic_reg(uint32_t off)
{
    return (volatile uint32_t *)(KERNEL_DIRECT_BASE + LAPIC_PHYS + off);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    volatile uint32_t *base = (volatile uint32_t *)(KERNEL_DIRECT_BASE + IOAPIC_PHYS);
    base[0] = reg;
    base[4] = v;
}

static uint32_t ioapic_read(uint32_t reg)
{
    volatile uint32_t *base = (volatile uint32_t *)(KERNEL_DIRECT_BASE + IOAPIC_PHYS);
    base[0] = reg;
    return base[4];
}

static void pic_disable(void)
{
    cpu_outb(0x20, 0x11);
    cpu_outb(0xA0, 0x11);
    cpu_outb(0x21, 0xF0); /* vectors 0xF0.., never used */
    cpu_outb(0xA1, 0xF8);
    cpu_outb(0x21, 4);
    cpu_outb(0xA1, 2);
    cpu_outb(0x21, 1);
    cpu_outb(0xA1, 1);
    cpu_outb(0x21, 0xFF);
    cpu_outb(0xA1, 0xFF);
}

/* Counts TSC and LAPIC ticks over 10 ms of PIT channel 2. */
static void calibrate(void)
{
    const uint32_t pit_count = 11932; /* 1193182 Hz * 10 ms */
    uint8_t gate = cpu_inb(0x61);
    cpu_outb(0x61, (uint8_t)((gate & ~0x03) | 0x00));
    cpu_outb(0x43, 0xB0); /* channel 2, lo/hi, mode 0 */
    cpu_outb(0x42, (uint8_t)(pit_count & 0xFF));
    cpu_outb(0x42, (uint8_t)(pit_count >> 8));
    *lapic_reg(LAPIC_TIMER_DIV) = 0xB; /* divide by 1 */
    *lapic_reg(LAPIC_LVT_TIMER) = 1u << 16; /* masked */
    *lapic_reg(LAPIC_TIMER_INIT) = 0xFFFFFFFFu;
    uint64_t t0 = cpu_rdtsc();
    cpu_outb(0x61, (uint8_t)((gate & ~0x03) | 0x01)); /* start */
    for (uint32_t spins = 0; !(cpu_inb(0x61) & 0x20) && spins < 100000000u; spins++)
        ;
    uint64_t t1 = cpu_rdtsc();
    uint32_t lapic_elapsed = 0xFFFFFFFFu - *lapic_reg(LAPIC_TIMER_CUR);
    *lapic_reg(LAPIC_TIMER_INIT) = 0;
    tsc_per_ms = (t1 - t0) / 10;
    if (tsc_per_ms < 1000)
        tsc_per_ms = 1000;
    apic_tsc_per_us = tsc_per_ms / 1000;
    lapic_per_ms = lapic_elapsed / 10;
    if (lapic_per_ms < 10)
        lapic_per_ms = 10;
}

void apic_init(void)
{
    pic_disable();
    cpu_wrmsr(0x1B, cpu_rdmsr(0x1B) | (1u << 11)); /* APIC global enable */
    *lapic_reg(LAPIC_TPR) = 0;
    *lapic_reg(LAPIC_SVR) = 0x100 | APIC_SPURIOUS_VECTOR;
    calibrate();
    /* Mask every I/O APIC pin until a PD's IRQ claims it. */
    uint32_t pins = ((ioapic_read(1) >> 16) & 0xFF) + 1;
    for (uint32_t pin = 0; pin < pins; pin++) {
        ioapic_write(0x10 + 2 * pin, 1u << 16);
        ioapic_write(0x11 + 2 * pin, 0);
    }
}

void apic_eoi(void)
{
    *lapic_reg(LAPIC_EOI) = 0;
}

void apic_timer_arm(uint64_t deadline)
{
    if (cpu_features.tsc_deadline) {
        *lapic_reg(LAPIC_LVT_TIMER) = (2u << 17) | APIC_TIMER_VECTOR;
        cpu_wrmsr(MSR_TSC_DEADLINE, deadline);
        return;
    }
    uint64_t now = cpu_rdtsc();
    uint64_t delta = deadline > now ? deadline - now : 1;
    uint64_t count = delta * lapic_per_ms / tsc_per_ms;
    if (count == 0)
        count = 1;
    if (count > 0xFFFFFFFFull)
        count = 0xFFFFFFFFull;
    *lapic_reg(LAPIC_LVT_TIMER) = APIC_TIMER_VECTOR; /* one-shot */
    *lapic_reg(LAPIC_TIMER_INIT) = (uint32_t)count;
}

void apic_timer_disarm(void)
{
    if (cpu_features.tsc_deadline)
        cpu_wrmsr(MSR_TSC_DEADLINE, 0);
    else
        *lapic_reg(LAPIC_TIMER_INIT) = 0;
}

void ioapic_route(uint32_t pin, uint8_t vector, bool level, bool active_low)
{
    uint32_t low = vector | (active_low ? 1u << 13 : 0) | (level ? 1u << 15 : 0);
    ioapic_write(0x11 + 2 * pin, 0); /* destination: APIC 0 */
    ioapic_write(0x10 + 2 * pin, low);
}

void ioapic_mask(uint32_t pin, bool masked)
{
    uint32_t low = ioapic_read(0x10 + 2 * pin);
    low = masked ? (low | (1u << 16)) : (low & ~(1u << 16));
    ioapic_write(0x10 + 2 * pin, low);
}
