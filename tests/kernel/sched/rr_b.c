/* sched test, rr_b (priority 100): shares the CPU with rr_a. */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/sched/sched.h"

uintptr_t state;

void init(void)
{
    sched_round_robin((sched_state_t *)state, 1);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
