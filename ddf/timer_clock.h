/*
 * ddf/timer_clock.h: a client's clock between timer calls.
 *
 * Reading the time is a protected call to the timer driver (ddf/timer.h): two
 * address-space switches and a read of the HPET, which on a busy network or
 * file path is paid on every event. TIMER_GET_CLOCK answers with the time, the
 * TSC at that moment and the TSC's rate as the driver measured it against the
 * HPET, so the client can carry the time forward with RDTSC alone.
 *
 * An estimate drifts with the calibration's error (about 1e-3 from the
 * driver's millisecond), so it is trusted for TIMER_CLOCK_MAX_SPAN_NS after
 * its anchor and no longer: past that, or when the TSC reads earlier than the
 * anchor, or after timer_clock_forget() (a client calls it when a timeout
 * fires, so the moment a deadline is checked the clock is the driver's own),
 * timer_clock_valid() says to anchor again. Like the driver's time, the
 * clock never goes backwards, across anchors too.
 *
 * Freestanding, like the rest of ddf/.
 */
#ifndef SUBSTRATE_DDF_TIMER_CLOCK_H
#define SUBSTRATE_DDF_TIMER_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "ddf/timer.h"

#define TIMER_CLOCK_MAX_SPAN_NS 50000000ull /* 50 ms: at 1e-3, 50 us of drift */

/* The TSC, for the driver's calibration and the client's estimates alike. */
static inline uint64_t timer_clock_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

typedef struct {
    uint64_t ns, tsc;  /* the anchor: the driver's time, and the TSC then */
    uint64_t mult;     /* ns per TSC tick, 32 fraction bits; 0: no anchor */
    uint64_t max_ticks;/* TIMER_CLOCK_MAX_SPAN_NS in ticks */
    uint64_t last;     /* the latest time given out */
    bool plain_only;   /* the timer answered TIMER_GET_CLOCK with one word */
} timer_clock_t;

/* Takes a TIMER_GET_CLOCK reply; returns the time it carries (never less
 * than one given out before). A zero rate leaves the clock unanchored. */
static inline uint64_t timer_clock_anchor(timer_clock_t *c, uint64_t ns, uint64_t tsc, uint64_t mult)
{
    c->ns = ns;
    c->tsc = tsc;
    c->mult = mult;
    /* ticks = span / (mult / 2^32), in 64 bits (span < 2^26); a PD has no
     * 128-bit division. */
    c->max_ticks = mult == 0 ? 0 : (TIMER_CLOCK_MAX_SPAN_NS << 32) / mult;
    if (ns > c->last) {
        c->last = ns;
    }
    return c->last;
}

/* Takes a plain time (TIMER_GET_TIME), with the same never-backwards rule. */
static inline uint64_t timer_clock_plain(timer_clock_t *c, uint64_t ns)
{
    if (ns > c->last) {
        c->last = ns;
    }
    return c->last;
}

static inline void timer_clock_forget(timer_clock_t *c)
{
    c->mult = 0;
}

/* May the time at TSC reading `tsc` be estimated without a call? */
static inline bool timer_clock_valid(const timer_clock_t *c, uint64_t tsc)
{
    return c->mult != 0 && tsc >= c->tsc && tsc - c->tsc <= c->max_ticks;
}

/* The time at `tsc`, which timer_clock_valid() accepted. */
static inline uint64_t timer_clock_at(timer_clock_t *c, uint64_t tsc)
{
    uint64_t ns = c->ns + (uint64_t)(((unsigned __int128)(tsc - c->tsc) * c->mult) >> 32);
    return timer_clock_plain(c, ns);
}

/* A protected call to the timer: `label` in, the reply's words out (at most
 * TIMER_REPLY_WORDS); returns how many. The PD's own wrapper of
 * microkit_ppcall on its timer channel. */
typedef uint32_t (*timer_clock_call_fn)(void *ctx, uint64_t label, uint64_t reply[TIMER_REPLY_WORDS]);

/* The time at TSC reading `tsc`: the estimate while it is valid, else a
 * TIMER_GET_CLOCK call that anchors the clock again, or, from a timer that
 * answers that with one word, a TIMER_GET_TIME call each time. */
static inline uint64_t timer_clock_now(timer_clock_t *c, uint64_t tsc, timer_clock_call_fn call, void *ctx)
{
    if (timer_clock_valid(c, tsc)) {
        return timer_clock_at(c, tsc);
    }
    uint64_t reply[TIMER_REPLY_WORDS] = {0};
    if (!c->plain_only) {
        if (call(ctx, TIMER_GET_CLOCK, reply) >= 3) {
            return timer_clock_anchor(c, reply[0], reply[1], reply[2]);
        }
        c->plain_only = true;
    }
    (void)call(ctx, TIMER_GET_TIME, reply);
    return timer_clock_plain(c, reply[0]);
}

#endif
