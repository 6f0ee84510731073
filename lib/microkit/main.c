/*
 * libmicrokit's runtime: the PD's globals, the debug console, and the event
 * loop that turns kernel events into init(), notified(), protected() and
 * fault() calls.
 *
 * The loop waits with one system call that first replies (to a protected
 * call, or to a child's fault when fault() asked for it) or performs the
 * pending deferred notify or IRQ ack, exactly as Microkit combines them
 * with its receive. Notification bits arrive together and are dispatched
 * lowest channel first.
 */
#include <microkit.h>
#include "lib/text/text.h"

#define SYS_PUTC 0
#define SYS_RECV 3
#define SYS_RECV_NONE 0
#define SYS_RECV_REPLY 1
#define SYS_RECV_NOTIFY 2
#define SYS_RECV_IRQ_ACK 3
#define SYS_EVENT_NOTIFY 1
#define SYS_EVENT_PPCALL 2
#define SYS_EVENT_FAULT 3

void microkit_main(void);

/* Patched by the builder; kept in .data so they are in the ELF file. */
char microkit_name[MICROKIT_PD_NAME_LENGTH] __attribute__((section(".data")));
seL4_Bool microkit_passive __attribute__((section(".data")));
seL4_Word microkit_irqs __attribute__((section(".data")));
seL4_Word microkit_notifications __attribute__((section(".data")));
seL4_Word microkit_pps __attribute__((section(".data")));
seL4_Word microkit_ioports __attribute__((section(".data")));

seL4_Bool microkit_have_signal = seL4_False;
seL4_CPtr microkit_signal_cap;
seL4_MessageInfo_t microkit_signal_msg;

seL4_IPCBuffer *__sel4_ipc_buffer = (seL4_IPCBuffer *)SUBSTRATE_IPC_BUFFER_VADDR;

/* Provided by microkit.ld. */
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

__attribute__((weak)) void notified(microkit_channel ch)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(" notified() called but not provided, channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
}

__attribute__((weak)) microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)msginfo;
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(" protected() called but not provided, channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
    return seL4_MessageInfo_new(0, 0, 0, 0);
}

__attribute__((weak)) seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)msginfo;
    (void)reply_msginfo;
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(" fault() called but not provided, child ");
    microkit_dbg_put32(child);
    microkit_dbg_puts("\n");
    return seL4_False;
}

void microkit_dbg_putc(int c)
{
    seL4_Word n = SYS_PUTC, a = (seL4_Word)(unsigned char)c;
    __asm__ volatile("syscall" : "+a"(n), "+D"(a) : : "rcx", "r11", "rsi", "rdx", "memory");
}

void microkit_dbg_puts(const char *s)
{
    while (*s)
        microkit_dbg_putc(*s++);
}

void microkit_dbg_put8(seL4_Uint8 x)
{
    microkit_dbg_put32(x);
}

void microkit_dbg_put32(seL4_Uint32 x)
{
    char buf[TEXT_DECIMAL_SIZE];
    microkit_dbg_puts(text_decimal(buf, x));
}

static seL4_Word recv(seL4_Word action, seL4_Word arg, seL4_Word *value, seL4_Word *info)
{
    seL4_Word event = SYS_RECV, a = action, b = arg, c;
    __asm__ volatile("syscall" : "+a"(event), "+D"(a), "+S"(b), "=d"(c) : : "rcx", "r11", "memory");
    *value = b;
    *info = c;
    return event;
}

static void handler_loop(void)
{
    seL4_Bool have_reply = seL4_False;
    microkit_msginfo reply_tag = seL4_MessageInfo_new(0, 0, 0, 0);
    for (;;) {
        seL4_Word action = SYS_RECV_NONE, arg = 0, value, info;
        if (have_reply) {
            action = SYS_RECV_REPLY;
            arg = reply_tag.words[0];
        } else if (microkit_have_signal) {
            seL4_CPtr cap = microkit_signal_cap;
            if (cap >= BASE_IRQ_CAP && cap < BASE_IRQ_CAP + MICROKIT_MAX_CHANNELS) {
                action = SYS_RECV_IRQ_ACK;
                arg = cap - BASE_IRQ_CAP;
            } else {
                action = SYS_RECV_NOTIFY;
                arg = cap - BASE_OUTPUT_NOTIFICATION_CAP;
            }
            microkit_have_signal = seL4_False;
        }
        seL4_Word event = recv(action, arg, &value, &info);
        have_reply = seL4_False;
        microkit_msginfo msginfo;
        msginfo.words[0] = info;
        if (event == SYS_EVENT_NOTIFY) {
            for (unsigned int ch = 0; value; ch++, value >>= 1)
                if (value & 1)
                    notified(ch);
        } else if (event == SYS_EVENT_PPCALL) {
            reply_tag = protected((microkit_channel)value, msginfo);
            have_reply = seL4_True;
        } else if (event == SYS_EVENT_FAULT) {
            have_reply = fault((microkit_child)value, msginfo, &reply_tag);
        }
    }
}

void microkit_main(void)
{
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++)
        (*f)();
    init();
    handler_loop();
}
