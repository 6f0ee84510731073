/*
 * Protection domains: one thread, one address space and one scheduling
 * context each, in a fixed table sized for Microkit's limit of 63 PDs.
 * Nothing here is allocated: the table is static and filled from the boot
 * image, which the builder checked.
 */
#ifndef SUBSTRATE_KERNEL_PD_H
#define SUBSTRATE_KERNEL_PD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/abi/image.h"
#include "kernel/arch/x86_64/frame.h"

typedef enum {
    PD_INACTIVE = 0,  /* not in the image */
    PD_READY,         /* runnable: current, or in a ready queue, or throttled */
    PD_BLOCKED_RECV,  /* waiting in SYS_RECV */
    PD_BLOCKED_SEND,  /* queued on a busy callee's endpoint */
    PD_BLOCKED_REPLY, /* waiting for its callee's reply */
    PD_FAULTED,       /* waiting for its parent to handle a fault */
    PD_STOPPED,       /* stopped by its parent or by the kernel */
} pd_state_t;

/* A scheduling context: budget per period, both in TSC ticks. */
typedef struct sched_context {
    uint64_t budget, period;
    int64_t remaining;
    uint64_t period_start;
    bool throttled;           /* used up its budget; waits for period_start + period */
    bool round_robin;         /* budget == period: a time slice, never throttled */
    struct pd *holder;        /* the PD running on it now */
} sched_context_t;

#define PD_CONSOLE_LINE 256

typedef enum { REPLY_NONE = 0, REPLY_CALLER, REPLY_FAULT } reply_kind_t;

typedef struct pd {
    arch_frame_t frame;       /* must be first: entry.S saves into it */
    uint8_t fpu[512] __attribute__((aligned(16))); /* FXSAVE image of the PD's x87/SSE state */
    pd_state_t state;
    uint8_t index;
    uint8_t priority;
    bool passive;
    bool has_own_sc_bound;    /* false for a passive PD after its init */
    uint8_t ioport_count;     /* how many I/O port ranges the builder granted it */
    uint8_t ioport_ids[IMAGE_MAX_IOPORTS]; /* their ids, so a switch walks only those */
    const image_pd_t *desc;   /* the builder's description, in the image */
    uint64_t cr3;
    uint64_t ipc_buffer;      /* kernel (direct-map) address of the IPC buffer */

    sched_context_t own_sc;
    sched_context_t *sc;      /* what it runs on now: own_sc, a caller's, or NULL */

    struct pd *next, *prev;   /* ready queue or an endpoint's wait queue */
    bool queued;

    uint64_t pending_notify;  /* coalesced notification bits, by this PD's channel id */
    uint64_t pending_faults;  /* children (by PD index) with a fault to deliver */
    struct pd *send_head, *send_tail; /* callers waiting on this PD's endpoint */
    struct pd *waiting_on;    /* when BLOCKED_SEND: the callee */
    uint8_t send_channel;     /* when BLOCKED_SEND: the channel id at the callee */
    uint64_t send_msginfo;

    reply_kind_t reply_kind;  /* what SYS_RECV_REPLY answers */
    struct pd *reply_to;      /* the caller, or the faulting child */

    /* The last fault, as seL4 reports it: label and message registers. */
    uint64_t fault_label;
    uint64_t fault_mrs[5];
    uint32_t fault_mr_count;
    /* Debug output waits here until a whole line is ready, so the lines of
     * PDs that share the CPU never interleave on the console. */
    char console_line[PD_CONSOLE_LINE];
    uint32_t console_line_len;
} pd_t;

extern pd_t pd_table[IMAGE_MAX_PDS];
extern uint32_t pd_count;
extern pd_t *pd_current;

/* Puts the PD at its entry point with a fresh stack and clean registers. */
void pd_reset_thread(pd_t *pd, uint64_t entry);
/* Detaches the PD from every queue and IPC it is part of. */
void pd_detach(pd_t *pd);
/* A #NM from `pd`: true when it was the lazy FPU switch (now done), false for a real fault. */
bool pd_fpu_fault(pd_t *pd);
/* Switches to `pd` as the running PD: address space, frame, I/O ports, FPU trap. */
void pd_switch_to(pd_t *pd);

#endif
