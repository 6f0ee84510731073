/* The page the syscalls test's PDs share; one writer per field. */
#ifndef SUBSTRATE_TESTS_KERNEL_SYSCALLS_H
#define SUBSTRATE_TESTS_KERNEL_SYSCALLS_H

#include <stdint.h>

#define SYSCALLS_CALLS 20000
#define SYSCALLS_JUDGE_CH 3   /* the judge's end of the fuzzer's channel */
#define SYSCALLS_DONE_MAGIC 0xd0e5d0e5d0e5d0e5ull

typedef struct {
    volatile uint64_t calls;   /* fuzzer: system calls made so far */
    volatile uint64_t done;    /* fuzzer: SYSCALLS_DONE_MAGIC when finished */
    volatile uint64_t ticks;   /* ticker: notifications sent */
} syscalls_progress_t;

#endif
