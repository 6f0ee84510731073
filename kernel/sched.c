/*
 * Fixed-priority preemptive scheduling with budgets.
 *
 * Invariants:
 *   - the running PD (pd_current) is never in a ready queue;
 *   - a PD is in a ready queue iff it is PD_READY, has a scheduling context,
 *     and that context is not throttled;
 *   - a throttled context's holder is re-queued when the context is refilled.
 * A context whose budget equals its period is a round-robin time slice: when
 * it runs out the PD goes to the back of its priority and starts a new slice.
 * Otherwise it is a periodic server: at most `budget` per `period`.
 *
 * The timer is one-shot, armed at every dispatch for the earliest of the
 * running context's budget end and the next refill of a throttled context.
 */
#include "kernel/sched.h"

#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/console.h"

#define PRIORITIES 256

static pd_t *ready_head[PRIORITIES], *ready_tail[PRIORITIES];
static uint64_t ready_bitmap[PRIORITIES / 64];
static uint64_t dispatch_time;
static bool slice_expired;
static uint32_t throttled_count; /* contexts waiting for a refill */
static bool timer_armed;

/* Idle accounting, read from guest memory by the network benchmark
 * (bench/net/netbench.py; nothing in the kernel reads it): TSC cycles spent
 * halted with nothing to run, and the TSC at the latest wake-up. Busy cycles
 * between two readings are the change of `stamp` minus the change of `idle`.
 * pd.c counts address-space switches in `switches`. */
sched_idle_acct_t sched_idle_acct;

void sched_init_context(sched_context_t *sc, uint64_t budget_us, uint64_t period_us)
{
    if (budget_us == 0)
        budget_us = 1000;
    if (period_us < budget_us)
        period_us = budget_us;
    sc->budget = budget_us * apic_tsc_per_us;
    sc->period = period_us * apic_tsc_per_us;
    sc->remaining = (int64_t)sc->budget;
    sc->period_start = cpu_rdtsc();
    sc->throttled = false;
    sc->round_robin = budget_us == period_us;
}

static int highest_ready(void)
{
    for (int w = PRIORITIES / 64 - 1; w >= 0; w--)
        if (ready_bitmap[w])
            return w * 64 + 63 - __builtin_clzll(ready_bitmap[w]);
    return -1;
}

static void enqueue(pd_t *pd, bool front)
{
    uint8_t p = pd->priority;
    if (pd->queued || pd == pd_current)
        return;
    pd->queued = true;
    if (front) {
        pd->prev = 0;
        pd->next = ready_head[p];
        if (ready_head[p])
            ready_head[p]->prev = pd;
        else
            ready_tail[p] = pd;
        ready_head[p] = pd;
    } else {
        pd->next = 0;
        pd->prev = ready_tail[p];
        if (ready_tail[p])
            ready_tail[p]->next = pd;
        else
            ready_head[p] = pd;
        ready_tail[p] = pd;
    }
    ready_bitmap[p / 64] |= 1ull << (p % 64);
}

void sched_dequeue(pd_t *pd)
{
    uint8_t p = pd->priority;
    if (!pd->queued)
        return;
    if (pd->prev)
        pd->prev->next = pd->next;
    else
        ready_head[p] = pd->next;
    if (pd->next)
        pd->next->prev = pd->prev;
    else
        ready_tail[p] = pd->prev;
    pd->next = pd->prev = 0;
    pd->queued = false;
    if (!ready_head[p])
        ready_bitmap[p / 64] &= ~(1ull << (p % 64));
}

static bool can_run(const pd_t *pd)
{
    return pd->state == PD_READY && pd->sc && !pd->sc->throttled;
}

void sched_make_ready(pd_t *pd)
{
    pd->state = PD_READY;
    if (pd->sc)
        pd->sc->holder = pd;
    if (can_run(pd))
        enqueue(pd, false);
}

void sched_account(void)
{
    pd_t *cur = pd_current;
    uint64_t now = cpu_rdtsc();
    if (!cur || !cur->sc) {
        dispatch_time = now;
        return;
    }
    sched_context_t *sc = cur->sc;
    sc->remaining -= (int64_t)(now - dispatch_time);
    dispatch_time = now;
    if (!sc->round_robin && now - sc->period_start >= sc->period && sc->remaining > 0) {
        /* A new period began while it still had budget: start it afresh. */
        sc->period_start = now;
        sc->remaining = (int64_t)sc->budget;
    }
    if (sc->remaining > 0)
        return;
    if (sc->round_robin) {
        sc->remaining = (int64_t)sc->budget;
        slice_expired = true;
    } else {
        sc->throttled = true;
        throttled_count++;
    }
}

void sched_refill(void)
{
    uint64_t now = cpu_rdtsc();
    for (uint32_t i = 0; i < pd_count; i++) {
        sched_context_t *sc = &pd_table[i].own_sc;
        if (!sc->throttled || now - sc->period_start < sc->period)
            continue;
        /* A late timer lets a PD overrun; the overrun is paid from the next budget. */
        sc->period_start = now;
        sc->remaining += (int64_t)sc->budget;
        if (sc->remaining > (int64_t)sc->budget)
            sc->remaining = (int64_t)sc->budget;
        if (sc->remaining <= 0)
            continue;
        sc->throttled = false;
        throttled_count--;
        /* Every PD running on this context (its owner, or a passive PD on loan) may run again. */
        for (uint32_t j = 0; j < pd_count; j++)
            if (pd_table[j].sc == sc && can_run(&pd_table[j]))
                enqueue(&pd_table[j], false);
    }
}

/*
 * When the timer must next interrupt: the end of the running context's
 * budget, unless it is a round-robin slice with nobody else at its priority
 * to take turns with (then only a refill, if any, needs the timer). Leaving
 * the timer alone on the IPC paths keeps them short.
 */
static uint64_t next_deadline(const pd_t *next)
{
    uint64_t deadline = UINT64_MAX;
    if (next && next->sc && (!next->sc->round_robin || ready_head[next->priority]))
        deadline = dispatch_time + (uint64_t)(next->sc->remaining > 0 ? next->sc->remaining : 1);
    if (!throttled_count)
        return deadline;
    for (uint32_t i = 0; i < pd_count; i++) {
        const sched_context_t *sc = &pd_table[i].own_sc;
        if (sc->throttled && sc->period_start + sc->period < deadline)
            deadline = sc->period_start + sc->period;
    }
    return deadline;
}

/* The running PD keeps the CPU unless a strictly higher priority is ready,
 * or its slice ran out and an equal priority is ready. */
static pd_t *pick(void)
{
    pd_t *cur = pd_current;
    int top = highest_ready();
    bool expired = slice_expired;
    slice_expired = false;
    if (cur && can_run(cur)) {
        if (expired ? top < (int)cur->priority : top <= (int)cur->priority)
            return cur;
        pd_current = 0;
        enqueue(cur, !expired); /* preempted: front; slice over: back */
    }
    top = highest_ready();
    if (top < 0)
        return 0;
    pd_t *next = ready_head[top];
    sched_dequeue(next);
    return next;
}

bool sched_fast_switch_ok(const pd_t *cur, uint8_t min_priority)
{
    return !slice_expired && cur->sc && !cur->sc->throttled && highest_ready() < (int)min_priority + 1;
}

void sched_fast_switch(pd_t *next, bool same_context)
{
    pd_switch_to(next);
    if (same_context)
        return; /* the running context, and so the deadline, did not change */
    uint64_t deadline = next_deadline(next);
    if (deadline != UINT64_MAX) {
        apic_timer_arm(deadline);
        timer_armed = true;
    } else if (timer_armed) {
        apic_timer_disarm();
        timer_armed = false;
    }
}

void sched_schedule(void)
{
    for (;;) {
        pd_t *next = pick();
        if (next) {
            if (next != pd_current)
                pd_switch_to(next);
            dispatch_time = cpu_rdtsc();
            uint64_t deadline = next_deadline(next);
            if (deadline != UINT64_MAX) {
                apic_timer_arm(deadline);
                timer_armed = true;
            } else if (timer_armed) {
                apic_timer_disarm();
                timer_armed = false;
            }
            return;
        }
        /* Nothing runnable: wait for an interrupt with no PD current. */
        pd_current = 0;
        uint64_t deadline = next_deadline(0);
        if (deadline != UINT64_MAX) {
            apic_timer_arm(deadline);
            timer_armed = true;
        }
        uint64_t halt_start = cpu_rdtsc();
        __asm__ volatile("sti; hlt; cli" ::: "memory");
        uint64_t woke = cpu_rdtsc();
        sched_idle_acct.idle += woke - halt_start;
        sched_idle_acct.stamp = woke;
        sched_refill();
    }
}
