/*
 * The timer driver library: time in nanoseconds and relative timeouts for
 * several clients, from the HPET (the clock, and the one-shot interrupt); the
 * TSC is calibrated against it at start for cheap estimates
 * (hpet_timer_tsc_ns), never for deadlines, so the comparator and the time
 * a client reads come from one clock.
 *
 * Time never goes backwards: each reading is at least the last one given out.
 * Each client (identified by the channel its protected call arrives on, so
 * no client can touch another's timeout) has at most one pending timeout;
 * comparator 0 is always armed for the earliest, and a deadline that passes
 * while the comparator is being written is caught by re-reading the counter.
 * The interface to clients is ddf/timer.h.
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_HPET_TIMER_H
#define SUBSTRATE_SYSTEM_DRIVERS_HPET_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ddf/timer.h"

#define HPET_TIMER_MAX_CLIENTS 62   /* one per channel id */

enum { HPET_CAP = 0x000, HPET_CONF = 0x010, HPET_STATUS = 0x020, HPET_COUNTER = 0x0F0, HPET_T0_CONF = 0x100,
       HPET_T0_CMP = 0x108 };
#define HPET_CONF_ENABLE 1u
#define HPET_CONF_LEGACY 2u
#define HPET_TN_INT_ENABLE (1u << 2)
#define HPET_MAX_PERIOD_FS 100000000ull   /* the specification's limit: 100 ns */

typedef uint64_t (*hpet_tsc_fn)(void);

typedef struct {
    volatile uint64_t *regs;  /* the HPET's 1 KiB register block */
    uint64_t period_fs;       /* counter tick, femtoseconds */
    uint64_t ns_per_tick_q32; /* fixed point, 32 fraction bits */
    uint64_t ticks_per_ns_q32;/* rounded up, so a deadline's tick is never early */
    hpet_tsc_fn read_tsc;     /* NULL: time from the HPET alone */
    uint64_t tsc_base, ns_base, tsc_mult; /* ns = ns_base + (tsc - tsc_base) * tsc_mult >> 32 */
    uint64_t counter_base;    /* counter at start: time 0 */
    uint64_t last_ns;         /* the latest time given out */
    uint64_t deadline[HPET_TIMER_MAX_CLIENTS];  /* in ns; valid where pending */
    uint64_t pending;         /* bit per client */
    bool irq_on;              /* comparator 0's interrupt enabled (while anything is pending) */
    uint64_t fired;           /* timeouts delivered, for tests */
} hpet_timer_t;

typedef enum { HPET_TIMER_OK = 0, HPET_TIMER_EINVAL, HPET_TIMER_ENODEV } hpet_timer_err_t;

/* Checks the HPET's capabilities, starts the counter, routes comparator 0 as a
 * one-shot edge interrupt (legacy replacement: IRQ 0, IOAPIC pin 2) and, when
 * `read_tsc` is given, calibrates the TSC against the counter. */
hpet_timer_err_t hpet_timer_init(hpet_timer_t *t, volatile void *regs, hpet_tsc_fn read_tsc);
uint64_t hpet_timer_now(hpet_timer_t *t);
/* The calibrated TSC-to-ns conversion (valid when read_tsc was given). */
uint64_t hpet_timer_tsc_ns(const hpet_timer_t *t, uint64_t tsc);
/* A relative timeout for `client`, replacing its pending one. Call
 * hpet_timer_expire() afterwards: a short timeout may be due already. */
timer_status_t hpet_timer_set_timeout(hpet_timer_t *t, uint32_t client, uint64_t relative_ns);
timer_status_t hpet_timer_cancel(hpet_timer_t *t, uint32_t client);
/* After the interrupt (or any time): returns the clients whose timeouts have
 * expired (bit per client), forgets them and re-arms for the next. */
uint64_t hpet_timer_expire(hpet_timer_t *t);
/* One protected call: label and mr0 in, the reply's words out; returns how
 * many (0 for an unknown label, whose reply[0] is TIMER_ERR_INVALID). */
uint32_t hpet_timer_call(hpet_timer_t *t, uint32_t client, uint64_t label, uint64_t mr0,
                         uint64_t reply[TIMER_REPLY_WORDS]);

#endif
