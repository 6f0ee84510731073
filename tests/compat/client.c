/*
 * The example's client: says hello, calls the server with a message, lets
 * the server notify it back, restarts its crashing child a few times, then
 * reports and ends the run on QEMU's exit device.
 */
#include <stdint.h>
#include <microkit.h>

#define SERVER 1
#define CRASHER 1
#define RESTARTS 3

uintptr_t shared_vaddr;
uint64_t exit_ioport_id;
uint64_t exit_ioport_addr;

static int failures;
static int crashes;

static void put_dec(seL4_Word v)
{
    char buf[24];
    int i = sizeof(buf) - 1;
    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v && i > 0);
    microkit_dbg_puts(&buf[i]);
}

static void expect(const char *what, seL4_Word got, seL4_Word want)
{
    microkit_dbg_puts("client: ");
    microkit_dbg_puts(what);
    microkit_dbg_puts(got == want ? " ok\n" : " WRONG\n");
    if (got != want)
        failures++;
}

void init(void)
{
    microkit_dbg_puts("hello, world. my name is ");
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts("\n");

    volatile char *text = (volatile char *)shared_vaddr;
    const char *msg = "via shared memory";
    for (int i = 0; msg[i]; i++)
        text[i] = msg[i];

    microkit_mr_set(0, 20);
    microkit_mr_set(1, 22);
    microkit_msginfo reply = microkit_ppcall(SERVER, microkit_msginfo_new(7, 2));
    expect("reply label", microkit_msginfo_get_label(reply), 8);
    expect("reply count", microkit_msginfo_get_count(reply), 1);
    expect("reply sum", microkit_mr_get(0), 42);
    /* The passive server answers a notification on our time. */
    microkit_notify(SERVER);
}

void notified(microkit_channel ch)
{
    if (ch == SERVER)
        microkit_dbg_puts("client: notified by the server\n");
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    return microkit_msginfo_new(0, 0);
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    crashes++;
    microkit_dbg_puts("client: child ");
    put_dec(child);
    microkit_dbg_puts(" faulted at ");
    put_dec(microkit_mr_get(seL4_VMFault_Addr));
    microkit_dbg_puts("\n");
    expect("fault label", microkit_msginfo_get_label(msginfo), seL4_Fault_VMFault);
    if (crashes <= RESTARTS) {
        microkit_pd_restart(child, 0x200000);
        return seL4_False;
    }
    microkit_pd_stop(child);
    microkit_dbg_puts(failures ? "client: FAILED\n" : "client: all done\n");
    microkit_x86_ioport_write_8(exit_ioport_id, exit_ioport_addr, failures ? 1 : 0);
    return seL4_False;
}
