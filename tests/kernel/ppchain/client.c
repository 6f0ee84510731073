/*
 * ppchain test, client (priority 100): calls the passive middle server
 * PPCHAIN_CALLS times with two words; middle asks the passive top server
 * for part of the answer, so every reply is right only if both nested calls
 * and both replies went where they belong. Also checks that the client's
 * own message registers come back as the reply and not as anything the
 * servers exchanged between themselves.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define PPCHAIN_CALLS 2000
#define MIDDLE_CH 1

void init(void)
{
    uint64_t bad = 0, bad_label = 0;
    for (uint64_t n = 1; n <= PPCHAIN_CALLS; n++) {
        microkit_mr_set(0, n);
        microkit_mr_set(1, n * 7);
        microkit_msginfo reply = microkit_ppcall(MIDDLE_CH, microkit_msginfo_new(n, 2));
        /* middle answers (a + b) + top's (a * b), in one word, label n + 2. */
        if (microkit_msginfo_get_label(reply) != n + 2 || microkit_msginfo_get_count(reply) != 1)
            bad_label++;
        if (microkit_mr_get(0) != (n + n * 7) + n * (n * 7))
            bad++;
    }
    ktest_check_eq("nested-call-labels-right", bad_label, 0);
    ktest_check_eq("nested-call-results-right", bad, 0);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
