/*
 * The 16550 driver against a simulated UART: input reaches the receive ring
 * (and is dropped, not waited for, when the ring is full), output drains 16
 * characters per transmitter-empty, and the transmit interrupt is on exactly
 * while output is waiting.
 */
#include <string.h>

#include "system/drivers/uart16550.h"
#include "tests/ddf/ddf_test.h"

static struct {
    uint8_t regs[8];
    uint8_t dlab_lo, dlab_hi;
    uint8_t input[512];
    size_t in_head, in_tail;
    char output[4096];
    size_t out_len;
    bool thr_empty;
} sim;

static uint8_t sim_in8(void *ctx, uint16_t port)
{
    (void)ctx;
    uint16_t reg = (uint16_t)(port - 0x2F8);
    if (reg == UART_LSR) {
        return (uint8_t)((sim.in_head != sim.in_tail ? UART_LSR_DATA : 0) | (sim.thr_empty ? UART_LSR_THRE : 0));
    }
    if (reg == UART_RBR && !(sim.regs[UART_LCR] & 0x80)) {
        return sim.in_head != sim.in_tail ? sim.input[sim.in_head++ % sizeof(sim.input)] : 0;
    }
    return sim.regs[reg & 7];
}

static unsigned written_since_empty;
static void sim_out8(void *ctx, uint16_t port, uint8_t v)
{
    (void)ctx;
    uint16_t reg = (uint16_t)(port - 0x2F8);
    if (reg == UART_THR && !(sim.regs[UART_LCR] & 0x80)) {
        if (sim.out_len < sizeof(sim.output)) {
            sim.output[sim.out_len++] = (char)v;
        }
        if (++written_since_empty == UART_FIFO_DEPTH) {
            sim.thr_empty = false;
        }
        return;
    }
    sim.regs[reg & 7] = v;
}

static const uart_ports_t ports = {sim_in8, sim_out8, NULL};
static _Alignas(64) uint8_t tx_region[1024], rx_region[1024];

static void setup(uart_t *u, serial_queue_t *client_tx, serial_queue_t *client_rx)
{
    memset(&sim, 0, sizeof(sim));
    sim.thr_empty = true;
    CHECK(serial_attach(client_tx, tx_region, sizeof(tx_region), 64, true, true) == DDF_RING_OK);
    CHECK(serial_attach(client_rx, rx_region, sizeof(rx_region), 64, false, true) == DDF_RING_OK);
    CHECK(uart_init(u, &ports, 0x2F8, 1, tx_region, sizeof(tx_region), rx_region, sizeof(rx_region), 64) == 0);
    CHECK(sim.regs[UART_LCR] == 0x03 && sim.regs[UART_MCR] == 0x0B && sim.regs[UART_IER] == UART_IER_RX);
}

static void uart_input_reaches_ring_and_overflow_drops(void)
{
    uart_t u;
    serial_queue_t tx, rx;
    setup(&u, &tx, &rx);
    for (int i = 0; i < 100; i++) {
        sim.input[sim.in_tail++] = (uint8_t)('a' + i % 26);
    }
    uart_poll(&u);
    CHECK(u.notify_rx && u.rx_chars == 64 && u.rx_dropped == 36);
    CHECK(sim.in_head == sim.in_tail); /* the UART was drained, not left to stall */
    uint8_t c;
    CHECK(serial_get(&rx, &c) == DDF_RING_OK && c == 'a');
}

static void uart_output_drains_with_tx_interrupt(void)
{
    uart_t u;
    serial_queue_t tx, rx;
    setup(&u, &tx, &rx);
    const char *msg = "a line that is longer than one sixteen-byte FIFO\n";
    CHECK(serial_write(&tx, msg, strlen(msg)) == strlen(msg));
    uart_poll(&u);
    CHECK(sim.out_len == UART_FIFO_DEPTH && sim.regs[UART_IER] == (UART_IER_RX | UART_IER_TX));
    for (int i = 0; i < 10 && sim.out_len < strlen(msg); i++) {
        sim.thr_empty = true; /* the transmitter drained: its interrupt */
        written_since_empty = 0;
        uart_poll(&u);
    }
    CHECK(sim.out_len == strlen(msg) && memcmp(sim.output, msg, strlen(msg)) == 0);
    CHECK(sim.regs[UART_IER] == UART_IER_RX); /* idle: transmit interrupt off */
    /* And the next write is announced by the ring's signal rule. */
    CHECK(serial_write(&tx, "x", 1) == 1);
    CHECK(serial_should_notify(&tx));
}

int main(void)
{
    RUN("uart/input-reaches-ring-and-overflow-drops", uart_input_reaches_ring_and_overflow_drops);
    RUN("uart/output-drains-with-tx-interrupt", uart_output_drains_with_tx_interrupt);
    return ddf_test_failures ? 1 : 0;
}
