/*
 * isolation test, victim (priority 160): holds a secret page and an I/O port
 * the hostile child tries to reach, counts anything that reaches it, and
 * reports when the parent asks (see parent.c).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/isolation/isolation.h"

#define PARENT_CH 0
#define SCRATCH_IOPORT 0

uintptr_t secret;
uintptr_t report;

static uint64_t notifications, calls;

void init(void)
{
    volatile uint64_t *s = (volatile uint64_t *)secret;
    for (unsigned i = 0; i < 512; i++)
        s[i] = ISOLATION_SECRET_WORD ^ i;
    microkit_x86_ioport_write_8(SCRATCH_IOPORT, ISOLATION_SCRATCH_PORT, ISOLATION_SCRATCH_VALUE);
    microkit_dbg_puts("isolation: victim ready\n");
}

void notified(microkit_channel ch)
{
    if (ch != PARENT_CH) {
        notifications++;
        return;
    }
    volatile uint64_t *s = (volatile uint64_t *)secret;
    uint64_t intact = 1;
    for (unsigned i = 0; i < 512; i++)
        if (s[i] != (ISOLATION_SECRET_WORD ^ i))
            intact = 0;
    isolation_report_t *r = (isolation_report_t *)report;
    r->notifications = notifications;
    r->calls = calls;
    r->secret_intact = intact;
    r->scratch = microkit_x86_ioport_read_8(SCRATCH_IOPORT, ISOLATION_SCRATCH_PORT);
    r->done = 1;
    microkit_notify(PARENT_CH);
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    (void)msginfo;
    calls++;
    return microkit_msginfo_new(0, 0);
}
