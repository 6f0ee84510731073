/*
 * budget test, spinner (priority 200, 1 ms every 10 ms): spins forever,
 * adding up the time it runs and counting the times it runs again after a
 * gap (see budget.h).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/budget/budget.h"

uintptr_t spins;

void init(void)
{
    budget_spins_t *s = (budget_spins_t *)spins;
    uint64_t last = budget_rdtsc();
    for (;;) {
        uint64_t now = budget_rdtsc();
        uint64_t step = now - last;
        last = now;
        if (step < BUDGET_GAP_CYCLES)
            s->ran = s->ran + step;
        else
            s->resumes = s->resumes + 1;
        s->steps = s->steps + 1;
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
