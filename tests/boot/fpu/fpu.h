/* xmm15 and the x87 control word, read and written directly. */
#include <stdint.h>

static inline void fpu_set(uint64_t v, uint16_t cw)
{
    __asm__ volatile("movq %0, %%xmm15" ::"r"(v) : "xmm15");
    __asm__ volatile("fldcw %0" ::"m"(cw));
}

static inline uint64_t fpu_get_xmm(void)
{
    uint64_t v;
    __asm__ volatile("movq %%xmm15, %0" : "=r"(v));
    return v;
}

static inline uint16_t fpu_get_cw(void)
{
    uint16_t cw;
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return cw;
}
