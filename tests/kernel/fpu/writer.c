/*
 * fpu test, writer (priority 100): FPU_ROUNDS times, loads a secret into all
 * sixteen XMM registers, wakes the higher-priority reader with a raw notify
 * system call in the same assembly block (so the compiler cannot touch the
 * registers in between), and reads the registers back. The reader runs
 * before the system call returns, uses the registers itself, and must not
 * have seen the secret; the writer's own values must be intact.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/fpu/fpu.h"

#define READER_CH 1
#define SYS_NOTIFY 1 /* kernel/abi/syscall.h */

uintptr_t result;

static void load_notify_store(const uint64_t in[16], uint64_t out[16])
{
    uint64_t n = SYS_NOTIFY, ch = READER_CH;
    /* %0 is the base register of the loads; after the call it takes `out` for the stores. */
    __asm__ volatile(FPU_XMM_LOAD(0) FPU_XMM_LOAD(1) FPU_XMM_LOAD(2) FPU_XMM_LOAD(3)
                     FPU_XMM_LOAD(4) FPU_XMM_LOAD(5) FPU_XMM_LOAD(6) FPU_XMM_LOAD(7)
                     FPU_XMM_LOAD(8) FPU_XMM_LOAD(9) FPU_XMM_LOAD(10) FPU_XMM_LOAD(11)
                     FPU_XMM_LOAD(12) FPU_XMM_LOAD(13) FPU_XMM_LOAD(14) FPU_XMM_LOAD(15)
                     "mov %2, %%rax\n\t"
                     "mov %3, %%rdi\n\t"
                     "syscall\n\t"
                     "mov %1, %0\n\t"
                     FPU_XMM_STORE(0) FPU_XMM_STORE(1) FPU_XMM_STORE(2) FPU_XMM_STORE(3)
                     FPU_XMM_STORE(4) FPU_XMM_STORE(5) FPU_XMM_STORE(6) FPU_XMM_STORE(7)
                     FPU_XMM_STORE(8) FPU_XMM_STORE(9) FPU_XMM_STORE(10) FPU_XMM_STORE(11)
                     FPU_XMM_STORE(12) FPU_XMM_STORE(13) FPU_XMM_STORE(14) FPU_XMM_STORE(15)
                     : "+r"(in), "+r"(out), "+r"(n), "+r"(ch)
                     :
                     : "rax", "rdi", "rsi", "rdx", "rcx", "r11", "memory", FPU_CLOBBERS);
}

void init(void)
{
    fpu_result_t *r = (fpu_result_t *)result;
    uint64_t corrupted = 0;
    for (uint64_t round = 1; round <= FPU_ROUNDS; round++) {
        uint64_t secret[16], back[16];
        for (unsigned i = 0; i < 16; i++)
            secret[i] = (FPU_SECRET_TAG << 32) | (round << 4) | i;
        load_notify_store(secret, back);
        for (unsigned i = 0; i < 16; i++)
            if (back[i] != secret[i])
                corrupted++;
    }
    ktest_check_eq("reader-ran-every-round", r->rounds, FPU_ROUNDS);
    ktest_check_eq("no-xmm-value-leaks-to-another-pd", r->leaks, 0);
    ktest_check_eq("xmm-registers-kept-across-switches", corrupted, 0);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
