/*
 * client: calls the passive server, starts the ping-pong game, restarts its
 * crashed child, and, once everything has happened and the network has then
 * been idle for DEFAULT_OS_IDLE_S seconds, ends the run through QEMU's
 * isa-debug-exit device (I/O port 0xf4, granted as ioport 0). The echo
 * service notifies on each burst of network traffic; the idle time is kept
 * by the timer driver (protected calls, ddf/timer.h). DEFAULT_OS_IDLE_S 0
 * keeps the system up until QEMU is stopped.
 */
#include <microkit.h>

#include "ddf/timer.h"

#define SERVER 0
#define PING 1
#define WORKER 2
#define TIMER 3
#define NET_ACTIVITY 4
#define EXIT_IOPORT 0
#define EXIT_PORT 0xf4

#ifndef DEFAULT_OS_IDLE_S
#define DEFAULT_OS_IDLE_S 10
#endif
#define IDLE_NS ((uint64_t)DEFAULT_OS_IDLE_S * 1000000000ull)

static unsigned int done;
static uint64_t deadline; /* ns of timer time; the run ends after it */

static uint64_t timer_now(void)
{
    microkit_msginfo reply = microkit_ppcall(TIMER, microkit_msginfo_new(TIMER_GET_TIME, 0));
    (void)reply;
    return microkit_mr_get(0);
}

static void arm(uint64_t now)
{
    microkit_mr_set(0, deadline > now ? deadline - now : 0);
    (void)microkit_ppcall(TIMER, microkit_msginfo_new(TIMER_SET_TIMEOUT, 1));
}

/* Moves the end of the run to IDLE_NS from now. */
static void extend(void)
{
    if (DEFAULT_OS_IDLE_S == 0)
        return;
    uint64_t now = timer_now();
    deadline = now + IDLE_NS;
    arm(now);
}

static void finish_if_done(void)
{
    if (done != 3)
        return;
    microkit_dbg_puts("default: all protection domains started and talked\n");
    if (DEFAULT_OS_IDLE_S == 0) {
        microkit_dbg_puts("default: serving the network until QEMU is stopped\n");
        return;
    }
    microkit_dbg_puts("default: serving the network; the run ends after ");
    microkit_dbg_put32(DEFAULT_OS_IDLE_S);
    microkit_dbg_puts(" s without traffic\n");
    extend();
}

static void timed_out(void)
{
    if (done != 3 || DEFAULT_OS_IDLE_S == 0)
        return;
    uint64_t now = timer_now();
    if (now < deadline) {
        arm(now); /* a stale notification: the deadline moved */
        return;
    }
    microkit_dbg_puts("default: network idle, ending the run\n");
    microkit_x86_ioport_write_32(EXIT_IOPORT, EXIT_PORT, 0);
}

void init(void)
{
    microkit_dbg_puts("client: calling the server with 20 and 22\n");
    microkit_mr_set(0, 20);
    microkit_mr_set(1, 22);
    microkit_msginfo reply = microkit_ppcall(SERVER, microkit_msginfo_new(7, 2));
    microkit_dbg_puts("client: server replied ");
    microkit_dbg_put32((seL4_Uint32)microkit_mr_get(0));
    microkit_dbg_puts(" (label ");
    microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_label(reply));
    microkit_dbg_puts(")\n");
    microkit_notify(PING);
}

void notified(microkit_channel ch)
{
    if (ch == PING) {
        microkit_dbg_puts("client: ping-pong finished\n");
        done++;
        finish_if_done();
    } else if (ch == WORKER) {
        microkit_dbg_puts("client: worker is healthy after its restart\n");
        done++;
        finish_if_done();
    } else if (ch == TIMER) {
        timed_out();
    } else if (ch == NET_ACTIVITY) {
        if (done == 3)
            extend();
    }
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)reply_msginfo;
    microkit_dbg_puts("client: child ");
    microkit_dbg_put32(child);
    if (microkit_msginfo_get_label(msginfo) == seL4_Fault_VMFault) {
        microkit_dbg_puts(" page fault at address ");
        microkit_dbg_put32((seL4_Uint32)microkit_mr_get(seL4_VMFault_Addr));
    } else {
        microkit_dbg_puts(" fault label ");
        microkit_dbg_put32((seL4_Uint32)microkit_msginfo_get_label(msginfo));
    }
    microkit_dbg_puts("; restarting it\n");
    microkit_pd_restart(child, 0x200000);
    done++;
    finish_if_done();
    return seL4_False;
}
