/*
 * client: calls the passive server, starts the ping-pong game, restarts its
 * crashed child, and, once everything has happened, ends the run through
 * QEMU's isa-debug-exit device (I/O port 0xf4, granted as ioport 0).
 */
#include <microkit.h>

#define SERVER 0
#define PING 1
#define WORKER 2
#define EXIT_IOPORT 0
#define EXIT_PORT 0xf4

static unsigned int done;

static void finish_if_done(void)
{
    if (done != 3)
        return;
    microkit_dbg_puts("default: all protection domains started and talked\n");
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
