/*
 * restart test, crasher (child 1 of parent, priority 150): records that it
 * started, then faults at a fixed unmapped address. See parent.c.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/restart/restart.h"

uintptr_t crash_ctl;

/* In .data, so it survives restarts only if the PD's memory is kept. */
static volatile uint64_t boots = RESTART_BOOTS_BASE;

void init(void)
{
    restart_crash_ctl_t *c = (restart_crash_ctl_t *)crash_ctl;
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    boots = boots + 1;
    c->boots = boots;
    if (c->first_rsp == 0)
        c->first_rsp = rsp;
    else if (c->first_rsp != rsp)
        c->rsp_mismatch++;
    *(volatile uint64_t *)RESTART_CRASH_ADDR = 1;
}

void notified(microkit_channel ch)
{
    (void)ch;
}
