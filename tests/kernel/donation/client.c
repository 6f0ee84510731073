/*
 * donation test, client (priority 150, 1 ms every 10 ms).
 *
 * Calls the passive server, which spins far longer than the client's budget.
 * The server runs on the client's scheduling context, so when that budget is
 * spent the server must stop until the next period, and the priority-100 low
 * PD runs meanwhile: its counter moves while the server works. Were the
 * server running on time of its own, or on an unlimited one, the low PD would
 * not run at all until the call was over.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define SERVER_CH 1
#define CALLS 3

void init(void)
{
    uint64_t starved = 0;
    ktest_puts("donation: client calls\n");
    for (int i = 0; i < CALLS; i++) {
        (void)microkit_ppcall(SERVER_CH, microkit_msginfo_new(1, 0));
        uint64_t before = microkit_mr_get(0), after = microkit_mr_get(1);
        ktest_figure("low-count-during-call", after - before);
        if (after == before)
            starved++;
    }
    ktest_check_eq("server-throttled-on-callers-budget", starved, 0);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
