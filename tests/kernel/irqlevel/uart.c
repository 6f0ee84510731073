/*
 * irqlevel test, uart (priority 150): COM2's interrupt, level-triggered.
 *
 * Each round raises COM2's line and lets the interrupt arrive. The first
 * time it is acknowledged without quieting the device: the line is still up,
 * so a level-triggered pin must deliver it again at once. Then the handler
 * reads IIR, which lowers the line, and acknowledges: now nothing more may
 * arrive. The priority-100 helper answers a notification only once this PD
 * waits, which closes each round: by then every delivery has been seen.
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

#define IRQ_CH 1
#define HELPER_CH 2
#define ROUNDS 100

static uint64_t round_number, in_round, not_redelivered, extra, rounds_ok;

static void outb(uint16_t port, uint8_t v)
{
    microkit_x86_ioport_write_8(UART_IOPORT, port, v);
}

static uint8_t inb(uint16_t port)
{
    return microkit_x86_ioport_read_8(UART_IOPORT, port);
}

static void start_round(void)
{
    in_round = 0;
    outb(UART_IER, 0);
    outb(UART_IER, IER_THRI);
    microkit_notify(HELPER_CH);
}

void init(void)
{
    outb(UART_IER, 0);
    outb(UART_LCR, 0x03);
    outb(UART_MCR, 0x08);
    (void)inb(UART_IIR);
    ktest_puts("irqlevel: uart ready\n");
    start_round();
}

void notified(microkit_channel ch)
{
    if (ch == IRQ_CH) {
        in_round++;
        if (in_round == 1) {
            /* The line is still up: the acknowledgement must bring it back. */
            microkit_irq_ack(IRQ_CH);
            return;
        }
        if (in_round == 2) {
            (void)inb(UART_IIR); /* lowers the line */
            microkit_irq_ack(IRQ_CH);
            return;
        }
        extra++;
        (void)inb(UART_IIR);
        microkit_irq_ack(IRQ_CH);
        return;
    }
    if (ch != HELPER_CH)
        return;
    /* This PD waited, so every delivery of this round has happened. */
    if (in_round < 2)
        not_redelivered++;
    else if (in_round == 2)
        rounds_ok++;
    if (++round_number < ROUNDS) {
        start_round();
        return;
    }
    outb(UART_IER, 0);
    ktest_check_eq("level-irq-redelivered-while-line-up", not_redelivered, 0);
    ktest_check_eq("level-irq-quiet-once-line-down", extra, 0);
    ktest_check_eq("level-irq-rounds", rounds_ok, ROUNDS);
    ktest_end();
}
