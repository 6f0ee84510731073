/*
 * Discard and source ports for the network benchmark (echo_bench.h).
 */
#include "bench/net/echo_bench.h"

#include <stdint.h>

#define ECHO_BENCH_CHUNK 8192

static uint8_t echo_bench_pattern[ECHO_BENCH_CHUNK];

/* Reads and drops everything waiting, where it lies (net_sock_view). */
static void echo_bench_drain(net_sock_t *s)
{
    const void *data;
    size_t n;
    while ((n = net_sock_view(s, &data)) > 0) {
        (void)net_sock_consume(s, n);
    }
}

/* Fills the send buffer; WRITABLE comes back when there is room again. */
static void echo_bench_fill(net_sock_t *s)
{
    for (;;) {
        size_t room = net_sock_send_space(s);
        size_t want = room < sizeof echo_bench_pattern ? room : sizeof echo_bench_pattern;
        if (want == 0 || net_sock_send(s, echo_bench_pattern, want) < want) {
            return;
        }
    }
}

static void echo_bench_event(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    const int source = arg != NULL;
    switch (ev) {
    case NET_SOCK_EV_ACCEPT:
        /* The child inherits this callback and argument. */
        if (source) {
            echo_bench_fill(child);
        }
        break;
    case NET_SOCK_EV_READABLE:
        echo_bench_drain(s);
        break;
    case NET_SOCK_EV_WRITABLE:
        if (source) {
            echo_bench_fill(s);
        }
        break;
    case NET_SOCK_EV_CLOSED:
        net_sock_close(s);
        break;
    case NET_SOCK_EV_CONNECTED:
    case NET_SOCK_EV_ERROR:
        break;
    }
}

net_sock_err_t echo_bench_start(void)
{
    static int source_tag;
    net_sock_t *discard, *source;
    for (size_t i = 0; i < sizeof echo_bench_pattern; i++) {
        echo_bench_pattern[i] = (uint8_t)('!' + i % 94);
    }
    net_sock_err_t err = net_tcp_listen(ECHO_BENCH_DISCARD_PORT, echo_bench_event, NULL, &discard);
    if (err != NET_SOCK_OK) {
        return err;
    }
    err = net_tcp_listen(ECHO_BENCH_SOURCE_PORT, echo_bench_event, &source_tag, &source);
    if (err != NET_SOCK_OK) {
        net_sock_close(discard);
    }
    return err;
}
