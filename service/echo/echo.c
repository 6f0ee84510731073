/*
 * The echo service (echo.h). Owns one TCP listener and one UDP socket; every
 * accepted connection shares the one callback. No per-connection state is
 * kept here: the bytes waiting are lwIP's, the window is the stack's.
 */
#include "service/echo/echo.h"

#define ECHO_CHUNK 8192 /* a UDP datagram's bytes echoed; the rest is cut */

static echo_stats_t echo_counters;

/* Sends back what has arrived, straight from the stack's receive buffers
 * (net_sock_view): the send copies it once, into the segments. */
static void echo_tcp_move(net_sock_t *s)
{
    for (;;) {
        const void *data;
        size_t room = net_sock_send_space(s);
        size_t n = room == 0 ? 0 : net_sock_view(s, &data);
        n = n < room ? n : room;
        if (n == 0) {
            return;
        }
        /* The send may take less than `room` promised (segments are a pool
         * shared by all connections): consume only what it took; the rest
         * waits for WRITABLE. */
        size_t took = net_sock_send(s, data, n);
        net_sock_consume(s, took);
        echo_counters.tcp_bytes += took;
        if (took < n) {
            return;
        }
    }
}

static void echo_tcp_event(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    (void)arg;
    switch (ev) {
    case NET_SOCK_EV_ACCEPT:
        (void)child; /* it inherits this callback */
        echo_counters.tcp_accepted++;
        break;
    case NET_SOCK_EV_READABLE:
    case NET_SOCK_EV_WRITABLE:
        echo_tcp_move(s);
        break;
    case NET_SOCK_EV_CLOSED:
        echo_counters.tcp_closed++;
        net_sock_close(s);
        break;
    case NET_SOCK_EV_CONNECTED:
    case NET_SOCK_EV_ERROR:
        break;
    }
}

static void echo_udp_event(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    (void)child;
    (void)arg;
    if (ev != NET_SOCK_EV_READABLE) {
        return;
    }
    uint8_t buf[ECHO_CHUNK];
    uint32_t ip;
    uint16_t port;
    size_t n;
    while ((n = net_udp_recvfrom(s, buf, sizeof buf, &ip, &port)) > 0) {
        if (net_udp_sendto(s, ip, port, buf, n) == NET_SOCK_OK) {
            echo_counters.udp_datagrams++;
            echo_counters.udp_bytes += n;
        }
    }
}

net_sock_err_t echo_start(uint16_t port)
{
    net_sock_t *listener, *udp;
    net_sock_err_t err = net_tcp_listen(port, echo_tcp_event, NULL, &listener);
    if (err != NET_SOCK_OK) {
        return err;
    }
    err = net_udp_open(port, echo_udp_event, NULL, &udp);
    if (err != NET_SOCK_OK) {
        net_sock_close(listener);
    }
    return err;
}

echo_stats_t echo_stats(void)
{
    return echo_counters;
}
