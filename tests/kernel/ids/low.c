/*
 * ids test, low (priority 100).
 *
 * Calls the high PD on channels 0 and 61 (which arrive there as 61 and 0),
 * notifies it on channel 0 and expects notifications back on both 0 and 61
 * in one delivery, lowest id first as Microkit dispatches them, and sees its
 * child 61 fault with that id.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

static unsigned order[4], seen;
static bool child_fault_seen;

void init(void)
{
    microkit_msginfo r = microkit_ppcall(0, microkit_msginfo_new(0, 0));
    ktest_check_eq("call-on-channel-0-arrives-on-61", microkit_mr_get(0), 61);
    ktest_check_eq("reply-label-on-channel-0", microkit_msginfo_get_label(r), 61);
    r = microkit_ppcall(61, microkit_msginfo_new(0, 0));
    ktest_check_eq("call-on-channel-61-arrives-on-0", microkit_mr_get(0), 0);
    ktest_check_eq("reply-label-on-channel-61", microkit_msginfo_get_label(r), 0);
    microkit_notify(0);
}

/* The child runs only once this PD waits, so the two ends come in either order. */
static void maybe_finish(void)
{
    if (seen < 2 || !child_fault_seen)
        return;
    ktest_check_eq("two-notifications", seen, 2);
    ktest_check("channel-0-then-61", order[0] == 0 && order[1] == 61, "first channel", order[0]);
    ktest_end();
}

void notified(microkit_channel ch)
{
    if (seen < 4)
        order[seen] = ch;
    seen++;
    maybe_finish();
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    ktest_check_eq("fault-from-child-61", child, 61);
    ktest_check_eq("child-61-fault-address", microkit_mr_get(seL4_VMFault_Addr), 0x6100000);
    (void)msginfo;
    child_fault_seen = true;
    microkit_pd_stop(child);
    maybe_finish();
    return seL4_False;
}
