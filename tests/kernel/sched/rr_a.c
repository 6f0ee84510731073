/* sched test, rr_a (priority 100): shares the CPU with rr_b, then tells the reporter. */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/sched/sched.h"

uintptr_t state;

void init(void)
{
    sched_round_robin((sched_state_t *)state, 0);
    microkit_notify(0);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
