/*
 * Descriptor tables and CPU setup.
 *
 * One GDT with kernel and user segments in the order SYSCALL/SYSRET need,
 * one TSS whose rsp0 follows the running PD's register frame and whose I/O
 * permission bitmap holds exactly the running PD's granted port ranges (all
 * other ports fault in user mode), and one IDT with every vector routed to
 * entry.S. User mode can reach no gate: every IDT entry has DPL 0, so a
 * user `int n` is a #GP fault, delivered as a fault like any other.
 */
#include "kernel/arch/x86_64/cpu.h"

#include "kernel/arch/x86_64/layout.h"
#include "kernel/klib.h"

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_FMASK 0xC0000084
#define IOMAP_BYTES 8192

cpu_features_t cpu_features;

typedef struct __attribute__((packed)) {
    uint32_t reserved0;
    uint64_t rsp0, rsp1, rsp2;
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t iomap_base;
    uint8_t iomap[IOMAP_BYTES + 1]; /* the extra byte must be all ones */
} tss_t;

typedef struct __attribute__((packed)) {
    uint16_t offset_low, selector;
    uint8_t ist, type;
    uint16_t offset_mid;
    uint32_t offset_high, reserved;
} idt_entry_t;

static tss_t tss __attribute__((aligned(16)));
static uint64_t gdt[9] __attribute__((aligned(16)));
static idt_entry_t idt[256] __attribute__((aligned(16)));
extern const uint64_t arch_isr_stubs[256];
extern char arch_syscall_entry[];

static void load_gdt(void)
{
    uint64_t base = (uint64_t)&tss;
    uint64_t limit = sizeof(tss) - 1;
    gdt[0] = 0;
    gdt[1] = 0x00AF9A000000FFFFull; /* 0x08 kernel code */
    gdt[2] = 0x00CF92000000FFFFull; /* 0x10 kernel data */
    gdt[3] = 0x00CFFA000000FFFFull; /* 0x18 user code, 32-bit (unused; SYSRET layout) */
    gdt[4] = 0x00CFF2000000FFFFull; /* 0x20 user data */
    gdt[5] = 0x00AFFA000000FFFFull; /* 0x28 user code */
    gdt[6] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xF) << 48) |
             (((base >> 24) & 0xFF) << 56);
    gdt[7] = base >> 32;
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof(gdt) - 1, (uint64_t)gdt};
    __asm__ volatile("lgdt %0" ::"m"(ptr));
    __asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" ::"r"(SEL_KDATA));
    __asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:" ::"i"(SEL_KCODE) : "rax", "memory");
    __asm__ volatile("ltr %w0" ::"r"(SEL_TSS));
}

static void load_idt(void)
{
    for (int v = 0; v < 256; v++) {
        uint64_t a = arch_isr_stubs[v];
        idt[v].offset_low = (uint16_t)a;
        idt[v].selector = SEL_KCODE;
        idt[v].ist = 0;
        idt[v].type = 0x8E; /* present, DPL 0, interrupt gate */
        idt[v].offset_mid = (uint16_t)(a >> 16);
        idt[v].offset_high = (uint32_t)(a >> 32);
        idt[v].reserved = 0;
    }
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } ptr = {sizeof(idt) - 1, (uint64_t)idt};
    __asm__ volatile("lidt %0" ::"m"(ptr));
}

static void read_features(void)
{
    uint32_t r[4];
    cpu_cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    cpu_cpuid(1, 0, r);
    cpu_features.tsc_deadline = (r[2] >> 24) & 1;
    if (max_leaf >= 7) {
        cpu_cpuid(7, 0, r);
        cpu_features.smep = (r[1] >> 7) & 1;
        cpu_features.smap = (r[1] >> 20) & 1;
    }
    cpu_cpuid(0x80000000, 0, r);
    uint32_t max_ext = r[0];
    cpu_cpuid(0x80000001, 0, r);
    cpu_features.nx = (r[3] >> 20) & 1;
    cpu_features.pdpe1gb = (r[3] >> 26) & 1;
    if (max_ext >= 0x80000007) {
        cpu_cpuid(0x80000007, 0, r);
        cpu_features.invariant_tsc = (r[3] >> 8) & 1;
    }
}

void cpu_set_kernel_entry_stack(uint64_t rsp0)
{
    tss.rsp0 = rsp0;
}

void cpu_ioports_set(uint32_t base, uint32_t size, bool allow)
{
    for (uint32_t p = base; p < base + size && p < 0x10000; p++) {
        if (allow)
            tss.iomap[p >> 3] &= (uint8_t)~(1u << (p & 7));
        else
            tss.iomap[p >> 3] |= (uint8_t)(1u << (p & 7));
    }
}

void cpu_init(void)
{
    read_features();
    k_memset(&tss, 0, sizeof(tss));
    tss.iomap_base = (uint16_t)__builtin_offsetof(tss_t, iomap);
    k_memset(tss.iomap, 0xFF, sizeof(tss.iomap));
    load_gdt();
    load_idt();

    /* syscall: kernel CS 0x08; sysret: user base 0x18 (SS 0x23, CS 0x2B). */
    cpu_wrmsr(MSR_STAR, ((uint64_t)0x18 << 48) | ((uint64_t)SEL_KCODE << 32));
    cpu_wrmsr(MSR_LSTAR, (uint64_t)arch_syscall_entry);
    /* Clear IF, TF, DF, AC and NT on entry. */
    cpu_wrmsr(MSR_FMASK, 0x40700 | 0x4000);

    uint64_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    cr0 = (cr0 & ~(1ull << 2)) | (1ull << 1); /* x87 present (no EM), MP */
    __asm__ volatile("mov %0, %%cr0" ::"r"(cr0));
    uint64_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    cr4 |= 1u << 7;              /* PGE */
    cr4 |= (1u << 9) | (1u << 10); /* OSFXSR, OSXMMEXCPT: PDs may use SSE */
    if (cpu_features.smep)
        cr4 |= 1u << 20;
    if (cpu_features.smap)
        cr4 |= 1u << 21;
    __asm__ volatile("mov %0, %%cr4" ::"r"(cr4));
}
