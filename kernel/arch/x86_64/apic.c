/*
 * Local APIC, I/O APIC and legacy PIC.
 *
 * Both APICs are at their architectural default addresses, reached through
 * the kernel's direct map (the two 2 MiB pages that hold them are marked
 * uncached). The TSC is the kernel's clock; it and the LAPIC timer are
 * calibrated once at boot (see below). When the CPU has TSC-deadline mode
 * the timer is armed with an absolute TSC value; otherwise with a LAPIC
 * count derived from the calibration.
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

/*
 * Clock calibration. The kernel needs the TSC rate (budgets and periods are
 * in µs) and, without TSC-deadline mode, the LAPIC timer rate. An exact
 * figure from the CPU is used when it gives one: CPUID leaf 0x15 (TSC to
 * crystal ratio and crystal frequency; the LAPIC timer then runs at the
 * crystal frequency) or the hypervisor timing leaf 0x40000010 (TSC and LAPIC
 * bus in kHz). Otherwise the TSC is measured against the HPET (at its usual
 * address 0xFED00000, in the uncached direct-map page that also holds the I/O
 * APIC), or the PIT when there is no HPET, and the LAPIC timer against the
 * TSC.
 *
 * A measurement takes several short windows. Each end of a window reads the
 * reference, the measured counter, and the reference again; a host that
 * stops the machine between those reads (under emulation) shows up as a wide
 * bracket, and the window with the narrowest brackets wins. Time lost in the
 * middle of a window passes on both clocks alike and does no harm, except
 * against the PIT, whose 16-bit count wraps every 55 ms: there a window with
 * a poll gap of half its length ranks below every window without one, as a
 * wrap could hide in it (it is used only when every window had such a gap,
 * which a busy host can cause; a lost wrap needs a far longer stall).
 */
#define HPET_VIRT (KERNEL_DIRECT_BASE + 0xFED00000ull)
#define HPET_CAPS 0x00
#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xF0
#define PIT_HZ 1193182ull
#define CALIB_WINDOW_US 5000ull
#define CALIB_WINDOWS_GOOD 3
#define CALIB_WINDOWS_MAX 12
#define CALIB_SPINS_MAX 5000000u

typedef uint64_t (*clock_fn)(void);

static uint32_t hpet_read32(uint32_t off)
{
    return *(volatile uint32_t *)(HPET_VIRT + off);
}

static uint64_t hpet_ticks;
static uint32_t hpet_last;
/* The HPET's main counter, widened from its low 32 bits (they wrap in seconds). */
static uint64_t hpet_now(void)
{
    uint32_t c = hpet_read32(HPET_COUNTER);
    hpet_ticks += (uint32_t)(c - hpet_last);
    hpet_last = c;
    return hpet_ticks;
}

static uint64_t pit_ticks;
static uint16_t pit_last;
/* PIT channel 2 (mode 2, counting down from 65536), widened. */
static uint64_t pit_now(void)
{
    cpu_outb(0x43, 0x80); /* latch channel 2 */
    uint16_t c = cpu_inb(0x42);
    c = (uint16_t)(c | (cpu_inb(0x42) << 8));
    pit_ticks += (uint16_t)(pit_last - c);
    pit_last = c;
    return pit_ticks;
}

static uint64_t tsc_now(void)
{
    return cpu_rdtsc();
}

static uint64_t lapic_now(void)
{
    return 0xFFFFFFFFull - *lapic_reg(LAPIC_TIMER_CUR);
}

/*
 * The rate of `meas` in Hz, measured against `ref` (ticking at ref_hz) over
 * windows of CALIB_WINDOW_US; 0 when the reference did not move. `wraps`
 * says the reference could wrap unseen in a long poll gap (the PIT).
 */
static uint64_t measure(clock_fn ref, uint64_t ref_hz, clock_fn meas, bool wraps)
{
    const uint64_t ticks = ref_hz * CALIB_WINDOW_US / 1000000;
    uint64_t best_spread = ~0ull, rate = 0;
    for (int n = 0, good = 0; n < CALIB_WINDOWS_MAX && good < CALIB_WINDOWS_GOOD; n++) {
        uint64_t a0 = ref(), m0 = meas(), b0 = ref();
        uint64_t last = m0, gap = 0, now = b0;
        uint32_t spins = 0;
        for (; now - a0 < ticks && spins < CALIB_SPINS_MAX; spins++) {
            now = ref();
            uint64_t m = meas();
            if (m - last > gap)
                gap = m - last;
            last = m;
        }
        uint64_t a1 = ref(), m1 = meas(), b1 = ref();
        uint64_t dm = m1 - m0, spread = (b0 - a0) + (b1 - a1);
        uint64_t dr = (a1 + (b1 - a1) / 2) - (a0 + (b0 - a0) / 2);
        if (spins == CALIB_SPINS_MAX || dr == 0)
            continue;
        if (wraps && gap > dm / 2)
            spread |= 1ull << 62; /* ranks below every window without a gap */
        else
            good++;
        if (spread < best_spread) {
            best_spread = spread;
            rate = dm * ref_hz / dr;
        }
    }
    return rate;
}

/* The HPET's tick rate when one answers at the usual address, else 0. */
static uint64_t hpet_hz(void)
{
    uint32_t id = hpet_read32(HPET_CAPS), period_fs = hpet_read32(HPET_CAPS + 4);
    if (id == 0 || id == 0xFFFFFFFFu || period_fs == 0 || period_fs > 100000000u)
        return 0; /* the specification's longest period is 100 ns */
    return 1000000000000000ull / period_fs;
}

static const char *calibrate_tsc(uint64_t *tsc_hz, uint64_t *lapic_hz)
{
    uint32_t r[4];
    cpu_cpuid(0, 0, r);
    if (r[0] >= 0x15) {
        cpu_cpuid(0x15, 0, r);
        if (r[0] != 0 && r[1] != 0 && r[2] != 0) {
            *tsc_hz = (uint64_t)r[2] * r[1] / r[0];
            *lapic_hz = r[2];
            return "cpuid";
        }
    }
    cpu_cpuid(1, 0, r);
    if (r[2] & (1u << 31)) { /* a hypervisor: its leaves are at 0x40000000 */
        cpu_cpuid(0x40000000, 0, r);
        if (r[0] >= 0x40000010 && r[0] < 0x40010000) {
            cpu_cpuid(0x40000010, 0, r);
            if (r[0] != 0 && r[1] != 0) {
                *tsc_hz = (uint64_t)r[0] * 1000;
                *lapic_hz = (uint64_t)r[1] * 1000;
                return "hypervisor";
            }
        }
    }
    uint64_t hz = hpet_hz();
    if (hz != 0) {
        volatile uint32_t *config = (volatile uint32_t *)(HPET_VIRT + HPET_CONFIG);
        uint32_t saved = *config;
        *config = saved | 1; /* ENABLE_CNF: the main counter runs */
        hpet_last = hpet_read32(HPET_COUNTER);
        *tsc_hz = measure(hpet_now, hz, tsc_now, false);
        *config = saved; /* the HPET is left as found, for a PD that owns it */
        if (*tsc_hz != 0)
            return "hpet";
    }
    uint8_t gate = cpu_inb(0x61);
    cpu_outb(0x61, (uint8_t)((gate & ~0x03) | 0x01)); /* gate on, speaker off */
    cpu_outb(0x43, 0xB4); /* channel 2, lo/hi, mode 2 */
    cpu_outb(0x42, 0);
    cpu_outb(0x42, 0); /* 65536 */
    pit_now();
    *tsc_hz = measure(pit_now, PIT_HZ, tsc_now, true);
    cpu_outb(0x61, gate);
    return "pit";
}

const char *apic_clock_source = "none";

static void calibrate(void)
{
    uint64_t tsc_hz = 0, lapic_hz = 0;
    apic_clock_source = calibrate_tsc(&tsc_hz, &lapic_hz);
    if (tsc_hz < 1000000)
        tsc_hz = 1000000; /* nothing answered: 1 MHz keeps the arithmetic sane */
    tsc_per_ms = tsc_hz / 1000;
    apic_tsc_per_us = tsc_hz / 1000000;
    *lapic_reg(LAPIC_TIMER_DIV) = 0xB; /* divide by 1 */
    *lapic_reg(LAPIC_LVT_TIMER) = 1u << 16; /* masked */
    if (lapic_hz == 0 && !cpu_features.tsc_deadline) {
        *lapic_reg(LAPIC_TIMER_INIT) = 0xFFFFFFFFu;
        lapic_hz = measure(tsc_now, tsc_hz, lapic_now, false);
        *lapic_reg(LAPIC_TIMER_INIT) = 0;
    }
    lapic_per_ms = lapic_hz / 1000;
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
