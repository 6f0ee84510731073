/*
 * A PD's first instruction: the kernel starts every PD (and restarts it)
 * here with a fresh, 16-byte aligned stack and zeroed registers.
 */
    .section .text.start, "ax"
    .globl _start
_start:
    and $-16, %rsp
    call microkit_main
1:  ud2
    jmp 1b

    .section .note.GNU-stack, "", @progbits
