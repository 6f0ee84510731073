/*
 * notify test, pong (priority 110): answers ping. See ping.c for what is
 * checked; pong only records what it saw in the shared page.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/notify/notify.h"

uintptr_t ctl;

void init(void)
{
}

void notified(microkit_channel ch)
{
    notify_ctl_t *c = (notify_ctl_t *)ctl;
    if (ch != NOTIFY_CH_MAIN) {
        c->pong_wrong_ch++;
        return;
    }
    switch (c->phase) {
    case PHASE_ROUNDS:
        c->pong_seen = c->ping_marker;
        c->pong_count++;
        microkit_notify(NOTIFY_CH_MAIN);
        /* ping has the lower priority: it must not run before this line. */
        c->pong_finished = 1;
        break;
    case PHASE_BURST:
        microkit_notify(NOTIFY_CH_MAIN);
        microkit_notify(NOTIFY_CH_MAIN);
        microkit_notify(NOTIFY_CH_MAIN);
        microkit_notify(NOTIFY_CH_SECOND);
        break;
    case PHASE_SYNC:
        microkit_notify(NOTIFY_CH_SECOND);
        break;
    default:
        c->pong_wrong_ch++;
    }
}
