/*
 * sched test, reporter (priority 200): once rr_a says both round-robin PDs
 * took turns, checks what the shared page recorded:
 *   - while `high` (150) spun, neither PD of priority 100 ran;
 *   - rr_a and rr_b each saw the other take SCHED_TURNS turns, so the
 *     scheduler alternated between them instead of running one to the end
 *     (reaching this point at all already shows neither was starved);
 *   - their iteration counts are within a factor of three of each other.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/sched/sched.h"

uintptr_t state;

void init(void)
{
    ktest_puts("sched: reporter waits\n");
}

void notified(microkit_channel ch)
{
    const sched_state_t *s = (const sched_state_t *)state;
    if (ch != 1)
        return;
    uint64_t a = s->count[0], b = s->count[1];
    ktest_check_eq("high-priority-ran-first-to-the-end", s->high_done, 1);
    ktest_check_eq("no-lower-priority-pd-ran-meanwhile", s->low_seen_by_high + s->started_early, 0);
    ktest_check("same-priority-pds-took-turns", s->turns_seen[0] >= SCHED_TURNS && s->turns_seen[1] >= SCHED_TURNS,
                "turns seen by rr_b", s->turns_seen[1]);
    ktest_check("same-priority-share-is-fair", a < 3 * b && b < 3 * a, "iterations of rr_a", a);
    ktest_figure("rr-a-iterations", a);
    ktest_figure("rr-b-iterations", b);
    ktest_end();
}
