/* deferred test, worker (priority 110): see driver.c. */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/deferred/deferred.h"

uintptr_t ctl;

void init(void)
{
}

void notified(microkit_channel ch)
{
    deferred_ctl_t *c = (deferred_ctl_t *)ctl;
    if (ch != DEFERRED_WORKER_CH)
        return;
    uint64_t round = c->worker_round + 1;
    c->worker_round = round;
    microkit_deferred_notify(DEFERRED_WORKER_CH);
    /* Still in the handler: the driver must not have seen the notification. */
    c->worker_returned = round;
}
