/*
 * donation test, passive server (priority 200): each call spins for
 * SPIN_TSC cycles, many times its caller's 1 ms budget, and answers with the
 * low PD's counter before and after.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define SPIN_TSC 60000000ull

uintptr_t counter;

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    (void)msginfo;
    volatile uint64_t *c = (volatile uint64_t *)counter;
    uint64_t before = *c, start = ktest_rdtsc();
    while (ktest_rdtsc() - start < SPIN_TSC)
        ;
    microkit_mr_set(0, before);
    microkit_mr_set(1, *c);
    return microkit_msginfo_new(0, 2);
}
