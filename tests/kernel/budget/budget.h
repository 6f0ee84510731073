/*
 * How the budget test's PDs measure their share of the CPU: each spins
 * reading the TSC and adds up the steps shorter than BUDGET_GAP_CYCLES, the
 * time it actually ran. A longer step means another PD ran, or the host
 * took QEMU's thread away, and counts for neither PD.
 */
#ifndef SUBSTRATE_TESTS_KERNEL_BUDGET_H
#define SUBSTRATE_TESTS_KERNEL_BUDGET_H

#include <stdint.h>

#define BUDGET_GAP_CYCLES 50000ull

typedef struct {
    volatile uint64_t ran;   /* spinner: TSC cycles it ran */
    volatile uint64_t steps; /* spinner: loop iterations */
    volatile uint64_t resumes; /* spinner: times it ran again after a gap */
} budget_spins_t;

static inline uint64_t budget_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

#endif
