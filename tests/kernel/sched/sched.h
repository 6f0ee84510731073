/*
 * The page the sched test's PDs share, and the round-robin spinner both
 * same-priority PDs run. Each field has one writer, named beside it.
 */
#ifndef SUBSTRATE_TESTS_KERNEL_SCHED_H
#define SUBSTRATE_TESTS_KERNEL_SCHED_H

#include <stdint.h>

#define SCHED_HIGH_SPIN_TSC 300000000ull /* how long `high` keeps the CPU */
#define SCHED_TURNS 20                   /* turns each round-robin PD must see the other take */
#define SCHED_CHECK_EVERY 1024           /* spinner iterations between looks at the other */

typedef struct {
    volatile uint64_t low_ran;          /* rr_a, rr_b: set when either starts */
    volatile uint64_t high_done;        /* high: set when it stops spinning */
    volatile uint64_t low_seen_by_high; /* high: times it saw low_ran set while spinning */
    volatile uint64_t started_early;    /* rr_a, rr_b: started before high was done */
    volatile uint64_t count[2];         /* rr_a, rr_b: iterations */
    volatile uint64_t turns_seen[2];    /* rr_a, rr_b: times the other had moved on */
} sched_state_t;

/* The spinner of round-robin PD `self` (0 or 1); returns when both saw enough turns. */
static inline void sched_round_robin(sched_state_t *s, unsigned self)
{
    if (!s->high_done)
        s->started_early = s->started_early + 1;
    s->low_ran = 1;
    unsigned other = 1 - self;
    uint64_t last_other = s->count[other];
    for (uint64_t n = 1;; n++) {
        s->count[self] = n;
        if (n % SCHED_CHECK_EVERY)
            continue;
        uint64_t now = s->count[other];
        if (now != last_other) {
            s->turns_seen[self] = s->turns_seen[self] + 1;
            last_other = now;
        }
        if (s->turns_seen[self] >= SCHED_TURNS && s->turns_seen[other] >= SCHED_TURNS)
            return;
    }
}

#endif
