/*
 * deferred test, driver (priority 120).
 *
 * Notifies the lower-priority worker, which answers with
 * microkit_deferred_notify and then keeps working in the same handler. Were
 * the notification sent at once, the driver (higher priority) would run
 * before the worker's handler finished; deferred, it runs only after the
 * worker's handler has returned. Checked on every one of DEFERRED_ROUNDS.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/deferred/deferred.h"

uintptr_t ctl;

static uint64_t rounds, early, wrong_ch;

void init(void)
{
    ktest_puts("deferred: driver starts\n");
    microkit_notify(DEFERRED_DRIVER_CH);
}

void notified(microkit_channel ch)
{
    deferred_ctl_t *c = (deferred_ctl_t *)ctl;
    if (ch != DEFERRED_DRIVER_CH) {
        wrong_ch++;
        return;
    }
    rounds++;
    if (c->worker_returned != rounds)
        early++;
    if (rounds < DEFERRED_ROUNDS) {
        microkit_notify(DEFERRED_DRIVER_CH);
        return;
    }
    ktest_check_eq("every-deferred-notify-arrives", c->worker_round, DEFERRED_ROUNDS);
    ktest_check_eq("deferred-notify-waits-for-handler-return", early, 0);
    ktest_check_eq("no-unexpected-channel", wrong_ch, 0);
    ktest_end();
}
