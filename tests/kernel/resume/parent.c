/*
 * resume test, parent (priority 200).
 *
 * Each round its child divides by zero (see child.c). The parent checks the
 * fault (seL4_Fault_UserException, divide error, an IP in the child's code),
 * sets a non-zero divisor and answers seL4_True, which resumes the child at
 * the faulting instruction. The child then reports the quotient, which is
 * right only if the division really ran again, and a register it held
 * across the fault. Then the parent sets the divisor back to zero for the
 * next round.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/resume/resume.h"

#define CHILD_ID 4
#define CHILD_CH 1

uintptr_t shared;

static uint64_t faults, bad_faults, bad_results, divisor = 1;

void init(void)
{
    ktest_puts("resume: parent starts\n");
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    resume_shared_t *s = (resume_shared_t *)shared;
    faults++;
    uint64_t ip = microkit_mr_get(seL4_UserException_FaultIP);
    if (child != CHILD_ID || microkit_msginfo_get_label(msginfo) != seL4_Fault_UserException ||
        microkit_mr_get(seL4_UserException_Number) != 0 || ip < 0x200000 || ip >= 0x300000)
        bad_faults++;
    divisor = divisor * 3 + 1;
    s->divisor = divisor;
    *reply_msginfo = microkit_msginfo_new(0, 0);
    return seL4_True;
}

void notified(microkit_channel ch)
{
    resume_shared_t *s = (resume_shared_t *)shared;
    if (ch != CHILD_CH)
        return;
    uint64_t round = s->rounds;
    if (s->quotient != RESUME_DIVIDEND / divisor || s->marker != 0x5eed0000ull + round)
        bad_results++;
    s->divisor = 0;
    if (round < RESUME_ROUNDS)
        return;
    ktest_check_eq("every-division-faulted", faults, RESUME_ROUNDS);
    ktest_check_eq("fault-is-a-divide-error-in-child-code", bad_faults, 0);
    ktest_check_eq("resumed-at-the-faulting-instruction", bad_results, 0);
    ktest_end();
}
