/*
 * The isolation test's attacks and what the parent expects of each.
 *
 * ISOLATION_ATTACKS lists them in the order the hostile child runs them, one
 * per start. Each expects one of:
 *   VMR, VMW, VMX  a page fault (seL4_Fault_VMFault) at the address the
 *        child announces, by a user-mode read, write or instruction fetch as
 *        the fault's FSR (the x86 error code) and PrefetchFault say; for a
 *        fetch the faulting IP is that address too
 *   GP   a general-protection fault (seL4_Fault_UserException, number 13)
 *   UD   an invalid-opcode fault (seL4_Fault_UserException, number 6)
 *   DE   a divide error (seL4_Fault_UserException, number 0)
 *   FORGE  with libmicrokit's permission masks forged to all ones, one call
 *        per ungranted id: each may fault (a capability fault, the runtime's
 *        deliberate crash on an error, or a general-protection fault for an
 *        I/O port outside the grant) or return, but has no effect
 */
#ifndef SUBSTRATE_TESTS_KERNEL_ISOLATION_H
#define SUBSTRATE_TESTS_KERNEL_ISOLATION_H

#include <stdint.h>

#define ISOLATION_ATTACKS(X) \
    X(read_other_pd_memory, VMR) \
    X(write_readonly_mapping, VMW) \
    X(write_own_code, VMW) \
    X(execute_data, VMX) \
    X(execute_stack, VMX) \
    X(execute_rodata, VMX) \
    X(execute_ipc_buffer, VMX) \
    X(read_stack_guard_below, VMR) \
    X(read_stack_guard_above, VMR) \
    X(read_last_user_page, VMR) \
    X(read_kernel_high_half, VMR) \
    X(read_kernel_direct_map, VMR) \
    X(read_low_physical_identity, VMR) \
    X(jump_to_kernel, VMX) \
    X(read_noncanonical, GP) \
    X(cli, GP) \
    X(hlt, GP) \
    X(wrmsr, GP) \
    X(rdmsr, GP) \
    X(mov_from_cr3, GP) \
    X(mov_to_cr0, GP) \
    X(lidt, GP) \
    X(in_ungranted_port, GP) \
    X(out_ungranted_port, GP) \
    X(out_pci_config, GP) \
    X(out_exit_device, GP) \
    X(int_timer_vector, GP) \
    X(int_page_fault_vector, GP) \
    X(ud2, UD) \
    X(divide_by_zero, DE) \
    X(forge_notify, FORGE) \
    X(forge_ppcall, FORGE) \
    X(forge_irq_ack, FORGE) \
    X(forge_ioport_write, FORGE) \
    X(forge_ioport_read, FORGE) \
    X(forge_pd_stop, FORGE) \
    X(forge_pd_restart, FORGE)

enum { EXPECT_VMR, EXPECT_VMW, EXPECT_VMX, EXPECT_GP, EXPECT_UD, EXPECT_DE, EXPECT_FORGE };

#define ISOLATION_ENUM(name, expect) ATTACK_##name,
enum { ISOLATION_ATTACKS(ISOLATION_ENUM) ATTACK_COUNT };
#undef ISOLATION_ENUM

#define ISOLATION_CHILD_ID 1
#define ISOLATION_HOSTILE_CH 1  /* the parent's end of the hostile child's channel */
#define ISOLATION_VICTIM_CH 2   /* the parent's end of the victim's channel */
#define ISOLATION_OTHER_PD_ADDR 0x6000000ull /* the victim's secret, not mapped in the child */
#define ISOLATION_RO_ADDR 0x4100000ull
#define ISOLATION_DATA_ADDR 0x4200000ull
#define ISOLATION_SCRATCH_PORT 0x2ff
#define ISOLATION_SCRATCH_VALUE 0x5a
#define ISOLATION_SECRET_WORD 0x5ec2e75ec2e75ec2ull
#define ISOLATION_MAX_ID 62     /* forged ids run 0..62: channels end at 61, I/O ports at 62 */

typedef struct {
    volatile uint64_t attack;       /* parent: the attack to run on the next start */
    volatile uint64_t next_id;      /* child: the next id a FORGE attack tries; parent resets it */
    volatile uint64_t expect_addr;  /* child: the address a VM attack touches */
    volatile uint64_t started;      /* child: attack + 1 when it starts one */
} isolation_ctl_t;

typedef struct {
    volatile uint64_t done;           /* victim: 1 when the report below is written */
    volatile uint64_t notifications;  /* victim: from anyone but the parent */
    volatile uint64_t calls;          /* victim: protected calls received */
    volatile uint64_t secret_intact;  /* victim: its secret page unchanged */
    volatile uint64_t scratch;        /* victim: COM2's scratch register now */
} isolation_report_t;

#endif
