/*
 * The 16550 UART driver PD: a thin wrapper around system/drivers/uart16550.c.
 * The UART's ports are granted as one I/O port id; its interrupt arrives on
 * UART_PD_IRQ_CH; the serial virtualiser is on UART_PD_VIRT_CH.
 */
#include <microkit.h>

#include "system/drivers/uart16550.h"

#ifndef UART_PD_BASE
#define UART_PD_BASE 0x2F8   /* COM2: COM1 carries the kernel's console */
#endif
#define UART_PD_IOPORT 1
#define UART_PD_IRQ_CH 1
#define UART_PD_VIRT_CH 0
#define UART_PD_REGION_SIZE 0x1000u
#define UART_PD_CAPACITY 2048u

uintptr_t uart_tx_region;   /* virtualiser -> driver */
uintptr_t uart_rx_region;   /* driver -> virtualiser */

static uint8_t port_in8(void *ctx, uint16_t port)
{
    (void)ctx;
    return microkit_x86_ioport_read_8(UART_PD_IOPORT, port);
}

static void port_out8(void *ctx, uint16_t port, uint8_t value)
{
    (void)ctx;
    microkit_x86_ioport_write_8(UART_PD_IOPORT, port, value);
}

static const uart_ports_t ports = {port_in8, port_out8, NULL};
static uart_t uart;

void init(void)
{
    if (uart_init(&uart, &ports, UART_PD_BASE, 1, (void *)uart_tx_region, UART_PD_REGION_SIZE,
                  (void *)uart_rx_region, UART_PD_REGION_SIZE, UART_PD_CAPACITY) != 0) {
        microkit_dbg_puts("uart: bad configuration\n");
        return;
    }
    microkit_irq_ack(UART_PD_IRQ_CH);
}

void notified(microkit_channel ch)
{
    /* Acknowledge before serving: the interrupt is edge-triggered, and an edge
     * raised while the pin is still masked would be lost. Serving after the
     * acknowledgement means a new edge during service brings us back. */
    if (ch == UART_PD_IRQ_CH) {
        microkit_irq_ack(ch);
    }
    uart_poll(&uart);
    if (uart.notify_rx || uart.notify_tx_space) {
        microkit_notify(UART_PD_VIRT_CH);
    }
}
