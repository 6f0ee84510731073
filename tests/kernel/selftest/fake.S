/*
 * A stand-in for a system image, for the harness's own test: a Multiboot
 * kernel of a few instructions that prints MSG on COM1 and writes VERDICT to
 * the exit device. Built twice, as a passing and as a failing run, so the
 * suite proves that the harness passes the one and fails the other.
 */
    .section .multiboot, "a"
    .align 4
    .long 0x1BADB002
    .long 0
    .long -0x1BADB002

    .text
    .globl _start
    .code32
_start:
    mov $message, %esi
1:  lodsb
    test %al, %al
    jz 2f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
2:  mov $0xf4, %dx
    mov $VERDICT, %al
    out %al, %dx
3:  hlt
    jmp 3b

    .section .rodata
message:
    .ascii MSG
    .byte 0
