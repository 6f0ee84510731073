/*
 * budget test, low (priority 100).
 *
 * Counts with the same loop as the spinner above it, for about half a
 * second of TSC time, and compares the two counts: the spinner may have at
 * most its budget's share of the CPU (10%, checked as at most 20% to allow
 * for timer slack under TCG), and must have had some (its budget is
 * replenished every period, so it is throttled, not starved).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define RUN_TSC_CYCLES 1500000000ull

uintptr_t spins;

static volatile uint64_t own;

void init(void)
{
    volatile uint64_t *spinner_count = (volatile uint64_t *)spins;
    ktest_puts("budget: low runs\n");
    uint64_t spins_at_start = *spinner_count;
    uint64_t start = ktest_rdtsc();
    for (;;) {
        uint64_t n = own + 1;
        own = n;
        if ((n & 1023) == 0 && ktest_rdtsc() - start > RUN_TSC_CYCLES)
            break;
    }
    uint64_t spinner = *spinner_count - spins_at_start;
    uint64_t total = spinner + own;
    uint64_t permille = total ? spinner * 1000 / total : 1000;
    ktest_figure("spinner-share-permille", permille);
    ktest_check("low-priority-pd-runs", own > 0, "own count", own);
    ktest_check("spinner-at-most-its-budget", permille <= 200, "spinner share in permille", permille);
    ktest_check("spinner-budget-replenished", permille >= 30, "spinner share in permille", permille);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
