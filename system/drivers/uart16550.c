/*
 * 16550 UART driver library (see uart16550.h).
 *
 * Owns: the UART's registers.
 * Invariants: the transmit interrupt is enabled exactly while characters
 * wait in the transmit ring, so the UART never interrupts for nothing and
 * never sits idle with work queued.
 * Must never: spin waiting for the UART; everything is done from the
 * interrupt or the notification that found work.
 */
#include "system/drivers/uart16550.h"

static uint8_t in(const uart_t *u, uint16_t reg) { return u->ports->in8(u->ports->ctx, (uint16_t)(u->base + reg)); }
static void out(const uart_t *u, uint16_t reg, uint8_t v) { u->ports->out8(u->ports->ctx, (uint16_t)(u->base + reg), v); }

int uart_init(uart_t *u, const uart_ports_t *ports, uint16_t base, uint16_t divisor, void *tx_region,
              size_t tx_size, void *rx_region, size_t rx_size, uint32_t capacity)
{
    if (u == NULL || ports == NULL || divisor == 0) {
        return -1;
    }
    uart_t nu = {.ports = ports, .base = base};
    if (serial_attach(&nu.tx, tx_region, tx_size, capacity, false, false) != DDF_RING_OK ||
        serial_attach(&nu.rx, rx_region, rx_size, capacity, true, false) != DDF_RING_OK) {
        return -1;
    }
    *u = nu;
    out(u, UART_IER, 0);
    out(u, UART_LCR, 0x80);                      /* divisor latch */
    out(u, UART_DLL, (uint8_t)divisor);
    out(u, UART_DLM, (uint8_t)(divisor >> 8));
    out(u, UART_LCR, 0x03);                      /* 8 data bits, no parity, 1 stop bit */
    out(u, UART_FCR, 0xC7);                      /* FIFOs on and cleared, receive trigger at 14 */
    out(u, UART_MCR, 0x0B);                      /* DTR, RTS, OUT2 (routes the interrupt) */
    while (in(u, UART_LSR) & UART_LSR_DATA) {    /* drop stale input, bounded by the FIFO */
        (void)in(u, UART_RBR);
        if (++u->rx_dropped > 64) {
            break;
        }
    }
    u->rx_dropped = 0;
    u->ier = UART_IER_RX;
    out(u, UART_IER, u->ier);
    serial_request_signal(&u->tx);
    return 0;
}

static void receive(uart_t *u)
{
    /* Bounded: a stuck "data ready" bit cannot hold us forever. */
    for (int n = 0; n < 256 && (in(u, UART_LSR) & UART_LSR_DATA); n++) {
        uint8_t c = in(u, UART_RBR);
        if (serial_put(&u->rx, c) == DDF_RING_OK) {
            u->rx_chars++;
            u->notify_rx = true;
        } else {
            u->rx_dropped++;
        }
    }
}

static void transmit(uart_t *u)
{
    bool took = false;
    if (in(u, UART_LSR) & UART_LSR_THRE) {
        uint8_t c;
        for (int n = 0; n < UART_FIFO_DEPTH && serial_get(&u->tx, &c) == DDF_RING_OK; n++) {
            out(u, UART_THR, c);
            u->tx_chars++;
            took = true;
        }
    }
    if (took && serial_should_notify_space(&u->tx)) {
        u->notify_tx_space = true;
    }
    uint8_t want = serial_empty(&u->tx) ? UART_IER_RX : UART_IER_RX | UART_IER_TX;
    if (want == UART_IER_RX) {
        /* Idle: ask for a signal, then re-check (lost wake-up rule). */
        serial_request_signal(&u->tx);
        if (!serial_empty(&u->tx)) {
            serial_cancel_signal(&u->tx);
            want |= UART_IER_TX;
        }
    }
    if (want != u->ier) {
        u->ier = want;
        out(u, UART_IER, want);
    }
}

void uart_poll(uart_t *u)
{
    u->notify_rx = u->notify_tx_space = false;
    (void)in(u, UART_IIR); /* reading the identification acknowledges a transmit interrupt */
    receive(u);
    transmit(u);
}
