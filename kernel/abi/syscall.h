/*
 * The user/kernel system-call ABI.
 *
 * A PD enters the kernel with the `syscall` instruction: the call number in
 * rax, arguments in rdi, rsi, rdx. The kernel returns a result in rax and, for
 * SYS_RECV and SYS_PPCALL, extra values in rsi and rdx. rcx and r11 are
 * clobbered as the instruction defines; every other register is preserved.
 *
 * Message registers live in the PD's IPC buffer (seL4_IPCBuffer.msg[]), at
 * the fixed address SDF_PD_IPC_BUFFER; the kernel copies at most
 * SYS_MSG_MAX words and never reads a user pointer.
 */
#ifndef SUBSTRATE_KERNEL_ABI_SYSCALL_H
#define SUBSTRATE_KERNEL_ABI_SYSCALL_H

#define SYS_PUTC 0        /* rdi = character */
#define SYS_NOTIFY 1      /* rdi = channel */
#define SYS_PPCALL 2      /* rdi = channel, rsi = msginfo; returns rax = reply msginfo */
#define SYS_RECV 3        /* rdi = SYS_RECV_*, rsi = its argument; returns the next event */
#define SYS_IRQ_ACK 4     /* rdi = channel */
#define SYS_PD_RESTART 5  /* rdi = child id, rsi = entry point */
#define SYS_PD_STOP 6     /* rdi = child id */
#define SYS_IOPORT_OUT 7  /* rdi = ioport id, rsi = port, rdx = value, r10 = width (1, 2, 4) */
#define SYS_IOPORT_IN 8   /* rdi = ioport id, rsi = port, r10 = width; returns rdx = value */
#define SYS_COUNT 9

/* What SYS_RECV does before it waits. */
#define SYS_RECV_NONE 0
#define SYS_RECV_REPLY 1      /* rsi = reply msginfo, to the caller or the faulting child */
#define SYS_RECV_NOTIFY 2     /* rsi = channel (microkit_deferred_notify) */
#define SYS_RECV_IRQ_ACK 3    /* rsi = channel (microkit_deferred_irq_ack) */

/* Events SYS_RECV returns in rax; rsi and rdx as noted. */
#define SYS_EVENT_NOTIFY 1    /* rsi = bit mask of notified channels */
#define SYS_EVENT_PPCALL 2    /* rsi = channel, rdx = msginfo */
#define SYS_EVENT_FAULT 3     /* rsi = child id, rdx = msginfo (label = seL4 fault type) */

/* Errors, with seL4's numbering. */
#define SYS_OK 0
#define SYS_EINVAL 1          /* seL4_InvalidArgument */
#define SYS_ECAP 2            /* seL4_InvalidCapability */
#define SYS_EILLEGAL 3        /* seL4_IllegalOperation */

#define SYS_MSG_MAX 64        /* message words a protected call carries */

#endif
