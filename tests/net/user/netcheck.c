/*
 * A network client PD that checks the way out of the guest: it takes a DHCP
 * lease from QEMU's user network (the test starts its pool at 10.0.2.20), pings QEMU's
 * user-network gateway (10.0.2.2) and opens a TCP connection to it on
 * NETCHECK_PORT, which QEMU forwards to the host's loopback, where the test
 * (tests/net/user_test.py) answers. Prints PASS:/FAIL: lines.
 *
 * Channels: 0 the network virtualiser (both queues), 2 the timer, 3 ticks.
 */
#include <microkit.h>

#include "system/net/net_client_pd.h"
#include "system/net/net_stack.h"
#include "system/net/sock.h"

#ifndef NET_PD_GRANT
#define NET_PD_GRANT "mac=52:54:00:00:00:b2 ip=dhcp tcp=40000-40099"
#endif
#ifndef NETCHECK_PORT
#define NETCHECK_PORT 47321
#endif
#define GATEWAY 0x0A000202u

uintptr_t net_rx_queue __attribute__((section(".data")));
uintptr_t net_rx_data __attribute__((section(".data")));
uintptr_t net_tx_queue __attribute__((section(".data")));
uintptr_t net_tx_data __attribute__((section(".data")));

static const char grant[] = NET_PD_GRANT;

/* The grant region the system description fills (prefill_path), if mapped;
 * the compiled-in grant above is the fallback. */
#define NETCHECK_CONFIG_SIZE 0x1000
uintptr_t net_config __attribute__((section(".data")));
static int step = -1;
static uint64_t last_try;
static int attempts;
static net_sock_t *conn;
static bool connected, answered, failed;
static char reply[16];
static size_t reply_len;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static void on_conn(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    (void)child;
    (void)arg;
    switch (ev) {
    case NET_SOCK_EV_CONNECTED: {
        static const char hello[] = "substrate-hello\n";
        connected = true;
        net_sock_send(s, hello, sizeof hello - 1);
        break;
    }
    case NET_SOCK_EV_READABLE:
        reply_len += net_sock_recv(s, reply + reply_len, sizeof reply - 1 - reply_len);
        if (reply_len >= 8) {
            answered = true;
        }
        break;
    case NET_SOCK_EV_CLOSED:
        net_sock_close(s);
        conn = NULL;
        break;
    case NET_SOCK_EV_ERROR:
        conn = NULL;
        failed = true;
        break;
    default:
        break;
    }
}

static void advance(void)
{
    uint64_t now = rdtsc();
    switch (step) {
    case -1: /* a DHCP lease first */
        if (net_stack_ip() != 0) {
            /* QEMU's pool starts at 10.0.2.20 in this test. */
            microkit_dbg_puts(net_stack_ip() == 0x0A000214u
                                  ? "PASS: net-user/guest-dhcp-lease\n"
                                  : "FAIL: net-user/guest-dhcp-lease not 10.0.2.20\n");
            step = 0;
            last_try = 0;
        } else if (now - last_try > 60000000000ull) {
            microkit_dbg_puts("FAIL: net-user/guest-dhcp-lease none\n");
            step = 0;
        }
        break;
    case 0: /* ping the gateway, a few tries */
        if (net_stack_ping_replies() >= 3) {
            microkit_dbg_puts("PASS: net-user/guest-pings-gateway\n");
            step = 1;
            attempts = 0;
        } else if (now - last_try > 1000000000ull) {
            last_try = now;
            if (++attempts > 15) {
                microkit_dbg_puts("FAIL: net-user/guest-pings-gateway no reply\n");
                step = 1;
                attempts = 0;
            } else {
                net_stack_ping(GATEWAY);
            }
        }
        break;
    case 1:
        if (net_tcp_connect(GATEWAY, NETCHECK_PORT, on_conn, NULL, &conn) != NET_SOCK_OK) {
            microkit_dbg_puts("FAIL: net-user/guest-tcp-to-gateway no socket\n");
            step = 3;
            break;
        }
        last_try = now;
        step = 2;
        break;
    case 2:
        if (answered) {
            bool ok = reply_len >= 8 && reply[0] == 'h' && reply[5] == 'o' && reply[6] == 'k';
            microkit_dbg_puts(ok ? "PASS: net-user/guest-tcp-to-gateway\n"
                                 : "FAIL: net-user/guest-tcp-to-gateway wrong answer\n");
            if (conn != NULL) {
                net_sock_close(conn);
                conn = NULL;
            }
            step = 3;
        } else if (failed || now - last_try > 30000000000ull) {
            microkit_dbg_puts("FAIL: net-user/guest-tcp-to-gateway no answer\n");
            step = 3;
        }
        break;
    default:
        break;
    }
}

void init(void)
{
    net_client_pd_cfg_t cfg = {
        .rx_channel = 0,
        .tx_channel = 0,
        .timer_channel = 2,
        .has_tick = true,
        .tick_channel = 3,
        .rx = {(void *)net_rx_queue, 0x2000, (uint8_t *)net_rx_data, 0x20000},
        .tx = {(void *)net_tx_queue, 0x2000, (uint8_t *)net_tx_data, 0x20000},
        .capacity = 64,
        .config = net_config != 0 ? (const char *)net_config : grant,
        .config_len = net_config != 0 ? NETCHECK_CONFIG_SIZE : sizeof grant,
    };
    if (net_client_pd_init(&cfg) != 0) {
        microkit_dbg_puts("FAIL: net-user/netcheck-starts\n");
        return;
    }
    last_try = rdtsc();
    advance();
}

void notified(microkit_channel ch)
{
    (void)net_client_pd_notified(ch);
    advance();
}
