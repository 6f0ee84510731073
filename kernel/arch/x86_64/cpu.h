/*
 * The x86_64 CPU as the rest of the kernel sees it: port and MSR access,
 * control registers, the feature bits we depend on, and the descriptor
 * tables (GDT, TSS with its I/O permission bitmap, IDT).
 */
#ifndef SUBSTRATE_KERNEL_ARCH_CPU_H
#define SUBSTRATE_KERNEL_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

static inline void cpu_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t cpu_inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}
static inline uint64_t cpu_rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpu_wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}
static inline uint64_t cpu_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
static inline void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}
static inline uint64_t cpu_read_cr2(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}
static inline uint64_t cpu_read_cr3(void)
{
    uint64_t v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}
static inline void cpu_write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
__attribute__((noreturn)) static inline void cpu_halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt");
}

typedef struct {
    bool nx, pdpe1gb, smep, smap, tsc_deadline, invariant_tsc;
} cpu_features_t;

extern cpu_features_t cpu_features;

/* Reads the feature bits; installs GDT, TSS, IDT, syscall MSRs, SMEP/SMAP. */
void cpu_init(void);

/* Where the CPU saves the next user frame on an interrupt (the TSS's rsp0). */
void cpu_set_kernel_entry_stack(uint64_t rsp0);

/* Opens (allow) or closes the ports [base, base + size) in the I/O bitmap. */
void cpu_ioports_set(uint32_t base, uint32_t size, bool allow);

#endif
