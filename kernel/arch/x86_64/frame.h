/*
 * A PD's saved registers, in the order kernel entry pushes them (entry.S).
 * The frame is the first member of every TCB; its end is 16-byte aligned, as
 * the CPU aligns the stack before pushing an interrupt frame.
 */
#ifndef SUBSTRATE_KERNEL_ARCH_FRAME_H
#define SUBSTRATE_KERNEL_ARCH_FRAME_H

#include <stdint.h>

#define ARCH_VECTOR_SYSCALL 0x100

typedef struct {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error, rip, cs, rflags, rsp, ss;
} arch_frame_t;

_Static_assert(sizeof(arch_frame_t) == 22 * 8, "entry.S assumes this frame size");

/* Set by the scheduler: the frame entry.S saves into and restores from. */
extern arch_frame_t *arch_current_frame;

#endif
