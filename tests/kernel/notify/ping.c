/*
 * notify test, ping (priority 100).
 *
 * Exchanges NOTIFY_ROUNDS notifications with pong (priority 110) and checks:
 *   - every notification arrives, on the right channel, both ways;
 *   - notifying the higher-priority pong runs it before microkit_notify
 *     returns (pong saw the marker written just before the call);
 *   - pong's notifications to the lower-priority ping do not preempt pong
 *     (pong's handler had finished when ping ran);
 *   - three notifications pong sends on one channel while ping cannot run
 *     arrive as one notified() call, and one on a second channel as another.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/notify/notify.h"

uintptr_t ctl;

static uint64_t rounds;
static uint64_t not_at_once;     /* rounds where pong had not run when notify returned */
static uint64_t pong_unfinished; /* deliveries that overtook pong's handler */
static uint64_t wrong_ch;
static uint64_t burst_main, burst_second;

static notify_ctl_t *shared(void)
{
    return (notify_ctl_t *)ctl;
}

static void send_round(void)
{
    notify_ctl_t *c = shared();
    c->ping_marker = rounds + 1;
    c->pong_finished = 0;
    microkit_notify(NOTIFY_CH_MAIN);
    if (c->pong_seen != rounds + 1)
        not_at_once++;
}

void init(void)
{
    shared()->phase = PHASE_ROUNDS;
    ktest_puts("notify: ping starts\n");
    send_round();
}

static void finish(void)
{
    notify_ctl_t *c = shared();
    ktest_check_eq("burst-coalesces-to-one", burst_main, 1);
    ktest_check_eq("second-channel-delivered-once", burst_second, 1);
    ktest_check_eq("no-unexpected-channel", wrong_ch + c->pong_wrong_ch, 0);
    ktest_end();
}

void notified(microkit_channel ch)
{
    notify_ctl_t *c = shared();
    switch (c->phase) {
    case PHASE_ROUNDS:
        if (ch != NOTIFY_CH_MAIN) {
            wrong_ch++;
            return;
        }
        if (!c->pong_finished)
            pong_unfinished++;
        rounds++;
        if (rounds < NOTIFY_ROUNDS) {
            send_round();
            return;
        }
        ktest_check_eq("ping-received-all", rounds, NOTIFY_ROUNDS);
        ktest_check_eq("pong-received-all", c->pong_count, NOTIFY_ROUNDS);
        ktest_check_eq("higher-priority-runs-at-once", not_at_once, 0);
        ktest_check_eq("lower-priority-waits", pong_unfinished, 0);
        /* Ask pong for a burst; it runs at once and sends it before ping can run. */
        c->phase = PHASE_BURST;
        microkit_notify(NOTIFY_CH_MAIN);
        return;
    case PHASE_BURST:
        if (ch == NOTIFY_CH_MAIN)
            burst_main++;
        else if (ch == NOTIFY_CH_SECOND) {
            burst_second++;
            /* Any extra delivery of the burst would already be pending; one more
             * round trip on the second channel flushes it out before judging. */
            c->phase = PHASE_SYNC;
            microkit_notify(NOTIFY_CH_MAIN);
        } else
            wrong_ch++;
        return;
    case PHASE_SYNC:
        if (ch == NOTIFY_CH_MAIN)
            burst_main++;
        else if (ch == NOTIFY_CH_SECOND)
            finish();
        else
            wrong_ch++;
        return;
    default:
        wrong_ch++;
    }
}
