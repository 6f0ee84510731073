/*
 * The 16550 UART driver library: moves characters between the UART and a
 * serial connection (ddf/serial.h), driven by the UART's interrupt.
 *
 * Receive: on every interrupt, every character waiting in the UART goes to
 * the receive ring; if the ring is full the character is dropped (nobody
 * waits for a slow reader). Transmit: characters from the transmit ring are
 * written while the transmitter has room (16 at a time into the FIFO); while
 * some remain, the "transmitter empty" interrupt is enabled, otherwise not.
 * Port access goes through uart_ports_t (the PD's granted I/O port id, or a
 * simulation in host tests).
 */
#ifndef SUBSTRATE_SYSTEM_DRIVERS_UART16550_H
#define SUBSTRATE_SYSTEM_DRIVERS_UART16550_H

#include "ddf/serial.h"

typedef struct {
    uint8_t (*in8)(void *ctx, uint16_t port);
    void (*out8)(void *ctx, uint16_t port, uint8_t value);
    void *ctx;
} uart_ports_t;

enum { UART_RBR = 0, UART_THR = 0, UART_IER = 1, UART_IIR = 2, UART_FCR = 2, UART_LCR = 3, UART_MCR = 4,
       UART_LSR = 5, UART_DLL = 0, UART_DLM = 1 };
#define UART_LSR_DATA 0x01u
#define UART_LSR_THRE 0x20u
#define UART_IER_RX 0x01u
#define UART_IER_TX 0x02u
#define UART_FIFO_DEPTH 16

typedef struct {
    const uart_ports_t *ports;
    uint16_t base;
    serial_queue_t tx;   /* we consume */
    serial_queue_t rx;   /* we produce */
    uint8_t ier;
    uint64_t rx_chars, rx_dropped, tx_chars;
    bool notify_rx, notify_tx_space;   /* outputs of the last call */
} uart_t;

/* divisor: 1 for 115200 baud. The regions are initialised by the serial
 * virtualiser (the driver attaches to them as they are). */
int uart_init(uart_t *u, const uart_ports_t *ports, uint16_t base, uint16_t divisor, void *tx_region,
              size_t tx_size, void *rx_region, size_t rx_size, uint32_t capacity);
/* Call on the UART's interrupt and on every notification from the virtualiser. */
void uart_poll(uart_t *u);

#endif
