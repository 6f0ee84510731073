/*
 * libmicrokit: the protection-domain API of seL4 Microkit 2.x, for x86_64.
 *
 * A PD provides init() and notified(), and protected() and fault() when it
 * serves calls or has children. The names, types, limits and the messages
 * printed for an invalid channel follow Microkit, so PD code written for
 * Microkit compiles here unchanged. The calls go to the substrate kernel
 * (kernel/abi/syscall.h) instead of seL4 capabilities; the kernel checks
 * every one of them itself, so the masks below only decide what this
 * library prints, never what a PD may do.
 */
#pragma once

#include <sel4/sel4.h>

typedef unsigned int microkit_channel;
typedef unsigned int microkit_child;
typedef unsigned int microkit_ioport;
typedef seL4_MessageInfo_t microkit_msginfo;

#define MICROKIT_MAX_CHANNELS 62
#define MICROKIT_MAX_CHANNEL_ID (MICROKIT_MAX_CHANNELS - 1)
#define MICROKIT_MAX_IOPORT_ID MICROKIT_MAX_CHANNELS
#define MICROKIT_PD_NAME_LENGTH 64

/* Kept for source compatibility with code that names Microkit's capability slots. */
#define MONITOR_EP 5
#define BASE_OUTPUT_NOTIFICATION_CAP 10
#define BASE_ENDPOINT_CAP 74
#define BASE_IRQ_CAP 138
#define BASE_TCB_CAP 202
#define BASE_IOPORT_CAP 394

/* User provided functions */
void init(void);
void notified(microkit_channel ch);
microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo);
seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo);

extern char microkit_name[MICROKIT_PD_NAME_LENGTH];
extern seL4_Bool microkit_passive;
extern seL4_Bool microkit_have_signal;
extern seL4_CPtr microkit_signal_cap;
extern seL4_MessageInfo_t microkit_signal_msg;

/* Patched by the builder with this PD's channels, IRQs, calls and I/O port ids. */
extern seL4_Word microkit_irqs;
extern seL4_Word microkit_notifications;
extern seL4_Word microkit_pps;
extern seL4_Word microkit_ioports;

void microkit_dbg_putc(int c);
void microkit_dbg_puts(const char *s);
void microkit_dbg_put8(seL4_Uint8 x);
void microkit_dbg_put32(seL4_Uint32 x);

/* The kernel's system calls (kernel/abi/syscall.h). */
#define MICROKIT_SYS_NOTIFY 1
#define MICROKIT_SYS_PPCALL 2
#define MICROKIT_SYS_IRQ_ACK 4
#define MICROKIT_SYS_PD_RESTART 5
#define MICROKIT_SYS_PD_STOP 6

static inline seL4_Word microkit_internal_syscall2(seL4_Word n, seL4_Word a, seL4_Word b)
{
    seL4_Word ret;
    __asm__ volatile("syscall" : "=a"(ret), "+D"(a), "+S"(b) : "a"(n) : "rcx", "r11", "rdx", "memory");
    return ret;
}

static inline void microkit_internal_crash(seL4_Error err)
{
    /* As Microkit: fault at the address `err`, so the report shows the error. */
    volatile int *x = (volatile int *)(seL4_Word)err;
    *x = 0;
}

static inline void microkit_internal_bad_id(const char *what, seL4_Uint32 id)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(what);
    microkit_dbg_put32(id);
    microkit_dbg_puts("'\n");
}

static inline void microkit_notify(microkit_channel ch)
{
    if (ch > MICROKIT_MAX_CHANNEL_ID || (microkit_notifications & (1ULL << ch)) == 0) {
        microkit_internal_bad_id(" microkit_notify: invalid channel given '", ch);
        return;
    }
    microkit_internal_syscall2(MICROKIT_SYS_NOTIFY, ch, 0);
}

static inline void microkit_irq_ack(microkit_channel ch)
{
    if (ch > MICROKIT_MAX_CHANNEL_ID || (microkit_irqs & (1ULL << ch)) == 0) {
        microkit_internal_bad_id(" microkit_irq_ack: invalid channel given '", ch);
        return;
    }
    microkit_internal_syscall2(MICROKIT_SYS_IRQ_ACK, ch, 0);
}

static inline void microkit_pd_restart(microkit_child pd, seL4_Word entry_point)
{
    seL4_Word err = microkit_internal_syscall2(MICROKIT_SYS_PD_RESTART, pd, entry_point);
    if (err != seL4_NoError) {
        microkit_dbg_puts("microkit_pd_restart: error writing TCB registers\n");
        microkit_internal_crash((seL4_Error)err);
    }
}

static inline void microkit_pd_stop(microkit_child pd)
{
    seL4_Word err = microkit_internal_syscall2(MICROKIT_SYS_PD_STOP, pd, 0);
    if (err != seL4_NoError) {
        microkit_dbg_puts("microkit_pd_stop: error writing TCB registers\n");
        microkit_internal_crash((seL4_Error)err);
    }
}

static inline microkit_msginfo microkit_ppcall(microkit_channel ch, microkit_msginfo msginfo)
{
    if (ch > MICROKIT_MAX_CHANNEL_ID || (microkit_pps & (1ULL << ch)) == 0) {
        microkit_internal_bad_id(" microkit_ppcall: invalid channel given '", ch);
        return seL4_MessageInfo_new(0, 0, 0, 0);
    }
    seL4_Word a = ch, b = msginfo.words[0], ret;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+D"(a), "+S"(b)
                     : "a"((seL4_Word)MICROKIT_SYS_PPCALL)
                     : "rcx", "r11", "rdx", "memory");
    microkit_msginfo reply;
    reply.words[0] = ret;
    return reply;
}

static inline microkit_msginfo microkit_msginfo_new(seL4_Word label, seL4_Uint16 count)
{
    return seL4_MessageInfo_new(label, 0, 0, count);
}

static inline seL4_Word microkit_msginfo_get_label(microkit_msginfo msginfo)
{
    return seL4_MessageInfo_get_label(msginfo);
}

static inline seL4_Word microkit_msginfo_get_count(microkit_msginfo msginfo)
{
    return seL4_MessageInfo_get_length(msginfo);
}

static inline void microkit_mr_set(seL4_Uint8 mr, seL4_Word value)
{
    seL4_SetMR(mr, value);
}

static inline seL4_Word microkit_mr_get(seL4_Uint8 mr)
{
    return seL4_GetMR(mr);
}

/*
 * I/O ports, as seL4's X86_IOPort invocations: the kernel checks that the
 * port lies in the range granted under the id and does the access. (Raw
 * in/out in the PD also works for exactly the granted ranges: the kernel
 * opens only those in the CPU's I/O permission bitmap.)
 */
#define MICROKIT_SYS_IOPORT_OUT 7
#define MICROKIT_SYS_IOPORT_IN 8

static inline seL4_Word microkit_internal_ioport_out(microkit_ioport id, seL4_Word port, seL4_Word data, seL4_Word width)
{
    seL4_Word ret, a = id, b = port, c = data;
    register seL4_Word w __asm__("r10") = width;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+D"(a), "+S"(b), "+d"(c), "+r"(w)
                     : "a"((seL4_Word)MICROKIT_SYS_IOPORT_OUT)
                     : "rcx", "r11", "memory");
    return ret;
}

static inline seL4_Word microkit_internal_ioport_in(microkit_ioport id, seL4_Word port, seL4_Word width, seL4_Word *data)
{
    seL4_Word ret, a = id, b = port, c = 0;
    register seL4_Word w __asm__("r10") = width;
    __asm__ volatile("syscall"
                     : "=a"(ret), "+D"(a), "+S"(b), "+d"(c), "+r"(w)
                     : "a"((seL4_Word)MICROKIT_SYS_IOPORT_IN)
                     : "rcx", "r11", "memory");
    *data = c;
    return ret;
}

#define MICROKIT_IOPORT_WRITE(bits)                                                                \
    static inline void microkit_x86_ioport_write_##bits(microkit_ioport ioport_id, seL4_Word port_addr, \
                                                       seL4_Word data)                             \
    {                                                                                              \
        if (ioport_id > MICROKIT_MAX_IOPORT_ID || (microkit_ioports & (1ULL << ioport_id)) == 0) { \
            microkit_internal_bad_id(" microkit_x86_ioport_write_" #bits ": invalid I/O Port ID given '", \
                                     ioport_id);                                                   \
            return;                                                                                \
        }                                                                                          \
        seL4_Word err = microkit_internal_ioport_out(ioport_id, port_addr, data, (bits) / 8);     \
        if (err != seL4_NoError) {                                                                 \
            microkit_dbg_puts("microkit_x86_ioport_write_" #bits ": error writing data\n");        \
            microkit_internal_crash((seL4_Error)err);                                              \
        }                                                                                          \
    }

#define MICROKIT_IOPORT_READ(bits)                                                                 \
    static inline seL4_Uint##bits microkit_x86_ioport_read_##bits(microkit_ioport ioport_id,       \
                                                                  seL4_Word port_addr)             \
    {                                                                                              \
        if (ioport_id > MICROKIT_MAX_IOPORT_ID || (microkit_ioports & (1ULL << ioport_id)) == 0) { \
            microkit_internal_bad_id(" microkit_x86_ioport_read_" #bits ": invalid I/O Port ID given '", \
                                     ioport_id);                                                   \
            return 0;                                                                              \
        }                                                                                          \
        seL4_Word v;                                                                               \
        seL4_Word err = microkit_internal_ioport_in(ioport_id, port_addr, (bits) / 8, &v);        \
        if (err != seL4_NoError) {                                                                 \
            microkit_dbg_puts("microkit_x86_ioport_read_" #bits ": error reading data\n");         \
            microkit_internal_crash((seL4_Error)err);                                              \
        }                                                                                          \
        return (seL4_Uint##bits)v;                                                                 \
    }

MICROKIT_IOPORT_WRITE(8)
MICROKIT_IOPORT_WRITE(16)
MICROKIT_IOPORT_WRITE(32)
MICROKIT_IOPORT_READ(8)
MICROKIT_IOPORT_READ(16)
MICROKIT_IOPORT_READ(32)

/*
 * Deferred calls: done by the event loop together with its next wait, as
 * Microkit does; at most one is outstanding, and a reply takes precedence.
 */
static inline void microkit_deferred_notify(microkit_channel ch)
{
    if (ch > MICROKIT_MAX_CHANNEL_ID || (microkit_notifications & (1ULL << ch)) == 0) {
        microkit_internal_bad_id(" microkit_deferred_notify: invalid channel given '", ch);
        return;
    }
    microkit_have_signal = seL4_True;
    microkit_signal_msg = seL4_MessageInfo_new(0, 0, 0, 0);
    microkit_signal_cap = BASE_OUTPUT_NOTIFICATION_CAP + ch;
}

static inline void microkit_deferred_irq_ack(microkit_channel ch)
{
    if (ch > MICROKIT_MAX_CHANNEL_ID || (microkit_irqs & (1ULL << ch)) == 0) {
        microkit_internal_bad_id(" microkit_deferred_irq_ack: invalid channel given '", ch);
        return;
    }
    microkit_have_signal = seL4_True;
    microkit_signal_msg = seL4_MessageInfo_new(0, 0, 0, 0);
    microkit_signal_cap = BASE_IRQ_CAP + ch;
}
