/*
 * isolation test, parent (priority 200).
 *
 * Runs the hostile child's attacks (isolation.h) one per start. For each it
 * checks the outcome: the fault the attack must cause, with seL4's label and
 * the right address or exception number, or, for FORGE attacks, that every
 * ungranted id either faulted as Microkit allows or returned. At the end it
 * stops the child, asks the victim what it saw, and checks that the victim
 * and the parent itself saw nothing of the attacks.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "tests/kernel/isolation/isolation.h"

#define PD_ENTRY 0x200000

uintptr_t ctl;
uintptr_t report;

#define ISOLATION_NAME(name, expect) #name,
static const char *const attack_names[] = {ISOLATION_ATTACKS(ISOLATION_NAME)};
#undef ISOLATION_NAME
#define ISOLATION_EXPECT(name, expect) EXPECT_##expect,
static const uint8_t attack_expect[] = {ISOLATION_ATTACKS(ISOLATION_EXPECT)};
#undef ISOLATION_EXPECT

static uint64_t faults, forged_faults, forged_bad, unexpected_calls, unexpected_notifications;
static uint64_t forged_bad_in_attack; /* wrong faults in the current FORGE attack */
static bool finished_attacks;

static isolation_ctl_t *control(void)
{
    return (isolation_ctl_t *)ctl;
}

static void report_attack(uint64_t which, bool ok, const char *why, uint64_t value)
{
    char name[64] = "attack-";
    unsigned n = 7;
    for (const char *s = attack_names[which]; *s && n < sizeof name - 1; s++, n++)
        name[n] = *s == '_' ? '-' : *s;
    name[n] = 0;
    ktest_check(name, ok, why, value);
}

static void next_attack(void)
{
    isolation_ctl_t *c = control();
    uint64_t which = c->attack + 1;
    c->next_id = 0;
    c->expect_addr = 0;
    forged_bad_in_attack = 0;
    c->attack = which;
    if (which < ATTACK_COUNT) {
        microkit_pd_restart(ISOLATION_CHILD_ID, PD_ENTRY);
        return;
    }
    finished_attacks = true;
    microkit_pd_stop(ISOLATION_CHILD_ID);
    ktest_check_eq("forged-calls-all-contained", forged_bad, 0);
    ktest_figure("faults-seen", faults);
    ktest_figure("forged-calls-that-faulted", forged_faults);
    microkit_notify(ISOLATION_VICTIM_CH);
}

static void judge_fault(uint64_t which, uint64_t label)
{
    isolation_ctl_t *c = control();
    switch (attack_expect[which]) {
    case EXPECT_VMR:
    case EXPECT_VMW:
    case EXPECT_VMX: {
        /* x86 page-fault error code: bit 1 a write, bit 2 from user mode, bit 4 a fetch. */
        uint64_t fsr = microkit_mr_get(seL4_VMFault_FSR);
        bool write = attack_expect[which] == EXPECT_VMW, fetch = attack_expect[which] == EXPECT_VMX;
        if (label != seL4_Fault_VMFault)
            report_attack(which, false, "wrong fault label", label);
        else if (microkit_mr_get(seL4_VMFault_Addr) != c->expect_addr)
            report_attack(which, false, "wrong fault address", microkit_mr_get(seL4_VMFault_Addr));
        else if (!(fsr & 4) || !!(fsr & 2) != write || !!(fsr & 16) != fetch)
            report_attack(which, false, "wrong access in the fault status", fsr);
        else if ((microkit_mr_get(seL4_VMFault_PrefetchFault) != 0) != fetch)
            report_attack(which, false, "wrong PrefetchFault", microkit_mr_get(seL4_VMFault_PrefetchFault));
        else if (fetch && microkit_mr_get(seL4_VMFault_IP) != c->expect_addr)
            report_attack(which, false, "fetch fault at the wrong IP", microkit_mr_get(seL4_VMFault_IP));
        else
            report_attack(which, true, "", 0);
        break;
    }
    case EXPECT_GP:
    case EXPECT_UD:
    case EXPECT_DE: {
        uint64_t want = attack_expect[which] == EXPECT_GP ? 13 : attack_expect[which] == EXPECT_UD ? 6 : 0;
        if (label != seL4_Fault_UserException)
            report_attack(which, false, "wrong fault label", label);
        else if (microkit_mr_get(seL4_UserException_Number) != want)
            report_attack(which, false, "wrong exception number", microkit_mr_get(seL4_UserException_Number));
        else
            report_attack(which, true, "", 0);
        break;
    }
    default:
        break;
    }
}

void init(void)
{
    ktest_puts("isolation: parent starts\n");
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    isolation_ctl_t *c = control();
    uint64_t which = c->attack;
    uint64_t label = microkit_msginfo_get_label(msginfo);
    faults++;
    if (child != ISOLATION_CHILD_ID || which >= ATTACK_COUNT || c->started != which + 1) {
        ktest_check("faults-come-from-the-attack", false, "fault outside an attack, label", label);
        return seL4_False;
    }
    if (attack_expect[which] == EXPECT_FORGE) {
        /*
         * Microkit faults a call on a missing capability (seL4 raises a
         * capability fault) and crashes the PD on purpose at a small address
         * when an invocation returns an error; an I/O port access outside the
         * PD's grant is stopped by the hardware with a general-protection
         * fault. All three are containment.
         */
        forged_faults++;
        bool capfault = label == seL4_Fault_CapFault;
        bool runtime_crash = label == seL4_Fault_VMFault && microkit_mr_get(seL4_VMFault_Addr) < 0x1000;
        bool port_blocked = label == seL4_Fault_UserException &&
                            microkit_mr_get(seL4_UserException_Number) == 13;
        if (!capfault && !runtime_crash && !port_blocked) {
            forged_bad++;
            forged_bad_in_attack++;
            report_attack(which, false, "forged call raised fault label", label);
        }
        /* Carry on with the next id. */
        microkit_pd_restart(ISOLATION_CHILD_ID, PD_ENTRY);
        return seL4_False;
    }
    judge_fault(which, label);
    next_attack();
    return seL4_False;
}

void notified(microkit_channel ch)
{
    if (ch == ISOLATION_HOSTILE_CH && !finished_attacks) {
        uint64_t which = control()->attack;
        if (which >= ATTACK_COUNT)
            return;
        /* The child came back from its attack without faulting. */
        if (attack_expect[which] == EXPECT_FORGE)
            report_attack(which, forged_bad_in_attack == 0, "forged calls faulted with a wrong label",
                          forged_bad_in_attack);
        else
            report_attack(which, false, "the attack did not fault", 0);
        next_attack();
        return;
    }
    if (ch == ISOLATION_VICTIM_CH && finished_attacks) {
        isolation_report_t *r = (isolation_report_t *)report;
        ktest_check_eq("victim-reported", r->done, 1);
        ktest_check_eq("victim-saw-no-notification", r->notifications, 0);
        ktest_check_eq("victim-saw-no-call", r->calls, 0);
        ktest_check_eq("victim-secret-intact", r->secret_intact, 1);
        ktest_check_eq("victim-io-port-untouched", r->scratch, ISOLATION_SCRATCH_VALUE);
        ktest_check_eq("parent-saw-no-call", unexpected_calls, 0);
        ktest_check_eq("parent-saw-no-stray-notification", unexpected_notifications, 0);
        ktest_end();
        return;
    }
    unexpected_notifications++;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    (void)msginfo;
    unexpected_calls++;
    return microkit_msginfo_new(0, 0);
}
