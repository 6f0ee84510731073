/*
 * irq test, uart (priority 150): drives COM2 so that it interrupts on
 * demand, and checks how the interrupt reaches this PD.
 *
 * COM2 raises its line when its transmit-empty interrupt is enabled while
 * the transmitter is empty, and lowers it when IIR is read; toggling IER
 * off and on makes a fresh rising edge. Three phases:
 *   A  IRQ_ROUNDS interrupts, each acknowledged in the handler;
 *   B  MASK_ROUNDS interrupts left unacknowledged while the device raises a
 *      new edge: nothing may arrive until microkit_irq_ack;
 *   C  DEFERRED_ROUNDS interrupts acknowledged with microkit_deferred_irq_ack:
 *      the next edge, raised once the handler has returned, must arrive.
 * The priority-100 helper answers every notification this PD sends it, and
 * can only do so while this PD waits. Two answers in a row with no interrupt
 * between them mean an interrupt was lost.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define UART_IOPORT 0
#define COM2 0x2f8
#define UART_IER (COM2 + 1)
#define UART_IIR (COM2 + 2)
#define UART_LCR (COM2 + 3)
#define UART_MCR (COM2 + 4)
#define IER_THRI 0x02
#define IIR_THRI 0x02

#define IRQ_CH 1
#define HELPER_CH 2

#define IRQ_ROUNDS 1000
#define MASK_ROUNDS 100
#define DEFERRED_ROUNDS 100

enum state { A_WAIT, B_UNACKED, B_WAIT, C_ACKED, C_WAIT, DONE };

static enum state state;
static uint64_t irqs, rounds_a, rounds_b, rounds_c;
static uint64_t bad_iir, while_masked, stray, lost;
static uint64_t irqs_at_last_answer = ~0ull;

static void outb(uint16_t port, uint8_t v)
{
    microkit_x86_ioport_write_8(UART_IOPORT, port, v);
}

static uint8_t inb(uint16_t port)
{
    return microkit_x86_ioport_read_8(UART_IOPORT, port);
}

/* A fresh rising edge on the interrupt line. */
static void raise_edge(void)
{
    outb(UART_IER, 0);
    outb(UART_IER, IER_THRI);
}

static void ask_helper(void)
{
    microkit_notify(HELPER_CH);
}

static void finish(void)
{
    state = DONE;
    outb(UART_IER, 0);
    ktest_check_eq("ioapic-irqs-delivered", rounds_a, IRQ_ROUNDS);
    ktest_check_eq("irq-masked-until-ack", while_masked, 0);
    ktest_check_eq("irq-after-ack-delivered", rounds_b, MASK_ROUNDS);
    ktest_check_eq("deferred-ack-unmasks", rounds_c, DEFERRED_ROUNDS);
    ktest_check_eq("device-saw-its-interrupt", bad_iir, 0);
    ktest_check_eq("no-stray-irq", stray, 0);
    ktest_check_eq("no-lost-irq", lost, 0);
    ktest_end();
}

void init(void)
{
    outb(UART_IER, 0);
    outb(UART_LCR, 0x03); /* 8 bits, no parity, one stop bit */
    outb(UART_MCR, 0x08); /* OUT2: the PC's interrupt enable */
    (void)inb(UART_IIR);
    ktest_puts("irq: uart ready\n");
    state = A_WAIT;
    raise_edge();
    ask_helper();
}

static void on_irq(void)
{
    irqs++;
    if ((inb(UART_IIR) & 0x0f) != IIR_THRI)
        bad_iir++;
    switch (state) {
    case A_WAIT:
        rounds_a++;
        if (rounds_a < IRQ_ROUNDS) {
            microkit_irq_ack(IRQ_CH);
            raise_edge();
            ask_helper();
            return;
        }
        /* Into B: leave this one unacknowledged and raise another edge. */
        raise_edge();
        state = B_UNACKED;
        ask_helper();
        return;
    case B_WAIT:
        rounds_b++;
        if (rounds_b < MASK_ROUNDS) {
            raise_edge();
            state = B_UNACKED;
            ask_helper();
            return;
        }
        microkit_deferred_irq_ack(IRQ_CH);
        state = C_ACKED;
        ask_helper();
        return;
    case C_WAIT:
        rounds_c++;
        if (rounds_c < DEFERRED_ROUNDS) {
            microkit_deferred_irq_ack(IRQ_CH);
            state = C_ACKED;
            ask_helper();
            return;
        }
        microkit_irq_ack(IRQ_CH);
        finish();
        return;
    case B_UNACKED:
        while_masked++;
        finish();
        return;
    default:
        stray++;
        return;
    }
}

static void on_helper(void)
{
    switch (state) {
    case B_UNACKED:
        /* Nothing arrived while unacknowledged; now let the next one through. */
        microkit_irq_ack(IRQ_CH);
        raise_edge();
        state = B_WAIT;
        break;
    case C_ACKED:
        /* The deferred acknowledgement has happened: the edge must arrive. */
        raise_edge();
        state = C_WAIT;
        break;
    case A_WAIT:
    case B_WAIT:
    case C_WAIT:
        if (irqs == irqs_at_last_answer) {
            lost++;
            finish();
            return;
        }
        break;
    default:
        return;
    }
    irqs_at_last_answer = irqs;
    ask_helper();
}

void notified(microkit_channel ch)
{
    if (ch == IRQ_CH)
        on_irq();
    else if (ch == HELPER_CH)
        on_helper();
    else
        stray++;
}
