/* What the restart test's PDs share. */
#ifndef SUBSTRATE_TESTS_KERNEL_RESTART_H
#define SUBSTRATE_TESTS_KERNEL_RESTART_H

#include <stdint.h>

#define RESTART_COUNT 100
#define RESTART_CHILD_ID 1
#define RESTART_HEARTBEAT_CH 2       /* the parent's end */
#define RESTART_CRASH_ADDR 0x7770000ull /* unmapped in the crasher */
#define RESTART_BOOTS_BASE 1000      /* the crasher's boot counter starts here */
#define RESTART_ORPHAN_ADDR 0xdead0000ull
#define RESTART_BEAT_EVERY 4096      /* heartbeat iterations per notification */

typedef struct {
    volatile uint64_t boots;         /* crasher: its .data counter, copied out */
    volatile uint64_t first_rsp;     /* crasher: stack pointer in its first init() */
    volatile uint64_t rsp_mismatch;  /* crasher: later starts with another stack pointer */
} restart_crash_ctl_t;

typedef struct {
    volatile uint64_t count;         /* heartbeat: iterations so far */
} restart_beat_t;

#endif
