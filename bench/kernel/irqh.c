/* Kernel benchmark, IRQ handler (priority 180): stamps each interrupt and acknowledges it. */
#include <stdint.h>
#include <microkit.h>

#include "bench/kernel/kbench.h"

uintptr_t stamps;

void init(void)
{
}

void notified(microkit_channel ch)
{
    kbench_stamps_t *s = (kbench_stamps_t *)stamps;
    s->received = kbench_rdtsc();
    s->count = s->count + 1;
    microkit_irq_ack(ch);
}
