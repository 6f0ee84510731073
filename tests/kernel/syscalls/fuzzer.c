/*
 * syscalls test, fuzzer (child 1 of judge, priority 150).
 *
 * Makes SYSCALLS_CALLS raw `syscall` instructions, bypassing libmicrokit,
 * with call numbers and arguments drawn from a fixed-seed generator: mostly
 * the real call numbers, sometimes any 64-bit value; arguments mixing small
 * ids, the edges of every id range and random words. Printing (call 0) is
 * left out so the console stays readable. A call that makes the fuzzer wait
 * is ended by the ticker's notifications. Then it tells the judge.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/syscalls/syscalls.h"

#define REAL_CALLS 12 /* a few past the last real call number */

uintptr_t progress;

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static uint64_t random_argument(void)
{
    static const uint64_t edges[] = {0, 1, 2, 3, 5, 61, 62, 63, 64, 65, 127, 128, 255, 256,
                                     0x3f8, 0xf4, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
                                     0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
                                     0x8000000000000000ull, ~0ull, 0x200000, 0xffffffff80000000ull};
    uint64_t r = next_random();
    switch (r & 3) {
    case 0: return (r >> 8) % 70;
    case 1: return edges[(r >> 8) % (sizeof edges / sizeof edges[0])];
    default: return next_random();
    }
}

static void raw_syscall(uint64_t n, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    register uint64_t r10 __asm__("r10") = d;
    register uint64_t r8 __asm__("r8") = next_random();
    register uint64_t r9 __asm__("r9") = next_random();
    __asm__ volatile("syscall"
                     : "+a"(n), "+D"(a), "+S"(b), "+d"(c), "+r"(r10), "+r"(r8), "+r"(r9)
                     :
                     : "rcx", "r11", "memory");
}

void init(void)
{
    syscalls_progress_t *p = (syscalls_progress_t *)progress;
    /* Message registers full of noise, for calls that copy them. */
    for (uint8_t i = 0; i < 64; i++)
        microkit_mr_set(i, next_random());
    for (uint64_t i = 0; i < SYSCALLS_CALLS; i++) {
        uint64_t r = next_random();
        uint64_t n = (r & 7) == 0 ? next_random() : (r >> 8) % REAL_CALLS;
        if (n == 0)
            continue; /* SYS_PUTC: harmless, and would scribble on the console */
        raw_syscall(n, random_argument(), random_argument(), random_argument(), random_argument());
        p->calls = i + 1;
    }
    p->calls = SYSCALLS_CALLS;
    p->done = SYSCALLS_DONE_MAGIC;
    microkit_notify(2);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
