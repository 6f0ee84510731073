/*
 * The kernel's three entry points from entry.S: a system call, an interrupt
 * or exception from user mode, and an interrupt taken while idle.
 *
 * Each runs to completion on the kernel stack and ends by choosing the PD to
 * return to. System calls are decoded here (check the number, then let the
 * owning subsystem check its arguments); a user exception becomes a seL4
 * fault message for the PD's parent.
 */
#include "kernel/abi/syscall.h"
#include "kernel/arch/x86_64/apic.h"
#include "kernel/arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/ioport.h"
#include "kernel/ipc.h"
#include "kernel/irq.h"
#include "kernel/sched.h"

void kernel_syscall(void);
void kernel_interrupt(void);
void kernel_interrupt_in_kernel(arch_frame_t *frame);

/* seL4's fault labels (MCS numbering, as Microkit uses) and message registers. */
#define FAULT_USER_EXCEPTION 3
#define FAULT_VM 6

void kernel_syscall(void)
{
    pd_t *cur = pd_current;
    arch_frame_t *f = &cur->frame;
    sched_account();
    if (ipc_fastpath(cur))
        return;
    switch (f->rax) {
    case SYS_PUTC:
        console_pd_putc(cur, (char)f->rdi);
        f->rax = SYS_OK;
        break;
    case SYS_NOTIFY:
        f->rax = ipc_notify(cur, f->rdi);
        break;
    case SYS_PPCALL:
        ipc_ppcall(cur, f->rdi, f->rsi);
        break;
    case SYS_RECV:
        console_pd_flush(cur); /* a prompt without a newline still shows */
        ipc_recv(cur, f->rdi, f->rsi);
        break;
    case SYS_IRQ_ACK:
        f->rax = ipc_irq_ack(cur, f->rdi);
        break;
    case SYS_PD_RESTART:
        f->rax = ipc_pd_restart(cur, f->rdi, f->rsi);
        break;
    case SYS_PD_STOP:
        f->rax = ipc_pd_stop(cur, f->rdi);
        break;
    case SYS_IOPORT_OUT:
        f->rax = ioport_out(cur, f->rdi, f->rsi, f->r10, f->rdx);
        break;
    case SYS_IOPORT_IN:
        f->rax = ioport_in(cur, f->rdi, f->rsi, f->r10, &f->rdx);
        break;
    default:
        f->rax = SYS_EILLEGAL;
        break;
    }
    sched_schedule();
}

static void user_exception(pd_t *pd)
{
    arch_frame_t *f = &pd->frame;
    if (f->vector == 14) {
        pd->fault_label = FAULT_VM;
        pd->fault_mrs[0] = f->rip;                  /* seL4_VMFault_IP */
        pd->fault_mrs[1] = cpu_read_cr2();          /* seL4_VMFault_Addr */
        pd->fault_mrs[2] = (f->error >> 4) & 1;     /* seL4_VMFault_PrefetchFault */
        pd->fault_mrs[3] = f->error;                /* seL4_VMFault_FSR */
        pd->fault_mr_count = 4;
    } else {
        pd->fault_label = FAULT_USER_EXCEPTION;
        pd->fault_mrs[0] = f->rip;                  /* seL4_UserException_FaultIP */
        pd->fault_mrs[1] = f->rsp;                  /* seL4_UserException_SP */
        pd->fault_mrs[2] = f->rflags;               /* seL4_UserException_FLAGS */
        pd->fault_mrs[3] = f->vector;               /* seL4_UserException_Number */
        pd->fault_mrs[4] = f->error;                /* seL4_UserException_Code */
        pd->fault_mr_count = 5;
    }
    console_pd_flush(pd);
    ipc_fault(pd);
}

void kernel_interrupt(void)
{
    pd_t *cur = pd_current;
    uint64_t vector = cur->frame.vector;
    sched_account();
    /*
     * Nothing to deliver for the lazy FPU switch (a PD's first FPU or SSE
     * instruction since another PD used them) or for an NMI (the platform's
     * doing, not the PD's).
     */
    bool handled = (vector == 7 && pd_fpu_fault(cur)) || vector == 2;
    if (handled) {
        (void)0;
    } else if (vector == 18) {
        kernel_panic("machine check");
    } else if (vector < 32) {
        user_exception(cur);
    } else if (vector == APIC_TIMER_VECTOR) {
        apic_eoi();
        sched_refill();
    } else if (vector != APIC_SPURIOUS_VECTOR) {
        irq_handle((uint32_t)vector);
    }
    sched_schedule();
}

void kernel_interrupt_in_kernel(arch_frame_t *frame)
{
    if (frame->vector == 2)
        return;
    if (frame->vector < 32) {
        console_puts("substrate: kernel exception ");
        console_dec(frame->vector);
        console_puts(" at ip ");
        console_hex(frame->rip);
        console_puts(" address ");
        console_hex(cpu_read_cr2());
        console_puts(" error ");
        console_hex(frame->error);
        kernel_panic("exception in kernel mode");
    }
    if (frame->vector == APIC_TIMER_VECTOR)
        apic_eoi(); /* the idle loop refills after every wake-up */
    else if (frame->vector != APIC_SPURIOUS_VECTOR)
        irq_handle((uint32_t)frame->vector);
}
