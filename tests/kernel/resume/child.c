/*
 * resume test, child (child 4 of parent, priority 150): divides by a divisor
 * it reads from shared memory in the faulting instruction itself. The divisor
 * is 0, so the division faults; the parent sets it and resumes the child,
 * which re-runs the same instruction and goes on. A value held in a callee-
 * saved register across the fault shows the registers were kept.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/resume/resume.h"

uintptr_t shared;

void init(void)
{
    resume_shared_t *s = (resume_shared_t *)shared;
    for (uint64_t round = 1; round <= RESUME_ROUNDS; round++) {
        uint64_t quotient = RESUME_DIVIDEND, high = 0;
        register uint64_t kept __asm__("rbx") = 0x5eed0000ull + round;
        __asm__ volatile("divq %[divisor]"
                         : "+a"(quotient), "+d"(high), "+r"(kept)
                         : [divisor] "m"(s->divisor)
                         : "memory");
        s->quotient = quotient;
        s->marker = kept;
        s->rounds = round;
        microkit_notify(0);
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
