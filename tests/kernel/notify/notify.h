/*
 * The page ping and pong share in the notify test. Each field has one
 * writer, named beside it.
 */
#ifndef SUBSTRATE_TESTS_KERNEL_NOTIFY_H
#define SUBSTRATE_TESTS_KERNEL_NOTIFY_H

#include <stdint.h>

#define NOTIFY_ROUNDS 5000
#define NOTIFY_CH_MAIN 1
#define NOTIFY_CH_SECOND 2

enum { PHASE_ROUNDS = 1, PHASE_BURST = 2, PHASE_SYNC = 3 };

typedef struct {
    volatile uint64_t phase;          /* ping */
    volatile uint64_t ping_marker;    /* ping: round number before each notify */
    volatile uint64_t pong_seen;      /* pong: the marker it saw when it ran */
    volatile uint64_t pong_count;     /* pong: notifications received in PHASE_ROUNDS */
    volatile uint64_t pong_finished;  /* pong: its handler ran to the end after notifying */
    volatile uint64_t pong_wrong_ch;  /* pong: notifications on an unexpected channel */
} notify_ctl_t;

#endif
