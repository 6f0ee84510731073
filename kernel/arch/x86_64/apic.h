/*
 * Interrupt hardware: the local APIC (timer, end of interrupt), the I/O APIC
 * (device pins), and the legacy PICs, which are remapped and masked so they
 * never deliver anything.
 */
#ifndef SUBSTRATE_KERNEL_ARCH_APIC_H
#define SUBSTRATE_KERNEL_ARCH_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_TIMER_VECTOR 0x20
#define APIC_SPURIOUS_VECTOR 0xFF

extern uint64_t apic_tsc_per_us;
/* What the TSC rate was taken from: cpuid, hypervisor, hpet or pit. */
extern const char *apic_clock_source;

void apic_init(void);
void apic_eoi(void);
/* One-shot timer interrupt at TSC value `deadline` (TSC-deadline mode when present). */
void apic_timer_arm(uint64_t deadline);
void apic_timer_disarm(void);

void ioapic_route(uint32_t pin, uint8_t vector, bool level, bool active_low);
void ioapic_mask(uint32_t pin, bool masked);

#endif
