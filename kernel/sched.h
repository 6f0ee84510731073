/*
 * The scheduler: fixed priorities 0..254, round robin within a priority,
 * and Microkit's budget/period per scheduling context, enforced with the
 * LAPIC timer. Time is the TSC.
 */
#ifndef SUBSTRATE_KERNEL_SCHED_H
#define SUBSTRATE_KERNEL_SCHED_H

#include "kernel/pd.h"

void sched_init_context(sched_context_t *sc, uint64_t budget_us, uint64_t period_us);
/* Marks a PD runnable and queues it (unless its context is out of budget). */
void sched_make_ready(pd_t *pd);
/* Removes a PD from the ready queue if it is there. */
void sched_dequeue(pd_t *pd);
/* Charges the running PD's context for the time since it was dispatched. */
void sched_account(void);
/* Refills contexts whose period has come round; called on the timer. */
void sched_refill(void);
/*
 * The IPC fast path's scheduler checks: true when the running PD's time
 * slice and budget are intact and no ready PD has a priority above
 * `min_priority`, so the PD the fast path picks is the one to run.
 */
bool sched_fast_switch_ok(const pd_t *cur, uint8_t min_priority);
/* Dispatches `next` directly; `same_context` when it runs on the same scheduling context. */
void sched_fast_switch(pd_t *next, bool same_context);
/* Chooses the PD to run next and dispatches it; idles until there is one. */
void sched_schedule(void);

/* Idle accounting (see sched.c): TSC cycles halted, TSC at the last wake-up,
 * and address-space switches (CR3 loads, counted in pd.c). */
typedef struct {
    volatile uint64_t idle, stamp, switches;
} sched_idle_acct_t;
extern sched_idle_acct_t sched_idle_acct;

#endif
