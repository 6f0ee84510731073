/*
 * HPET and TSC timer library (see hpet_timer.h).
 *
 * Owns: the HPET's configuration, comparator 0, and the clients' deadlines.
 * Invariants: comparator 0 holds the earliest pending deadline and its
 * interrupt is on, or nothing is pending and its interrupt is off;
 * last_ns never decreases.
 * Must never: let a client's request touch another client's deadline, or
 * arm the comparator for a time that has already passed without checking.
 */
#include "system/drivers/hpet_timer.h"

static uint64_t reg(const hpet_timer_t *t, uint32_t off) { return t->regs[off / 8]; }
static void set_reg(hpet_timer_t *t, uint32_t off, uint64_t v) { t->regs[off / 8] = v; }

/* Fixed-point conversions: multiplications only, since a PD has no 128-bit division. */
static uint64_t ticks_to_ns(const hpet_timer_t *t, uint64_t ticks)
{
    return (uint64_t)(((unsigned __int128)ticks * t->ns_per_tick_q32) >> 32);
}

static uint64_t counter_ns(const hpet_timer_t *t)
{
    return ticks_to_ns(t, reg(t, HPET_COUNTER) - t->counter_base);
}

hpet_timer_err_t hpet_timer_init(hpet_timer_t *t, volatile void *regs, hpet_tsc_fn read_tsc)
{
    if (t == NULL || regs == NULL) {
        return HPET_TIMER_EINVAL;
    }
    hpet_timer_t n = {.regs = regs, .read_tsc = read_tsc};
    uint64_t cap = reg(&n, HPET_CAP);
    n.period_fs = cap >> 32;
    if (n.period_fs == 0 || n.period_fs > HPET_MAX_PERIOD_FS || (cap & (1u << 13)) == 0) {
        return HPET_TIMER_ENODEV; /* no clock, or no 64-bit counter */
    }
    n.ns_per_tick_q32 = (n.period_fs << 32) / 1000000u;
    n.ticks_per_ns_q32 = ((1000000ull << 32) + n.period_fs - 1) / n.period_fs;
    /* Stop, zero, route timer 0 (one-shot, edge, interrupt on) through legacy replacement, start. */
    set_reg(&n, HPET_CONF, reg(&n, HPET_CONF) & ~(uint64_t)(HPET_CONF_ENABLE | HPET_CONF_LEGACY));
    set_reg(&n, HPET_COUNTER, 0);
    set_reg(&n, HPET_T0_CONF, 0); /* interrupt off until a deadline is set (arm) */
    set_reg(&n, HPET_T0_CMP, UINT64_MAX);
    set_reg(&n, HPET_CONF, reg(&n, HPET_CONF) | HPET_CONF_ENABLE | HPET_CONF_LEGACY);
    n.counter_base = 0;
    if (read_tsc != NULL) {
        /* Calibrate over about a millisecond of HPET time. */
        uint64_t c0 = reg(&n, HPET_COUNTER), tsc0 = read_tsc();
        uint64_t wait = 1000000000000ull / n.period_fs; /* 1 ms in ticks */
        uint64_t c1 = c0, tsc1 = tsc0;
        for (uint64_t spins = 0; c1 - c0 < wait && spins < 100000000u; spins++) {
            c1 = reg(&n, HPET_COUNTER);
            tsc1 = read_tsc();
        }
        uint64_t ns = ticks_to_ns(&n, c1 - c0);
        if (tsc1 > tsc0 && ns > 0 && ns < (1ull << 31)) {
            n.tsc_mult = (ns << 32) / (tsc1 - tsc0);
            n.tsc_base = tsc1;
            n.ns_base = counter_ns(&n);
        } else {
            n.read_tsc = NULL; /* no usable TSC: time from the HPET */
        }
    }
    *t = n;
    return HPET_TIMER_OK;
}

uint64_t hpet_timer_now(hpet_timer_t *t)
{
    /* Time comes from the HPET counter, the same clock the comparator counts,
     * so a deadline and the interrupt for it can never disagree. (The TSC,
     * calibrated at start, is for hpet_timer_tsc_ns(): cheap estimates.) */
    uint64_t ns = counter_ns(t);
    if (ns < t->last_ns) {
        ns = t->last_ns; /* never backwards, even if the counter were reset under us */
    }
    t->last_ns = ns;
    return ns;
}

uint64_t hpet_timer_tsc_ns(const hpet_timer_t *t, uint64_t tsc)
{
    return t->ns_base + (uint64_t)(((unsigned __int128)(tsc - t->tsc_base) * t->tsc_mult) >> 32);
}

static void comparator_irq(hpet_timer_t *t, bool on)
{
    if (t->irq_on != on) {
        uint64_t conf = reg(t, HPET_T0_CONF);
        set_reg(t, HPET_T0_CONF, on ? conf | HPET_TN_INT_ENABLE : conf & ~(uint64_t)HPET_TN_INT_ENABLE);
        t->irq_on = on;
    }
}

/* Arms comparator 0 for the earliest deadline; true if the counter has
 * already passed it (the one-shot comparator would then never fire).
 * With nothing pending the comparator's interrupt is turned off rather than
 * the comparator set to the largest value: QEMU's HPET takes a comparator
 * more than 2^63 ticks ahead for one already passed and fires at once, and
 * then every interrupt re-armed it, a storm that lasted until some client
 * set a timeout. */
static bool arm(hpet_timer_t *t)
{
    if (t->pending == 0) {
        comparator_irq(t, false);
        return false;
    }
    uint64_t earliest = UINT64_MAX;
    for (uint32_t c = 0; c < HPET_TIMER_MAX_CLIENTS; c++) {
        if ((t->pending >> c) & 1u && t->deadline[c] < earliest) {
            earliest = t->deadline[c];
        }
    }
    /* ns -> ticks, rounded up so the interrupt is never early. */
    unsigned __int128 ticks = (((unsigned __int128)earliest * t->ticks_per_ns_q32) >> 32) + 1;
    uint64_t cmp = ticks > UINT64_MAX - t->counter_base ? UINT64_MAX : (uint64_t)ticks + t->counter_base;
    set_reg(t, HPET_T0_CMP, cmp);
    comparator_irq(t, true);
    return reg(t, HPET_COUNTER) >= cmp;
}

timer_status_t hpet_timer_set_timeout(hpet_timer_t *t, uint32_t client, uint64_t relative_ns)
{
    if (client >= HPET_TIMER_MAX_CLIENTS || relative_ns > TIMER_MAX_TIMEOUT_NS) {
        return TIMER_ERR_INVALID;
    }
    t->deadline[client] = hpet_timer_now(t) + relative_ns;
    t->pending |= 1ull << client;
    (void)arm(t); /* if already passed, the caller's hpet_timer_expire() delivers it */
    return TIMER_OK;
}

timer_status_t hpet_timer_cancel(hpet_timer_t *t, uint32_t client)
{
    if (client >= HPET_TIMER_MAX_CLIENTS) {
        return TIMER_ERR_INVALID;
    }
    t->pending &= ~(1ull << client);
    (void)arm(t);
    return TIMER_OK;
}

uint64_t hpet_timer_expire(hpet_timer_t *t)
{
    uint64_t due = 0;
    /* Re-check after arming: a deadline may pass while the comparator is
     * written, and then only software notices it. */
    for (int round = 0; round < 1000; round++) {
        uint64_t now = hpet_timer_now(t);
        uint64_t newly = 0;
        for (uint32_t c = 0; c < HPET_TIMER_MAX_CLIENTS; c++) {
            if ((t->pending >> c) & 1u && t->deadline[c] <= now) {
                newly |= 1ull << c;
            }
        }
        t->pending &= ~newly;
        due |= newly;
        bool passed = arm(t);
        if (newly == 0 && !passed) {
            break;
        }
    }
    for (uint64_t d = due; d != 0; d &= d - 1) {
        t->fired++;
    }
    return due;
}

uint32_t hpet_timer_call(hpet_timer_t *t, uint32_t client, uint64_t label, uint64_t mr0,
                         uint64_t reply[TIMER_REPLY_WORDS])
{
    switch (label) {
    case TIMER_GET_TIME:
        reply[0] = hpet_timer_now(t);
        return 1;
    case TIMER_SET_TIMEOUT:
        reply[0] = hpet_timer_set_timeout(t, client, mr0);
        return 1;
    case TIMER_CANCEL:
        reply[0] = hpet_timer_cancel(t, client);
        return 1;
    case TIMER_GET_CLOCK:
        reply[0] = hpet_timer_now(t);
        /* The TSC right after the counter: the pair is what the client
         * extends, so they are read as close together as we can. */
        reply[1] = t->read_tsc != NULL ? t->read_tsc() : 0;
        reply[2] = t->read_tsc != NULL ? t->tsc_mult : 0;
        return 3;
    default:
        reply[0] = TIMER_ERR_INVALID;
        return 0;
    }
}
