/*
 * The echo service's protection domain: TCP and UDP echo on port 7 through
 * its own lwIP instance. Only wiring: the regions and channels the system
 * description gives, the grant, and two calls into the libraries.
 *
 * Channels: 0 receive queues and 1 transmit queues (both to the network
 * virtualiser), 2 the timer driver (protected calls); optionally
 * ECHO_ACTIVITY_CHANNEL, notified whenever frames arrive.
 * Regions (setvar_vaddr): net_rx_queue, net_rx_data, net_tx_queue,
 * net_tx_data; optionally net_config, a read-only region holding the grant
 * text. Without it the grant compiled in as NET_PD_GRANT is used (the
 * build passes it, see service/echo/echo.mk).
 */
#include <microkit.h>

#include "service/echo/echo.h"
#ifdef ECHO_BENCH_PORTS
#include "bench/net/echo_bench.h" /* discard and source ports for bench/net */
#endif
#include "system/net/net_client_pd.h"

#ifndef NET_PD_GRANT
#define NET_PD_GRANT "mac=52:54:00:12:34:56 ip=dhcp tcp=7 udp=7"
#endif

/* The layout the system description gives; a composition may override any
 * of these from its build (e.g. one channel for both queues). The ring
 * capacity is the grant's queue= when it has one, and the region sizes are
 * the description's setvar_size when it gives them. */
#ifndef ECHO_RX_CHANNEL
#define ECHO_RX_CHANNEL 0
#endif
#ifndef ECHO_TX_CHANNEL
#define ECHO_TX_CHANNEL 1
#endif
#ifndef ECHO_TIMER_CHANNEL
#define ECHO_TIMER_CHANNEL 2
#endif
#ifndef ECHO_RING_CAPACITY
#define ECHO_RING_CAPACITY 128
#endif
#ifndef ECHO_DATA_SIZE
#define ECHO_DATA_SIZE 0x80000
#endif
#ifndef ECHO_QUEUE_SIZE
#define ECHO_QUEUE_SIZE 0x2000
#endif
#define ECHO_CONFIG_SIZE 0x1000

/* Patched by the builder (setvar_vaddr, setvar_size), so kept in .data, in
 * the ELF file. A size the description does not give stays 0 and the
 * compiled-in size above stands. */
uintptr_t net_rx_queue __attribute__((section(".data")));
uintptr_t net_rx_data __attribute__((section(".data")));
uintptr_t net_tx_queue __attribute__((section(".data")));
uintptr_t net_tx_data __attribute__((section(".data")));
uintptr_t net_config __attribute__((section(".data")));
uint64_t net_rx_queue_size __attribute__((section(".data")));
uint64_t net_rx_data_size __attribute__((section(".data")));
uint64_t net_tx_queue_size __attribute__((section(".data")));
uint64_t net_tx_data_size __attribute__((section(".data")));

static size_t size_or(uint64_t given, size_t fallback)
{
    return given != 0 ? (size_t)given : fallback;
}

static const char echo_default_config[] = NET_PD_GRANT;

void init(void)
{
    net_client_pd_cfg_t cfg = {
        .rx_channel = ECHO_RX_CHANNEL,
        .tx_channel = ECHO_TX_CHANNEL,
        .timer_channel = ECHO_TIMER_CHANNEL,
#ifdef ECHO_TICK_CHANNEL
        .has_tick = true,
        .tick_channel = ECHO_TICK_CHANNEL,
#endif
        .rx = {(void *)net_rx_queue, size_or(net_rx_queue_size, ECHO_QUEUE_SIZE), (uint8_t *)net_rx_data,
               size_or(net_rx_data_size, ECHO_DATA_SIZE)},
        .tx = {(void *)net_tx_queue, size_or(net_tx_queue_size, ECHO_QUEUE_SIZE), (uint8_t *)net_tx_data,
               size_or(net_tx_data_size, ECHO_DATA_SIZE)},
        .capacity = ECHO_RING_CAPACITY,
        .config = net_config != 0 ? (const char *)net_config : echo_default_config,
        .config_len = net_config != 0 ? ECHO_CONFIG_SIZE : sizeof echo_default_config,
    };
    if (net_client_pd_init(&cfg) != 0) {
        return;
    }
    if (echo_start(7) != NET_SOCK_OK) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": cannot open port 7\n");
        return;
    }
#ifdef ECHO_BENCH_PORTS
    if (echo_bench_start() != NET_SOCK_OK) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": cannot open the bench ports\n");
        return;
    }
#endif
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(": echo on TCP and UDP port 7\n");
}

void notified(microkit_channel ch)
{
    (void)net_client_pd_notified(ch);
#ifdef ECHO_ACTIVITY_CHANNEL
    /* A composition may want to know that traffic arrived (the default OS
     * ends its run only after the network has been idle for a while). */
    if (ch == ECHO_RX_CHANNEL) {
        microkit_notify(ECHO_ACTIVITY_CHANNEL);
    }
#endif
}
