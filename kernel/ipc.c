/*
 * IPC with Microkit's semantics.
 *
 * Notifications are bits: signalling sets the receiver's bit for that
 * channel, and a waiting receiver gets every pending bit at once, so repeated
 * signals coalesce. A protected call goes only to a PD of strictly higher
 * priority, which therefore runs as soon as it is ready; when the callee is
 * waiting the message moves directly and the caller blocks for the reply,
 * otherwise the caller queues on the callee's endpoint. A passive callee runs
 * on its caller's scheduling context and gives it back with the reply.
 *
 * Every operation checks the channel against the builder's table for the
 * calling PD, never against anything the PD can write. Message words move
 * between IPC buffers through the kernel's direct map, at most SYS_MSG_MAX;
 * no user pointer is ever followed.
 */
#include "kernel/ipc.h"

#include "kernel/abi/syscall.h"
#include "kernel/console.h"
#include "kernel/irq.h"
#include "kernel/klib.h"
#include "kernel/sched.h"
#include "tools/sdf/sdf.h"

#define MSGINFO_LEN(m) ((m) & 0x7Full)
#define MSGINFO_LABEL(m) ((m) >> 12)

static uint64_t msginfo_clamp(uint64_t m)
{
    uint64_t len = MSGINFO_LEN(m);
    if (len > SYS_MSG_MAX)
        len = SYS_MSG_MAX;
    return (MSGINFO_LABEL(m) << 12) | len;
}

static uint64_t *ipc_msg(const pd_t *pd)
{
    return (uint64_t *)(pd->ipc_buffer + 8); /* seL4_IPCBuffer.msg[0] follows the tag */
}

static void copy_mrs(const pd_t *from, pd_t *to, uint64_t msginfo)
{
    uint64_t len = MSGINFO_LEN(msginfo);
    if (len)
        k_memcpy(ipc_msg(to), ipc_msg(from), len * 8);
}

static void take_call(pd_t *callee, pd_t *caller)
{
    copy_mrs(caller, callee, caller->send_msginfo);
    callee->frame.rax = SYS_EVENT_PPCALL;
    callee->frame.rsi = caller->send_channel;
    callee->frame.rdx = caller->send_msginfo;
    callee->reply_kind = REPLY_CALLER;
    callee->reply_to = caller;
    caller->state = PD_BLOCKED_REPLY;
    caller->waiting_on = 0;
    if (callee->passive && !callee->has_own_sc_bound)
        callee->sc = caller->sc;
}

static void take_fault(pd_t *parent, pd_t *child)
{
    parent->pending_faults &= ~(1ull << child->index);
    k_memcpy(ipc_msg(parent), child->fault_mrs, child->fault_mr_count * 8);
    parent->frame.rax = SYS_EVENT_FAULT;
    parent->frame.rsi = child->desc->child_id;
    parent->frame.rdx = (child->fault_label << 12) | child->fault_mr_count;
    parent->reply_kind = REPLY_FAULT;
    parent->reply_to = child;
    if (!parent->sc)
        parent->sc = child->sc;
}

/* Gives a receiving PD its next event, if any; true when it got one. */
static bool deliver(pd_t *pd)
{
    if (pd->pending_faults) {
        uint32_t i = (uint32_t)__builtin_ctzll(pd->pending_faults);
        take_fault(pd, &pd_table[i]);
        return true;
    }
    if (pd->send_head) {
        pd_t *caller = pd->send_head;
        pd->send_head = caller->next;
        if (!pd->send_head)
            pd->send_tail = 0;
        caller->next = 0;
        take_call(pd, caller);
        return true;
    }
    if (pd->pending_notify && pd->sc) {
        pd->frame.rax = SYS_EVENT_NOTIFY;
        pd->frame.rsi = pd->pending_notify;
        pd->frame.rdx = 0;
        pd->pending_notify = 0;
        return true;
    }
    return false;
}

static void wake_if_waiting(pd_t *pd)
{
    if (pd->state == PD_BLOCKED_RECV && deliver(pd))
        sched_make_ready(pd);
}

static bool passive_idle(const pd_t *pd)
{
    return pd->passive && !pd->has_own_sc_bound;
}

void ipc_signal(pd_t *target, uint32_t bit, const pd_t *donor)
{
    target->pending_notify |= 1ull << bit;
    /* A waiting passive PD handles a notification on its notifier's time. */
    if (target->state == PD_BLOCKED_RECV && passive_idle(target) && !target->sc && donor && donor->sc)
        target->sc = donor->sc;
    wake_if_waiting(target);
}

static const image_channel_t *channel_of(const pd_t *cur, uint64_t channel, uint8_t need)
{
    if (channel >= IMAGE_MAX_CHANNELS)
        return 0;
    const image_channel_t *c = &cur->desc->channels[channel];
    if (c->peer == IMAGE_NONE || c->peer >= pd_count || !(c->flags & need))
        return 0;
    return c;
}

uint64_t ipc_notify(pd_t *cur, uint64_t channel)
{
    const image_channel_t *c = channel_of(cur, channel, IMAGE_CH_NOTIFY);
    if (!c)
        return SYS_ECAP;
    ipc_signal(&pd_table[c->peer], c->peer_id, cur);
    return SYS_OK;
}

void ipc_ppcall(pd_t *cur, uint64_t channel, uint64_t msginfo)
{
    const image_channel_t *c = channel_of(cur, channel, IMAGE_CH_PP);
    if (!c || pd_table[c->peer].priority <= cur->priority) {
        cur->frame.rax = 0; /* an empty reply, as Microkit gives on a bad channel */
        cur->frame.rdx = SYS_ECAP;
        return;
    }
    pd_t *callee = &pd_table[c->peer];
    cur->send_channel = c->peer_id;
    cur->send_msginfo = msginfo_clamp(msginfo);
    cur->frame.rdx = SYS_OK;
    if (callee->state == PD_BLOCKED_RECV) {
        take_call(callee, cur);
        sched_make_ready(callee);
        return;
    }
    cur->state = PD_BLOCKED_SEND;
    cur->waiting_on = callee;
    cur->next = 0;
    if (callee->send_tail)
        callee->send_tail->next = cur;
    else
        callee->send_head = cur;
    callee->send_tail = cur;
}

static void reply(pd_t *cur, uint64_t msginfo)
{
    pd_t *to = cur->reply_to;
    reply_kind_t kind = cur->reply_kind;
    cur->reply_kind = REPLY_NONE;
    cur->reply_to = 0;
    if (kind == REPLY_CALLER && to && to->state == PD_BLOCKED_REPLY) {
        msginfo = msginfo_clamp(msginfo);
        copy_mrs(cur, to, msginfo);
        to->frame.rax = msginfo;
        to->frame.rdx = SYS_OK;
        sched_make_ready(to);
    } else if (kind == REPLY_FAULT && to && to->state == PD_FAULTED) {
        sched_make_ready(to);
    }
    /* A passive PD gives its caller's (or faulting child's) time back with the reply. */
    cur->sc = (cur->passive && !cur->has_own_sc_bound) ? 0 : &cur->own_sc;
}

void ipc_recv(pd_t *cur, uint64_t action, uint64_t arg)
{
    if (action == SYS_RECV_REPLY)
        reply(cur, arg);
    else if (action == SYS_RECV_NOTIFY)
        (void)ipc_notify(cur, arg);
    else if (action == SYS_RECV_IRQ_ACK)
        (void)ipc_irq_ack(cur, arg);
    if (cur->passive) {
        /*
         * A passive PD's first wait ends its init: from then on it runs only on
         * the time of whoever calls or notifies it, and gives it back here.
         */
        cur->has_own_sc_bound = false;
        cur->sc = 0;
    }
    if (deliver(cur))
        return;
    cur->state = PD_BLOCKED_RECV;
}

static pd_t *child_of(const pd_t *cur, uint64_t child_id)
{
    if (child_id >= IMAGE_MAX_CHANNELS)
        return 0;
    uint8_t idx = cur->desc->children[child_id];
    if (idx == IMAGE_NONE || idx >= pd_count || pd_table[idx].desc->parent != cur->index)
        return 0;
    return &pd_table[idx];
}

uint64_t ipc_pd_restart(pd_t *cur, uint64_t child_id, uint64_t entry)
{
    pd_t *child = child_of(cur, child_id);
    if (!child)
        return SYS_ECAP;
    if (entry >= SDF_PD_RESERVED_BASE)
        return SYS_EINVAL;
    pd_detach(child);
    pd_reset_thread(child, entry);
    child->sc = &child->own_sc;
    child->has_own_sc_bound = true;
    sched_make_ready(child);
    return SYS_OK;
}

uint64_t ipc_pd_stop(pd_t *cur, uint64_t child_id)
{
    pd_t *child = child_of(cur, child_id);
    if (!child)
        return SYS_ECAP;
    pd_detach(child);
    child->state = PD_STOPPED;
    return SYS_OK;
}

static const char *fault_name(const pd_t *pd)
{
    if (pd->fault_label == 6)
        return "page fault";
    switch (pd->fault_mrs[3]) {
    case 0: return "divide error";
    case 6: return "invalid opcode";
    case 13: return "general protection fault";
    case 3: return "breakpoint";
    case 17: return "alignment check";
    default: return "exception";
    }
}

void ipc_fault(pd_t *pd)
{
    /* The PD keeps its place in any call it was serving until its parent decides. */
    pd->state = PD_FAULTED;
    if (pd->desc->parent != IMAGE_NONE) {
        pd_t *parent = &pd_table[pd->desc->parent];
        parent->pending_faults |= 1ull << pd->index;
        wake_if_waiting(parent);
        return;
    }
    console_puts("substrate: PD '");
    console_puts(pd->desc->name);
    console_puts("' stopped: ");
    console_puts(fault_name(pd));
    if (pd->fault_label == 6) {
        console_puts(" at address ");
        console_hex(pd->fault_mrs[1]);
        console_puts(" ip ");
        console_hex(pd->fault_mrs[0]);
    } else {
        console_puts(" (vector ");
        console_dec(pd->fault_mrs[3]);
        console_puts(") ip ");
        console_hex(pd->fault_mrs[0]);
    }
    console_puts("\n");
    pd_detach(pd);
    pd->state = PD_STOPPED;
}

/*
 * The fast path for the two halves of a protected call: a call to a callee
 * that is waiting, and a reply to a caller when the replying PD then has
 * nothing else to receive. Everything it does is what the general path
 * would do, minus the ready-queue work: on a call the callee has strictly
 * higher priority than any ready PD (the caller was running), and on a
 * reply the scheduler check proves the caller is the highest. Any other
 * case returns false and takes the general path.
 */
bool ipc_fastpath(pd_t *cur)
{
    arch_frame_t *f = &cur->frame;
    if (f->rax == SYS_PPCALL) {
        const image_channel_t *c = channel_of(cur, f->rdi, IMAGE_CH_PP);
        if (!c)
            return false;
        pd_t *callee = &pd_table[c->peer];
        const sched_context_t *next_sc = (callee->passive && !callee->has_own_sc_bound) ? cur->sc : callee->sc;
        if (callee->state != PD_BLOCKED_RECV || callee->priority <= cur->priority || !next_sc ||
            next_sc->throttled || !sched_fast_switch_ok(cur, cur->priority))
            return false;
        cur->send_channel = c->peer_id;
        cur->send_msginfo = msginfo_clamp(f->rsi);
        f->rdx = SYS_OK;
        take_call(callee, cur);
        callee->state = PD_READY;
        callee->sc->holder = callee;
        sched_fast_switch(callee, callee->sc == cur->sc);
        return true;
    }
    if (f->rax == SYS_RECV && f->rdi == SYS_RECV_REPLY && cur->reply_kind == REPLY_CALLER) {
        pd_t *caller = cur->reply_to;
        if (!caller || caller->state != PD_BLOCKED_REPLY || cur->pending_faults || cur->send_head ||
            cur->pending_notify || (cur->passive && cur->has_own_sc_bound) || !caller->sc ||
            caller->sc->throttled || !sched_fast_switch_ok(cur, caller->priority))
            return false;
        uint64_t msginfo = msginfo_clamp(f->rsi);
        copy_mrs(cur, caller, msginfo);
        caller->frame.rax = msginfo;
        caller->frame.rdx = SYS_OK;
        caller->state = PD_READY;
        caller->sc->holder = caller;
        cur->reply_kind = REPLY_NONE;
        cur->reply_to = 0;
        bool same = cur->sc == caller->sc;
        cur->sc = cur->passive ? 0 : &cur->own_sc;
        cur->state = PD_BLOCKED_RECV;
        sched_fast_switch(caller, same);
        return true;
    }
    return false;
}
