/*
 * What the fpu test's PDs share, and the two inline-assembly helpers that
 * move all sixteen XMM registers (their low 64 bits) to and from memory.
 */
#ifndef SUBSTRATE_TESTS_KERNEL_FPU_H
#define SUBSTRATE_TESTS_KERNEL_FPU_H

#include <stdint.h>

#define FPU_ROUNDS 300
#define FPU_SECRET_TAG 0x5ec2e700ull  /* the writer's values: tag << 32 | round << 4 | register */
#define FPU_READER_VALUE 0xbbbbbbbbbbbbbbbbull

typedef struct {
    volatile uint64_t rounds;  /* reader: notifications handled */
    volatile uint64_t leaks;   /* reader: registers found holding the writer's secret */
} fpu_result_t;

#define FPU_XMM_LOAD(n) "movq " #n "*8(%0), %%xmm" #n "\n\t"
#define FPU_XMM_STORE(n) "movq %%xmm" #n ", " #n "*8(%0)\n\t"
#define FPU_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", \
                     "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"

static inline void fpu_store_all(uint64_t out[16])
{
    __asm__ volatile(FPU_XMM_STORE(0) FPU_XMM_STORE(1) FPU_XMM_STORE(2) FPU_XMM_STORE(3)
                     FPU_XMM_STORE(4) FPU_XMM_STORE(5) FPU_XMM_STORE(6) FPU_XMM_STORE(7)
                     FPU_XMM_STORE(8) FPU_XMM_STORE(9) FPU_XMM_STORE(10) FPU_XMM_STORE(11)
                     FPU_XMM_STORE(12) FPU_XMM_STORE(13) FPU_XMM_STORE(14) FPU_XMM_STORE(15)
                     :
                     : "r"(out)
                     : "memory");
}

static inline void fpu_load_all(const uint64_t in[16])
{
    __asm__ volatile(FPU_XMM_LOAD(0) FPU_XMM_LOAD(1) FPU_XMM_LOAD(2) FPU_XMM_LOAD(3)
                     FPU_XMM_LOAD(4) FPU_XMM_LOAD(5) FPU_XMM_LOAD(6) FPU_XMM_LOAD(7)
                     FPU_XMM_LOAD(8) FPU_XMM_LOAD(9) FPU_XMM_LOAD(10) FPU_XMM_LOAD(11)
                     FPU_XMM_LOAD(12) FPU_XMM_LOAD(13) FPU_XMM_LOAD(14) FPU_XMM_LOAD(15)
                     :
                     : "r"(in)
                     : "memory", FPU_CLOBBERS);
}

#endif
