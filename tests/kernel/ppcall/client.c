/*
 * ppcall test, client (priority 100).
 *
 * Makes PPCALL_CALLS protected calls to the passive server (priority 200),
 * each carrying 64 words derived from the call number, and checks every word
 * of every reply, the reply's label and its length. Then it asks the server
 * what it saw: the number of calls, the channel they came in on, any
 * request word that arrived wrong, and the one notification it was sent.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/ppcall/ppcall.h"

void init(void)
{
    uint64_t bad_words = 0, bad_labels = 0, bad_counts = 0;
    uint64_t t0 = ktest_rdtsc();
    for (uint64_t n = 1; n <= PPCALL_CALLS; n++) {
        for (unsigned i = 0; i < PPCALL_WORDS; i++)
            microkit_mr_set((uint8_t)i, ppcall_request_word(n, i));
        microkit_msginfo reply = microkit_ppcall(PPCALL_CLIENT_CH, microkit_msginfo_new(n, PPCALL_WORDS));
        if (microkit_msginfo_get_label(reply) != n + 1)
            bad_labels++;
        if (microkit_msginfo_get_count(reply) != PPCALL_WORDS)
            bad_counts++;
        for (unsigned i = 0; i < PPCALL_WORDS; i++)
            if (microkit_mr_get((uint8_t)i) != ppcall_reply_word(ppcall_request_word(n, i), i))
                bad_words++;
    }
    uint64_t t1 = ktest_rdtsc();
    ktest_check_eq("reply-labels-right", bad_labels, 0);
    ktest_check_eq("reply-lengths-64", bad_counts, 0);
    ktest_check_eq("reply-words-right", bad_words, 0);
    ktest_figure("ppcall-64-word-round-trip-cycles", (t1 - t0) / PPCALL_CALLS);

    /*
     * A passive PD runs on a notification too, on the scheduling context
     * Microkit binds to its notification; being of higher priority, the
     * server runs before microkit_notify returns.
     */
    microkit_notify(PPCALL_CLIENT_CH);

    /* An empty call still reaches the server and gets its answer. */
    microkit_msginfo reply = microkit_ppcall(PPCALL_CLIENT_CH, microkit_msginfo_new(PPCALL_LABEL_REPORT, 0));
    ktest_check_eq("report-reply-length", microkit_msginfo_get_count(reply), 5);
    ktest_check_eq("server-saw-every-call", microkit_mr_get(0), PPCALL_CALLS);
    ktest_check_eq("server-saw-right-words", microkit_mr_get(1), 0);
    ktest_check_eq("server-saw-right-channel", microkit_mr_get(2), 0);
    ktest_check_eq("server-init-ran-once", microkit_mr_get(3), 1);
    ktest_check_eq("passive-server-runs-on-notification", microkit_mr_get(4), 1);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
    ktest_check("no-notification", false, "client notified on channel", ch);
}
