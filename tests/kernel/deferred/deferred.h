/* The page driver and worker share in the deferred test. */
#ifndef SUBSTRATE_TESTS_KERNEL_DEFERRED_H
#define SUBSTRATE_TESTS_KERNEL_DEFERRED_H

#include <stdint.h>

#define DEFERRED_ROUNDS 2000
#define DEFERRED_DRIVER_CH 4
#define DEFERRED_WORKER_CH 9

typedef struct {
    volatile uint64_t worker_round;    /* worker: rounds it handled */
    volatile uint64_t worker_returned; /* worker: last round whose handler finished */
} deferred_ctl_t;

#endif
