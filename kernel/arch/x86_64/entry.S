/*
 * Kernel entry and exit: the syscall instruction, every interrupt and
 * exception vector, and the return to user mode.
 *
 * A PD's registers are saved straight into its TCB: the TSS's rsp0 and the
 * syscall path both point the stack at the end of the current PD's
 * arch_frame_t, so the CPU and the stubs push the frame in place. The kernel
 * then runs C on its own stack, which is empty at every entry: the kernel
 * keeps no state on it between entries, so it never needs a kernel thread.
 * Interrupts stay disabled in the kernel except in the idle loop, whose
 * interrupts are taken on the kernel stack (the from_kernel path).
 *
 * The exit picks sysret when the frame came from a syscall (the cheap path
 * for IPC) and iret otherwise. Every user rip the kernel installs is checked
 * to be canonical, so sysret can never fault in ring 0.
 */
#include "kernel/arch/x86_64/layout.h"

#define FRAME_SIZE (22 * 8)
#define VECTOR_SYSCALL 0x100

.macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
.endm

.macro POP_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
.endm

    .text
    .globl arch_syscall_entry
arch_syscall_entry:
    mov %rsp, arch_user_rsp_scratch(%rip)
    mov arch_current_frame(%rip), %rsp
    add $FRAME_SIZE, %rsp
    push $SEL_UDATA
    push arch_user_rsp_scratch(%rip)
    push %r11
    push $SEL_UCODE
    push %rcx
    push $0
    push $VECTOR_SYSCALL
    PUSH_GPRS
    mov $kernel_stack_top, %rsp
    call kernel_syscall
    jmp arch_return_to_user

    .globl arch_return_to_user
arch_return_to_user:
    mov arch_current_frame(%rip), %rsp
    POP_GPRS
    cmpq $VECTOR_SYSCALL, (%rsp)
    jne 1f
    mov 16(%rsp), %rcx
    mov 32(%rsp), %r11
    mov 40(%rsp), %rsp
    sysretq
1:  add $16, %rsp
    iretq

isr_common:
    testb $3, 24(%rsp)
    jz isr_from_kernel
    PUSH_GPRS
    mov $kernel_stack_top, %rsp
    call kernel_interrupt
    jmp arch_return_to_user

isr_from_kernel:
    PUSH_GPRS
    mov %rsp, %rdi
    call kernel_interrupt_in_kernel
    POP_GPRS
    add $16, %rsp
    iretq

/* One stub per vector; those without a CPU error code push a zero. */
.macro ISR n
    .align 16
isr_\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    push $0
    .endif
    push $\n
    jmp isr_common
.endm

    .align 16
    .globl arch_isr_table_start
arch_isr_table_start:
.altmacro
.set i, 0
.rept 256
    ISR %i
    .set i, i + 1
.endr

.macro ISR_ADDR n
    .quad isr_\n
.endm

    .section .rodata
    .align 8
    .globl arch_isr_stubs
arch_isr_stubs:
.set i, 0
.rept 256
    ISR_ADDR %i
    .set i, i + 1
.endr
.noaltmacro

    .bss
    .align 8
arch_user_rsp_scratch: .skip 8

    .section .note.GNU-stack, "", @progbits
