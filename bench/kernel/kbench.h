/* What the kernel benchmark's PDs share: timestamps, one writer each. */
#ifndef SUBSTRATE_BENCH_KERNEL_KBENCH_H
#define SUBSTRATE_BENCH_KERNEL_KBENCH_H

#include <stdint.h>

#define KBENCH_WARMUP 200
#define KBENCH_ROUNDS 10000
#define KBENCH_IRQ_ROUNDS 2000

typedef struct {
    volatile uint64_t sent;      /* client: rdtsc just before the event */
    volatile uint64_t received;  /* waker or irqh: rdtsc first thing in notified() */
    volatile uint64_t count;     /* waker or irqh: events seen */
} kbench_stamps_t;

static inline uint64_t kbench_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

#endif
