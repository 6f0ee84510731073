/*
 * ddf/timer.h: the timer interface, a protected call.
 *
 * Unlike the other device classes the timer has no queue: a client makes a
 * protected call (microkit_ppcall) to the timer driver on its timer channel.
 * The driver is the only PD that touches the HPET and it serves each client by
 * the channel the call arrives on, so a client can only set or cancel its own
 * timeout.
 *
 *   label TIMER_GET_TIME      -> mr0 = nanoseconds since the driver started,
 *                                never decreasing.
 *   label TIMER_SET_TIMEOUT   mr0 = relative timeout in ns -> mr0 = status.
 *                                Replaces the caller's pending timeout, if any.
 *                                When it expires the driver notifies the
 *                                caller's channel once.
 *   label TIMER_CANCEL        -> mr0 = status. Drops the caller's pending timeout.
 *   label TIMER_GET_CLOCK     -> mr0 = the time, as TIMER_GET_TIME; mr1 = the
 *                                TSC read at that time; mr2 = nanoseconds per
 *                                TSC tick, 32 fraction bits (0: no usable TSC).
 *                                Three words. With it a client reads the time
 *                                without a call until its estimate grows old
 *                                (ddf/timer_clock.h). A driver without a TSC
 *                                may answer with one word, as for an unknown
 *                                label; the client then calls TIMER_GET_TIME.
 *
 * Signalling: the driver notifies a client exactly once per expired timeout.
 * A notification may still arrive after TIMER_CANCEL or a replacement when the
 * old timeout had already fired; a client that cares re-reads the time
 * (TIMER_GET_TIME) and compares with its own deadline. No notification is lost:
 * a timeout already in the past when set fires at once.
 *
 * Tolerance: a timeout fires no earlier than asked, and (on an unloaded
 * system) at most TIMER_TOLERANCE_NS later than asked.
 */
#ifndef SUBSTRATE_DDF_TIMER_H
#define SUBSTRATE_DDF_TIMER_H

#include <stdint.h>

typedef enum {
    TIMER_GET_TIME = 0,
    TIMER_SET_TIMEOUT = 1,
    TIMER_CANCEL = 2,
    TIMER_GET_CLOCK = 3,
} timer_label_t;

#define TIMER_REPLY_WORDS 3     /* the longest reply: TIMER_GET_CLOCK's */

typedef enum {
    TIMER_OK = 0,
    TIMER_ERR_INVALID = 1,   /* unknown label or caller */
} timer_status_t;

#define TIMER_TOLERANCE_NS 2000000ull   /* 2 ms; generous, for TCG */
#define TIMER_MAX_TIMEOUT_NS (1ull << 62)

#endif
