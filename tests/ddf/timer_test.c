/*
 * The timer library against a simulated HPET (a register block whose counter
 * the test advances) and a simulated TSC that runs at a different rate and
 * jitters: time is in ns, never goes backwards, timeouts are never early,
 * the comparator always holds the earliest deadline, and clients cannot
 * touch each other's timeouts.
 */
#include <string.h>

#include "system/drivers/hpet_timer.h"
#include "tests/ddf/ddf_test.h"

static uint64_t regs[0x400 / 8];
static uint64_t tsc;
static uint64_t sim_tsc(void)
{
    /* 3 TSC ticks per 10 ns HPET tick, advanced with the counter by the test. */
    return tsc;
}

static void advance_ns(uint64_t ns)
{
    regs[HPET_COUNTER / 8] += ns / 10;
    tsc += ns * 3 / 10;
}

static void setup(hpet_timer_t *t, bool use_tsc)
{
    memset(regs, 0, sizeof(regs));
    regs[HPET_CAP / 8] = (10000000ull << 32) | (1u << 13); /* 10 ns ticks, 64-bit counter */
    tsc = 12345;
    /* Calibration spins reading the counter: let it move on each read by making it already far. */
    CHECK(hpet_timer_init(t, regs, NULL) == HPET_TIMER_OK);
    CHECK((regs[HPET_CONF / 8] & 3) == 3 && (regs[HPET_T0_CONF / 8] & HPET_TN_INT_ENABLE));
    if (use_tsc) {
        /* Calibrate by hand, as init would over a real millisecond. */
        t->read_tsc = sim_tsc;
        t->tsc_mult = (10ull << 32) / 3;
        t->tsc_base = tsc;
        t->ns_base = 0;
    }
}

static void timer_time_in_ns_and_monotonic(void)
{
    hpet_timer_t t;
    setup(&t, false);
    CHECK(hpet_timer_now(&t) == 0);
    advance_ns(1000000);
    CHECK(hpet_timer_now(&t) == 1000000);
    setup(&t, true);
    advance_ns(3000000);
    uint64_t a = hpet_timer_now(&t);
    CHECK(a == 3000000);
    uint64_t est = hpet_timer_tsc_ns(&t, tsc);
    CHECK(est >= 2999990 && est <= 3000010); /* the TSC estimate agrees with the HPET */
    regs[HPET_COUNTER / 8] -= 100; /* a counter that stumbles backwards: time does not */
    CHECK(hpet_timer_now(&t) >= a);
    uint64_t last = 0;
    for (int i = 0; i < 10000; i++) {
        advance_ns((uint64_t)(i % 7) * 13);
        if (i % 5 == 0) {
            tsc -= 2;
        }
        uint64_t now = hpet_timer_now(&t);
        CHECK(now >= last);
        last = now;
    }
}

static void timer_rejects_bad_hpet(void)
{
    hpet_timer_t t;
    memset(regs, 0, sizeof(regs));
    CHECK(hpet_timer_init(&t, regs, NULL) == HPET_TIMER_ENODEV);
    regs[HPET_CAP / 8] = (200000000ull << 32) | (1u << 13); /* period beyond the limit */
    CHECK(hpet_timer_init(&t, regs, NULL) == HPET_TIMER_ENODEV);
    regs[HPET_CAP / 8] = 10000000ull << 32; /* 32-bit counter only */
    CHECK(hpet_timer_init(&t, regs, NULL) == HPET_TIMER_ENODEV);
}

static void timer_timeouts_fire_in_order_never_early(void)
{
    hpet_timer_t t;
    setup(&t, false);
    CHECK(hpet_timer_set_timeout(&t, 3, 5000000) == TIMER_OK);
    CHECK(hpet_timer_set_timeout(&t, 7, 1000000) == TIMER_OK);
    CHECK(hpet_timer_set_timeout(&t, 9, 3000000) == TIMER_OK);
    CHECK(regs[HPET_T0_CMP / 8] >= 100000 && regs[HPET_T0_CMP / 8] <= 100002); /* the earliest: 1 ms = 100000 ticks */
    advance_ns(999990);
    CHECK(hpet_timer_expire(&t) == 0);
    advance_ns(10);
    CHECK(hpet_timer_expire(&t) == 1ull << 7);
    CHECK(regs[HPET_T0_CMP / 8] >= 300000 && regs[HPET_T0_CMP / 8] <= 300002);
    advance_ns(10000000);
    CHECK(hpet_timer_expire(&t) == ((1ull << 3) | (1ull << 9)));
    CHECK(regs[HPET_T0_CMP / 8] == UINT64_MAX && t.fired == 3);
    /* A zero timeout is due at once. */
    CHECK(hpet_timer_set_timeout(&t, 1, 0) == TIMER_OK);
    CHECK(hpet_timer_expire(&t) == 1ull << 1);
}

static void timer_clients_cannot_touch_each_other(void)
{
    hpet_timer_t t;
    setup(&t, false);
    uint64_t reply = 0;
    CHECK(hpet_timer_call(&t, 2, TIMER_SET_TIMEOUT, 2000000, &reply) && reply == TIMER_OK);
    CHECK(hpet_timer_call(&t, 4, TIMER_SET_TIMEOUT, 1000000, &reply) && reply == TIMER_OK);
    /* Client 4 cancels and re-sets; client 2's deadline stands. */
    CHECK(hpet_timer_call(&t, 4, TIMER_CANCEL, 0, &reply) && reply == TIMER_OK);
    CHECK(hpet_timer_call(&t, 4, TIMER_SET_TIMEOUT, TIMER_MAX_TIMEOUT_NS + 1, &reply) && reply == TIMER_ERR_INVALID);
    CHECK(!hpet_timer_call(&t, 4, 99, 0, &reply) && reply == TIMER_ERR_INVALID);
    CHECK(hpet_timer_set_timeout(&t, HPET_TIMER_MAX_CLIENTS, 1) == TIMER_ERR_INVALID);
    advance_ns(2000000);
    CHECK(hpet_timer_expire(&t) == 1ull << 2);
    CHECK(hpet_timer_call(&t, 4, TIMER_GET_TIME, 0, &reply) && reply == 2000000);
}

int main(void)
{
    RUN("timer/time-in-ns-and-monotonic", timer_time_in_ns_and_monotonic);
    RUN("timer/rejects-bad-hpet", timer_rejects_bad_hpet);
    RUN("timer/timeouts-fire-in-order-never-early", timer_timeouts_fire_in_order_never_early);
    RUN("timer/clients-cannot-touch-each-other", timer_clients_cannot_touch_each_other);
    return ddf_test_failures ? 1 : 0;
}
