/*
 * The timer library against a simulated HPET (a register block whose counter
 * the test advances) and a simulated TSC that runs at a different rate and
 * jitters: time is in ns, never goes backwards, timeouts are never early,
 * the comparator always holds the earliest deadline, and clients cannot
 * touch each other's timeouts.
 */
#include <string.h>

#include "ddf/timer_clock.h"
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
    CHECK((regs[HPET_CONF / 8] & 3) == 3 && !(regs[HPET_T0_CONF / 8] & HPET_TN_INT_ENABLE)); /* nothing pending */
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
    CHECK(regs[HPET_T0_CONF / 8] & HPET_TN_INT_ENABLE);
    advance_ns(999990);
    CHECK(hpet_timer_expire(&t) == 0);
    advance_ns(10);
    CHECK(hpet_timer_expire(&t) == 1ull << 7);
    CHECK(regs[HPET_T0_CMP / 8] >= 300000 && regs[HPET_T0_CMP / 8] <= 300002);
    advance_ns(10000000);
    CHECK(hpet_timer_expire(&t) == ((1ull << 3) | (1ull << 9)));
    /* Nothing pending: the interrupt is off (not a comparator "far" ahead,
     * which QEMU's HPET fires at once). */
    CHECK(!(regs[HPET_T0_CONF / 8] & HPET_TN_INT_ENABLE) && t.fired == 3);
    /* A zero timeout is due at once. */
    CHECK(hpet_timer_set_timeout(&t, 1, 0) == TIMER_OK);
    CHECK(hpet_timer_expire(&t) == 1ull << 1);
}

static void timer_clients_cannot_touch_each_other(void)
{
    hpet_timer_t t;
    setup(&t, false);
    uint64_t reply[TIMER_REPLY_WORDS] = {0};
    CHECK(hpet_timer_call(&t, 2, TIMER_SET_TIMEOUT, 2000000, reply) == 1 && reply[0] == TIMER_OK);
    CHECK(hpet_timer_call(&t, 4, TIMER_SET_TIMEOUT, 1000000, reply) == 1 && reply[0] == TIMER_OK);
    /* Client 4 cancels and re-sets; client 2's deadline stands. */
    CHECK(hpet_timer_call(&t, 4, TIMER_CANCEL, 0, reply) == 1 && reply[0] == TIMER_OK);
    CHECK(hpet_timer_call(&t, 4, TIMER_SET_TIMEOUT, TIMER_MAX_TIMEOUT_NS + 1, reply) == 1 &&
          reply[0] == TIMER_ERR_INVALID);
    CHECK(hpet_timer_call(&t, 4, 99, 0, reply) == 0 && reply[0] == TIMER_ERR_INVALID);
    CHECK(hpet_timer_set_timeout(&t, HPET_TIMER_MAX_CLIENTS, 1) == TIMER_ERR_INVALID);
    advance_ns(2000000);
    CHECK(hpet_timer_expire(&t) == 1ull << 2);
    CHECK(hpet_timer_call(&t, 4, TIMER_GET_TIME, 0, reply) == 1 && reply[0] == 2000000);
}

/* Anchors `c` with a TIMER_GET_CLOCK call to the driver, as a client does. */
static uint64_t anchor(hpet_timer_t *t, timer_clock_t *c)
{
    uint64_t reply[TIMER_REPLY_WORDS] = {0};
    CHECK(hpet_timer_call(t, 1, TIMER_GET_CLOCK, 0, reply) == 3);
    CHECK(reply[1] == (t->read_tsc != NULL ? tsc : 0));
    return timer_clock_anchor(c, reply[0], reply[1], reply[2]);
}

/* The client's clock (ddf/timer_clock.h) against the driver's time: within
 * the span it agrees to the calibration's error, it asks to be anchored again
 * after the span, after forget(), and when the TSC reads earlier than its
 * anchor, and it never goes backwards, across anchors too. */
static void timer_client_clock_follows_driver(void)
{
    hpet_timer_t t;
    setup(&t, true);
    timer_clock_t c = {0};
    CHECK(!timer_clock_valid(&c, tsc)); /* not anchored yet */
    advance_ns(7000000);
    CHECK(anchor(&t, &c) == 7000000);
    uint64_t last = 7000000;
    for (uint64_t step = 10; step < TIMER_CLOCK_MAX_SPAN_NS; step = step * 3 + 20) { /* whole HPET ticks */
        advance_ns(step);
        uint64_t now = hpet_timer_now(&t);
        CHECK(timer_clock_valid(&c, tsc));
        uint64_t est = timer_clock_at(&c, tsc);
        CHECK(est + 10 >= now && est <= now + 10 && est >= last);
        last = est;
        /* Anchor afresh now and then: same answer, never backwards. */
        if (step % 20 == 0) {
            CHECK(anchor(&t, &c) >= last);
        }
    }
    CHECK(anchor(&t, &c) >= last);
    advance_ns(TIMER_CLOCK_MAX_SPAN_NS + 1000);
    CHECK(!timer_clock_valid(&c, tsc)); /* too old */
    CHECK(anchor(&t, &c) == hpet_timer_now(&t));
    CHECK(timer_clock_valid(&c, tsc) && !timer_clock_valid(&c, tsc - 1)); /* a TSC before its anchor */
    timer_clock_forget(&c);
    CHECK(!timer_clock_valid(&c, tsc));

    /* A TSC that runs 0.1 % fast against its calibration: the estimate runs
     * ahead by at most 0.1 % of the span; an anchor with the driver's
     * (earlier) time does not take the clock back. */
    t.tsc_mult += t.tsc_mult / 1000;
    uint64_t start = anchor(&t, &c);
    advance_ns(TIMER_CLOCK_MAX_SPAN_NS / 100 * 99); /* the span by its own (fast) count */
    CHECK(timer_clock_valid(&c, tsc));
    uint64_t ahead = timer_clock_at(&c, tsc);
    uint64_t now = hpet_timer_now(&t);
    CHECK(ahead > now && ahead - now <= (now - start) / 1000 + 10);
    CHECK(anchor(&t, &c) == ahead);
    advance_ns(1);
    CHECK(timer_clock_at(&c, tsc) == ahead);

    /* A driver without a TSC answers a zero rate: the client keeps calling,
     * and the plain times it takes never go backwards either. */
    setup(&t, false);
    timer_clock_t plain = {0};
    advance_ns(5000);
    CHECK(anchor(&t, &plain) == 5000 && !timer_clock_valid(&plain, tsc));
    CHECK(timer_clock_plain(&plain, 4000) == 5000 && timer_clock_plain(&plain, 6000) == 6000);
}

/* timer_clock_now over a counting call to the driver library: one
 * TIMER_GET_CLOCK, then none until the span is used up; a timer that answers
 * TIMER_GET_CLOCK with nothing is asked for TIMER_GET_TIME from then on,
 * and never for the clock again. */
static unsigned clock_calls, time_calls;
static bool answer_clock = true;
static uint32_t counting_call(void *ctx, uint64_t label, uint64_t reply[TIMER_REPLY_WORDS])
{
    clock_calls += label == TIMER_GET_CLOCK;
    time_calls += label == TIMER_GET_TIME;
    if (label == TIMER_GET_CLOCK && !answer_clock) {
        reply[0] = TIMER_ERR_INVALID;
        return 1; /* as a timer that does not know the label answers */
    }
    return hpet_timer_call(ctx, 1, label, 0, reply);
}

static void timer_client_clock_calls_only_when_needed(void)
{
    hpet_timer_t t;
    setup(&t, true);
    timer_clock_t c = {0};
    clock_calls = time_calls = 0;
    answer_clock = true;
    advance_ns(1000);
    CHECK(timer_clock_now(&c, tsc, counting_call, &t) == 1000 && clock_calls == 1);
    for (int i = 0; i < 100; i++) {
        advance_ns(TIMER_CLOCK_MAX_SPAN_NS / 200);
        uint64_t est = timer_clock_now(&c, tsc, counting_call, &t), now = hpet_timer_now(&t);
        CHECK(est + 10 >= now && est <= now + 10);
    }
    CHECK(clock_calls == 1 && time_calls == 0); /* half the span: no call */
    advance_ns(TIMER_CLOCK_MAX_SPAN_NS);
    CHECK(timer_clock_now(&c, tsc, counting_call, &t) == hpet_timer_now(&t) && clock_calls == 2); /* anchored */

    timer_clock_t p = {0};
    clock_calls = time_calls = 0;
    answer_clock = false;
    uint64_t last = 0;
    for (int i = 0; i < 10; i++) {
        advance_ns(10);
        uint64_t now = timer_clock_now(&p, tsc, counting_call, &t);
        CHECK(now == hpet_timer_now(&t) && now > last);
        last = now;
    }
    CHECK(clock_calls == 1 && time_calls == 10 && p.plain_only);
    answer_clock = true;
}

int main(void)
{
    RUN("timer/time-in-ns-and-monotonic", timer_time_in_ns_and_monotonic);
    RUN("timer/rejects-bad-hpet", timer_rejects_bad_hpet);
    RUN("timer/timeouts-fire-in-order-never-early", timer_timeouts_fire_in_order_never_early);
    RUN("timer/clients-cannot-touch-each-other", timer_clients_cannot_touch_each_other);
    RUN("timer/client-clock-follows-driver", timer_client_clock_follows_driver);
    RUN("timer/client-clock-calls-only-when-needed", timer_client_clock_calls_only_when_needed);
    return ddf_test_failures ? 1 : 0;
}
