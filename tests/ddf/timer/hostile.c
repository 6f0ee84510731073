/*
 * timer hostile client: unknown labels, an absurd timeout, a flood of
 * set/cancel calls. It gets errors where due and cannot disturb the other
 * client's timeouts (whose checks would fail).
 */
#include <microkit.h>

#include "ddf/timer.h"
#include "tests/ddf/ddftest.h"

#define TIMER_CH 0
#define GOOD_CH 1

static bool done;

void init(void)
{
    microkit_mr_set(0, 0);
    microkit_ppcall(TIMER_CH, microkit_msginfo_new(77, 1));
    ddftest_check("timer-hostile-unknown-label-refused", microkit_mr_get(0) == TIMER_ERR_INVALID, microkit_mr_get(0));
    microkit_mr_set(0, ~0ull);
    microkit_ppcall(TIMER_CH, microkit_msginfo_new(TIMER_SET_TIMEOUT, 1));
    ddftest_check("timer-hostile-absurd-timeout-refused", microkit_mr_get(0) == TIMER_ERR_INVALID, microkit_mr_get(0));
    for (int i = 0; i < 2000; i++) {
        microkit_mr_set(0, (uint64_t)(i % 13) * 1000);
        microkit_ppcall(TIMER_CH, microkit_msginfo_new(i % 3 == 2 ? TIMER_CANCEL : TIMER_SET_TIMEOUT, 1));
    }
    microkit_mr_set(0, 3000000);
    microkit_ppcall(TIMER_CH, microkit_msginfo_new(TIMER_SET_TIMEOUT, 1));
}

void notified(microkit_channel ch)
{
    if (ch == TIMER_CH && !done) {
        done = true;
        ddftest_check("timer-hostile-gets-its-own-timeout", true, 0);
        microkit_notify(GOOD_CH);
    }
}
