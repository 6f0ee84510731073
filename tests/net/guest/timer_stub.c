/*
 * A stand-in for the L2 timer driver in the in-guest network test: answers
 * TIMER_GET_TIME from the TSC and accepts timeouts without firing them (the
 * test's wire PD wakes every client often enough for lwIP's timers). It
 * speaks ddf/timer.h, so the clients run unchanged against the real driver.
 */
#include <microkit.h>

#include "ddf/timer.h"
#include "ddf/timer_clock.h"

static uint64_t tsc_per_us = 2000;

void init(void)
{
    uint32_t a, b, c, d;
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0));
    if (a >= 0x16) {
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x16));
        if ((a & 0xFFFF) != 0) {
            tsc_per_us = a & 0xFFFF; /* base frequency in MHz */
        }
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    switch (microkit_msginfo_get_label(msginfo)) {
    case TIMER_GET_TIME:
        microkit_mr_set(0, timer_clock_rdtsc() / tsc_per_us * 1000u);
        return microkit_msginfo_new(0, 1);
    case TIMER_SET_TIMEOUT:
    case TIMER_CANCEL:
        microkit_mr_set(0, TIMER_OK);
        return microkit_msginfo_new(0, 1);
    default:
        microkit_mr_set(0, TIMER_ERR_INVALID);
        return microkit_msginfo_new(0, 1);
    }
}
