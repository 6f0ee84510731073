/* The page the resume test's parent and child share. */
#ifndef SUBSTRATE_TESTS_KERNEL_RESUME_H
#define SUBSTRATE_TESTS_KERNEL_RESUME_H

#include <stdint.h>

#define RESUME_ROUNDS 50
#define RESUME_DIVIDEND 1000000007ull

typedef struct {
    volatile uint64_t divisor;   /* parent: 0 makes the child's division fault */
    volatile uint64_t quotient;  /* child: the division's result once resumed */
    volatile uint64_t marker;    /* child: a value it keeps in a register across the fault */
    volatile uint64_t rounds;    /* child: divisions completed */
} resume_shared_t;

#endif
