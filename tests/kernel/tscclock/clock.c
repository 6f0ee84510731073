/*
 * tscclock test, clock (priority 100): turns the HPET on and counts TSC
 * cycles over 100 ms of HPET time (QEMU's HPET ticks every 10 ns), then
 * reports the TSC rate in MHz. Both clocks follow real time, so time the host
 * takes from QEMU counts in both alike. The harness sets the figure beside
 * the rate the kernel printed at boot (see tscclock.spec).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define HPET_CONFIG 0x10
#define HPET_COUNTER 0xf0
#define HPET_TICKS_PER_MS 100000ull
#define WINDOW_MS 100

uintptr_t hpet;

static uint64_t hpet_now(void)
{
    return *(volatile uint64_t *)(hpet + HPET_COUNTER);
}

void init(void)
{
    volatile uint64_t *config = (volatile uint64_t *)(hpet + HPET_CONFIG);
    *config = *config | 1; /* ENABLE_CNF: the main counter runs */
    uint64_t h0 = hpet_now(), t0 = ktest_rdtsc(), h1 = h0, t1 = t0;
    while (h1 - h0 < WINDOW_MS * HPET_TICKS_PER_MS) {
        h1 = hpet_now();
        t1 = ktest_rdtsc();
    }
    uint64_t mhz = (t1 - t0) * HPET_TICKS_PER_MS / (h1 - h0) / 1000;
    ktest_check("hpet-runs", h1 > h0, "hpet", h1);
    ktest_figure("tsc-mhz-by-hpet", mhz);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
