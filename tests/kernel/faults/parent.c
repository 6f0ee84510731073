/*
 * faults test, parent (priority 100): its three children (priorities 150,
 * 160, 170) fault before the parent first runs, so all three faults wait for
 * it at once. Each must arrive, once, with its child's id, seL4_Fault_VMFault
 * and the address that child wrote to (0x1000000 times its id).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

static unsigned seen_mask, faults, wrong;

void init(void)
{
    ktest_puts("faults: parent runs\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    faults++;
    bool right = child >= 1 && child <= 3 && microkit_msginfo_get_label(msginfo) == seL4_Fault_VMFault &&
                 microkit_mr_get(seL4_VMFault_Addr) == 0x1000000ull * child && !(seen_mask & (1u << child));
    if (right)
        seen_mask |= 1u << child;
    else
        wrong++;
    microkit_pd_stop(child);
    if (faults == 3) {
        ktest_check_eq("every-child-fault-arrives", seen_mask, 0xe);
        ktest_check_eq("each-fault-names-its-child-and-address", wrong, 0);
        ktest_end();
    }
    return seL4_False;
}
