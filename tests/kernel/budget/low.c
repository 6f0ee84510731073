/*
 * budget test, low (priority 100).
 *
 * Spins with the same loop as the spinner above it (budget.h) for about
 * 0.7 s of TSC time (1.5e9 cycles at 2.1 GHz), then checks the time each ran against that wall time.
 * The kernel charges budgets in TSC time, so the spinner may run at most
 * its budget's share of it: 10%, checked as at most 15%, because under TCG
 * the timer that ends a budget can fire late. It must come back to run again
 * and again (its budget is replenished every period: throttled, not
 * starved), and the low PD must get more of the CPU than the spinner. Time the host takes from QEMU counts
 * for neither, which is why the low PD's share is not checked against 90%.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/budget/budget.h"

#define RUN_TSC_CYCLES 1500000000ull

uintptr_t spins;

void init(void)
{
    budget_spins_t *s = (budget_spins_t *)spins;
    ktest_puts("budget: low runs\n");
    uint64_t spinner_at_start = s->ran, steps_at_start = s->steps, resumes_at_start = s->resumes;
    uint64_t ran = 0, start = budget_rdtsc(), last = start, now = start;
    while (now - start < RUN_TSC_CYCLES) {
        now = budget_rdtsc();
        uint64_t step = now - last;
        last = now;
        if (step < BUDGET_GAP_CYCLES)
            ran += step;
    }
    uint64_t spinner = s->ran - spinner_at_start;
    uint64_t elapsed = now - start;
    uint64_t permille = spinner * 1000 / elapsed;
    ktest_figure("spinner-share-of-wall-time-permille", permille);
    ktest_figure("low-share-of-wall-time-permille", ran * 1000 / elapsed);
    ktest_figure("low-ran-cycles", ran);
    ktest_figure("spinner-ran-cycles", spinner);
    ktest_check("low-priority-pd-runs", ran > spinner, "low ran cycles", ran);
    ktest_check("spinner-ran-meanwhile", s->steps > steps_at_start, "spinner steps", s->steps);
    ktest_check("spinner-at-most-its-budget", permille <= 150, "spinner share in permille", permille);
    /*
     * Throttled but not starved: the spinner came back again and again, about
     * once a period (70 times in 0.7 s). A kernel that never refilled its
     * budget would let it run once.
     */
    uint64_t resumes = s->resumes - resumes_at_start;
    ktest_figure("spinner-resumes", resumes);
    ktest_check("spinner-budget-replenished", resumes >= 10, "spinner resumes", resumes);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
