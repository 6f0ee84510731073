/*
 * sched test, high (priority 150, budget = period: never throttled): spins
 * for SCHED_HIGH_SPIN_TSC cycles watching that no lower PD starts, then waits.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/sched/sched.h"

uintptr_t state;

void init(void)
{
    sched_state_t *s = (sched_state_t *)state;
    uint64_t start = ktest_rdtsc();
    while (ktest_rdtsc() - start < SCHED_HIGH_SPIN_TSC)
        if (s->low_ran)
            s->low_seen_by_high = s->low_seen_by_high + 1;
    s->high_done = 1;
}

void notified(microkit_channel ch)
{
    (void)ch;
}
