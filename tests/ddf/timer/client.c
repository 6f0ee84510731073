/*
 * timer test client: time never goes backwards over many readings; a series
 * of timeouts (0.5 to 50 ms) each fires once and never early; a replaced
 * timeout fires only once, a cancelled one not at all. Ends the run when the
 * hostile client has reported too.
 *
 * How late a timeout fires is a figure, not a check: under TCG on a shared
 * host the guest can be descheduled for any length of time, so the worst
 * lateness is printed for bench-ddf and never asserted here.
 */
#include <microkit.h>

#include "ddf/timer.h"
#include "tests/ddf/ddftest.h"

#define TIMER_CH 0
#define HOSTILE_CH 1
#define EXIT_IOPORT 2

static const uint64_t timeouts[] = {500000, 1000000, 2000000, 5000000, 10000000, 20000000, 50000000};
#define N_TIMEOUTS (sizeof(timeouts) / sizeof(timeouts[0]))

static unsigned step;
static uint64_t started, early, worst_late;
static bool hostile_done, series_done, finished, in_cancel_check;
static unsigned cancel_notifications;

static uint64_t now(void)
{
    microkit_ppcall(TIMER_CH, microkit_msginfo_new(TIMER_GET_TIME, 0));
    return microkit_mr_get(0);
}

static uint64_t set_timeout(uint64_t ns)
{
    microkit_mr_set(0, ns);
    microkit_ppcall(TIMER_CH, microkit_msginfo_new(TIMER_SET_TIMEOUT, 1));
    return microkit_mr_get(0);
}

static void maybe_finish(void)
{
    if (series_done && hostile_done && !finished) {
        finished = true;
        ddftest_end(EXIT_IOPORT);
    }
}

void init(void)
{
    uint64_t last = now(), backwards = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t t = now();
        backwards += t < last;
        last = t;
    }
    ddftest_check("timer-never-goes-backwards", backwards == 0, backwards);
    ddftest_check("timer-time-advances", last > 0, last);
    started = now();
    ddftest_check("timer-set-accepted", set_timeout(timeouts[0]) == TIMER_OK, 0);
}

void notified(microkit_channel ch)
{
    if (ch == HOSTILE_CH) {
        hostile_done = true;
        maybe_finish();
        return;
    }
    if (in_cancel_check || series_done || step >= N_TIMEOUTS) {
        cancel_notifications++; /* nothing should be pending now */
        return;
    }
    uint64_t t = now();
    uint64_t elapsed = t - started;
    if (elapsed < timeouts[step]) {
        early++;
    } else if (elapsed - timeouts[step] > worst_late) {
        worst_late = elapsed - timeouts[step];
    }
    step++;
    if (step < N_TIMEOUTS) {
        started = now();
        (void)set_timeout(timeouts[step]);
        return;
    }
    ddftest_check("timer-timeouts-never-early", early == 0, early);
    microkit_dbg_puts("timer client: worst lateness (ns) ");
    microkit_dbg_put32((uint32_t)worst_late);
    microkit_dbg_puts("\n");
    /* Replace then cancel: neither may fire. Wait 30 ms of real time by polling. */
    in_cancel_check = true;
    (void)set_timeout(5000000);
    (void)set_timeout(10000000);
    microkit_ppcall(TIMER_CH, microkit_msginfo_new(TIMER_CANCEL, 0));
    uint64_t until = now() + 30000000;
    while (now() < until) {
    }
    in_cancel_check = false;
    ddftest_check("timer-cancelled-and-replaced-never-fire", cancel_notifications == 0, cancel_notifications);
    series_done = true;
    maybe_finish();
}
