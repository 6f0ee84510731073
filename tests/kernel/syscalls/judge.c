/*
 * syscalls test, judge (priority 200, parent of the fuzzer): waits for the
 * fuzzer to finish its random system calls and checks that it got there
 * without a fault, that the ticker still runs, and (through the harness)
 * that the kernel did not panic.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/syscalls/syscalls.h"

uintptr_t progress;

static uint64_t faults, stray;

void init(void)
{
    ktest_puts("syscalls: fuzzing starts\n");
}

void notified(microkit_channel ch)
{
    syscalls_progress_t *p = (syscalls_progress_t *)progress;
    if (ch != SYSCALLS_JUDGE_CH || p->done != SYSCALLS_DONE_MAGIC) {
        /* A random call may notify us; only the finished fuzzer counts. */
        stray++;
        return;
    }
    ktest_check_eq("every-random-syscall-returned", p->calls, SYSCALLS_CALLS);
    ktest_check_eq("no-fault-from-a-syscall", faults, 0);
    ktest_check("ticker-kept-running", p->ticks > 0, "ticks", p->ticks);
    ktest_figure("stray-notifications-from-random-calls", stray);
    ktest_end();
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    syscalls_progress_t *p = (syscalls_progress_t *)progress;
    faults++;
    ktest_check("fuzzer-never-faults", false, "fault label", microkit_msginfo_get_label(msginfo));
    ktest_puts("syscalls: fuzzer faulted after call ");
    ktest_put_dec(p->calls);
    ktest_puts(", address ");
    ktest_put_hex(microkit_mr_get(seL4_VMFault_Addr));
    ktest_puts("\n");
    microkit_pd_stop(child);
    ktest_end();
    return seL4_False;
}
