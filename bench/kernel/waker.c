/* Kernel benchmark, waker (priority 150): stamps the time it is woken. */
#include <stdint.h>
#include <microkit.h>

#include "bench/kernel/kbench.h"

uintptr_t stamps;

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
    kbench_stamps_t *s = (kbench_stamps_t *)stamps;
    s->received = kbench_rdtsc();
    s->count = s->count + 1;
}
