/*
 * restart test, heartbeat (priority 1): counts forever and tells the parent
 * every RESTART_BEAT_EVERY iterations. It can only run while every other PD
 * waits, so its progress shows that restarts leave the system schedulable.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/restart/restart.h"

uintptr_t beat;

void init(void)
{
    restart_beat_t *b = (restart_beat_t *)beat;
    for (uint64_t n = 1;; n++) {
        b->count = n;
        if (n % RESTART_BEAT_EVERY == 0)
            microkit_notify(1);
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
