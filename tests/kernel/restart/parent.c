/*
 * restart test, parent (priority 200).
 *
 * Its child `crasher` faults in every init(). The parent checks each fault
 * (child id, seL4_Fault_VMFault, the address and an instruction pointer in
 * the child's code), waits until the priority-1 heartbeat has moved on, and
 * restarts the child at Microkit's entry point, RESTART_COUNT times. Then it
 * stops the child and checks:
 *   - the child's memory was kept across restarts (its .data counter grew);
 *   - every start had a fresh stack (the same stack pointer in init());
 *   - the heartbeat kept running, and a stopped child stays stopped.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/restart/restart.h"

/* Where Microkit links a PD's entry point; restarts go there as in Microkit's examples. */
#define PD_ENTRY 0x200000

uintptr_t crash_ctl;
uintptr_t beat;

static uint64_t faults, restarts, bad_child, bad_label, bad_addr, bad_ip;
static uint64_t beat_at_fault;
static uint64_t boots_at_stop;
static uint64_t beats_after_stop;
static bool restart_pending, stopped;

static restart_beat_t *heartbeat(void)
{
    return (restart_beat_t *)beat;
}

void init(void)
{
    ktest_puts("restart: parent starts\n");
}

static void finish(void)
{
    restart_crash_ctl_t *c = (restart_crash_ctl_t *)crash_ctl;
    ktest_check_eq("parent-saw-every-fault", faults, RESTART_COUNT + 1);
    ktest_check_eq("restarted-100-times", restarts, RESTART_COUNT);
    ktest_check_eq("fault-names-the-child", bad_child, 0);
    ktest_check_eq("fault-label-is-vmfault", bad_label, 0);
    ktest_check_eq("fault-address-right", bad_addr, 0);
    ktest_check_eq("fault-ip-in-child-code", bad_ip, 0);
    ktest_check_eq("child-memory-kept", boots_at_stop, RESTART_BOOTS_BASE + RESTART_COUNT + 1);
    ktest_check_eq("fresh-stack-on-restart", c->rsp_mismatch, 0);
    ktest_check_eq("stopped-child-stays-stopped", c->boots, boots_at_stop);
    ktest_check("heartbeat-kept-running", heartbeat()->count >= (RESTART_COUNT + 3) * RESTART_BEAT_EVERY,
                "heartbeat count", heartbeat()->count);
    ktest_end();
}

void notified(microkit_channel ch)
{
    if (ch != RESTART_HEARTBEAT_CH)
        return;
    if (stopped) {
        /* Give a stopped child the chance to misbehave before judging. */
        if (++beats_after_stop == 3)
            finish();
        return;
    }
    if (restart_pending && heartbeat()->count > beat_at_fault) {
        restart_pending = false;
        restarts++;
        microkit_pd_restart(RESTART_CHILD_ID, PD_ENTRY);
    }
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    faults++;
    if (child != RESTART_CHILD_ID)
        bad_child++;
    if (microkit_msginfo_get_label(msginfo) != seL4_Fault_VMFault)
        bad_label++;
    if (microkit_mr_get(seL4_VMFault_Addr) != RESTART_CRASH_ADDR)
        bad_addr++;
    uint64_t ip = microkit_mr_get(seL4_VMFault_IP);
    if (ip < PD_ENTRY || ip >= PD_ENTRY + 0x100000)
        bad_ip++;
    beat_at_fault = heartbeat()->count;
    if (faults <= RESTART_COUNT) {
        restart_pending = true;
    } else {
        microkit_pd_stop(child);
        stopped = true;
        boots_at_stop = ((restart_crash_ctl_t *)crash_ctl)->boots;
    }
    /* The child is restarted or stopped, never resumed where it faulted. */
    return seL4_False;
}
