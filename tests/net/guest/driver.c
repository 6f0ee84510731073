/*
 * The in-guest network test's driver: an lwIP client PD that runs the
 * scenario through the real kernel, the real PD glue (system/net/
 * net_client_pd.c) and the ddf/net.h queues, then reports on the console
 * and ends the run through QEMU's exit device.
 *
 * Steps, each printed as PASS:/FAIL:
 *   1. UDP echo from echo A (20 datagrams);
 *   2. TCP echo of 256 KiB from A and from C at once;
 *   3. echo A restarted by its parent (the wire) in the middle of a second
 *      pair of transfers: the transfer to C completes, the one to A ends;
 *   4. the restarted A echoes a new connection;
 *   5. after 5000 hostile frames (and forged ARP) against A, A still echoes
 *      UDP and TCP;
 *   6. benchmarks: 4 MiB echoed over 1 and over 8 connections, and 64-byte
 *      request/response, printed as BENCH: lines (TSC cycles under TCG).
 * A step that does not finish within its time fails the run.
 */
#include <microkit.h>

#include "system/net/net_client_pd.h"
#include "system/net/sock.h"

#define RING_CAPACITY 128
#define QUEUE_SIZE 0x2000
#define DATA_SIZE 0x80000
#define EXIT_IOPORT 0
#define EXIT_PORT 0xf4
#define ECHO_A 0x0A000001u
#define ECHO_C 0x0A000003u

uintptr_t net_rx_queue __attribute__((section(".data")));
uintptr_t net_rx_data __attribute__((section(".data")));
uintptr_t net_tx_queue __attribute__((section(".data")));
uintptr_t net_tx_data __attribute__((section(".data")));
uintptr_t control __attribute__((section(".data")));

#ifndef NET_PD_GRANT /* the build passes it (tests/net/net.mk) */
#define NET_PD_GRANT "mac=02:00:00:00:00:02 ip=10.0.0.2/24 tcp=40000-40999 udp=41000-41010"
#endif
static const char grant[] = NET_PD_GRANT;

typedef struct {
    net_sock_t *s;
    size_t sent, received, total;
    uint32_t seed;
    bool connected, ended;
} conn_t;

static conn_t conn_a, conn_c;
static int step;
static int failures;
static uint64_t step_started;
static uint32_t udp_got;
static uint64_t udp_last_send;
static net_sock_t *udp;

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static uint8_t pattern(uint32_t seed, size_t i)
{
    uint32_t x = seed * 2654435761u ^ (uint32_t)i * 40503u;
    return (uint8_t)(x >> 13);
}

static void verdict(const char *what, bool ok)
{
    microkit_dbg_puts(ok ? "PASS: " : "FAIL: ");
    microkit_dbg_puts(what);
    microkit_dbg_puts("\n");
    failures += ok ? 0 : 1;
}

static void finish(void)
{
    microkit_dbg_puts(failures == 0 ? "net-guest: all passed\n" : "net-guest: failures\n");
    microkit_x86_ioport_write_32(EXIT_IOPORT, EXIT_PORT, failures == 0 ? 0 : 1);
}

static void push(conn_t *c)
{
    uint8_t buf[1024];
    while (c->s != NULL && c->connected && c->sent < c->total) {
        size_t n = c->total - c->sent < sizeof buf ? c->total - c->sent : sizeof buf;
        for (size_t k = 0; k < n; k++) {
            buf[k] = pattern(c->seed, c->sent + k);
        }
        size_t took = net_sock_send(c->s, buf, n);
        c->sent += took;
        if (took < n) {
            return;
        }
    }
}

static void on_tcp(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    conn_t *c = arg;
    uint8_t buf[1024];
    (void)child;
    switch (ev) {
    case NET_SOCK_EV_CONNECTED:
        c->connected = true;
        push(c);
        break;
    case NET_SOCK_EV_WRITABLE:
        push(c);
        break;
    case NET_SOCK_EV_READABLE: {
        size_t n;
        while ((n = net_sock_recv(s, buf, sizeof buf)) > 0) {
            for (size_t k = 0; k < n; k++) {
                if (buf[k] != pattern(c->seed, c->received + k)) {
                    c->ended = true;
                }
            }
            c->received += n;
        }
        break;
    }
    case NET_SOCK_EV_CLOSED:
        net_sock_close(s);
        c->s = NULL;
        c->ended = true;
        break;
    case NET_SOCK_EV_ERROR:
        c->s = NULL;
        c->ended = true;
        break;
    case NET_SOCK_EV_ACCEPT:
        break;
    }
}

static void open_conn(conn_t *c, uint32_t ip, size_t total, uint32_t seed)
{
    *c = (conn_t){.total = total, .seed = seed};
    if (net_tcp_connect(ip, 7, on_tcp, c, &c->s) != NET_SOCK_OK) {
        c->ended = true;
    }
}

static void on_udp(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    (void)child;
    (void)arg;
    uint8_t buf[256];
    uint32_t ip;
    uint16_t port;
    size_t n;
    if (ev != NET_SOCK_EV_READABLE) {
        return;
    }
    while ((n = net_udp_recvfrom(s, buf, sizeof buf, &ip, &port)) > 0) {
        if (ip == ECHO_A && port == 7 && n == 64 && buf[1] == (uint8_t)(buf[0] * 3)) {
            udp_got |= 1u << buf[0];
        }
    }
}

static void send_udp(void)
{
    udp_last_send = rdtsc();
    for (uint32_t i = 0; i < 20; i++) {
        if (udp_got & (1u << i)) {
            continue;
        }
        uint8_t buf[64] = {(uint8_t)i, (uint8_t)(i * 3)};
        (void)net_udp_sendto(udp, ECHO_A, 7, buf, sizeof buf);
    }
}

/* Seconds of TSC, roughly (the test's bounds are generous). */
static bool timed_out(uint64_t seconds)
{
    return rdtsc() - step_started > seconds * 2000000000ull;
}

/* ------------------------------------------------------------ benchmark -- */

/* Echo throughput inside the guest, all PDs on one virtual CPU under TCG:
 * elapsed TSC cycles are the CPU cycles the whole system spent. */
#define BENCH_BYTES (4u << 20)
static conn_t bench_conn[8];
static int bench_streams;
static uint64_t bench_started;
static uint64_t rr_rounds, rr_started;

static void put_number(uint64_t v)
{
    char digits[20];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < 20);
    while (n > 0) {
        microkit_dbg_putc(digits[--n]);
    }
}

static void bench_start(int streams)
{
    bench_streams = streams;
    for (int i = 0; i < streams; i++) {
        open_conn(&bench_conn[i], ECHO_A, BENCH_BYTES / (size_t)streams, 800u + (uint32_t)i);
    }
    bench_started = rdtsc();
}

static bool bench_done(void)
{
    for (int i = 0; i < bench_streams; i++) {
        if (bench_conn[i].received != bench_conn[i].total && !bench_conn[i].ended) {
            return false;
        }
    }
    return true;
}

static void bench_report(const char *name)
{
    uint64_t cycles = rdtsc() - bench_started;
    uint64_t bytes = 0;
    for (int i = 0; i < bench_streams; i++) {
        bytes += bench_conn[i].received;
        if (bench_conn[i].s != NULL) {
            net_sock_close(bench_conn[i].s);
            bench_conn[i].s = NULL;
        }
    }
    verdict(name, bytes == BENCH_BYTES);
    /* Raw figures; the host turns cycles into time with the TSC rate the
     * kernel reports at boot (tests/net/guest-bench.sh). */
    microkit_dbg_puts("BENCH: guest ");
    microkit_dbg_puts(name + sizeof "net-guest/bench-" - 1);
    microkit_dbg_puts(" bytes ");
    put_number(bytes);
    microkit_dbg_puts(" cycles ");
    put_number(cycles);
    microkit_dbg_puts("\n");
}

static void next_step(int s)
{
    step = s;
    step_started = rdtsc();
}

static void advance(void)
{
    volatile uint32_t *ctl = (volatile uint32_t *)control;
    switch (step) {
    case 0:
        if (net_udp_open(0, on_udp, NULL, &udp) != NET_SOCK_OK) {
            verdict("net-guest/udp-echo (no socket)", false);
            finish();
            return;
        }
        send_udp();
        next_step(1);
        break;
    case 1:
        if (udp_got == (1u << 20) - 1 || timed_out(60)) {
            verdict("net-guest/udp-echo-20-datagrams", udp_got == (1u << 20) - 1);
            open_conn(&conn_a, ECHO_A, 256 * 1024, 1);
            open_conn(&conn_c, ECHO_C, 256 * 1024, 2);
            next_step(2);
        } else if (rdtsc() - udp_last_send > 2000000000ull) {
            send_udp(); /* resend what is missing, about once a second */
        }
        break;
    case 2:
        if ((conn_a.received == conn_a.total && conn_c.received == conn_c.total) ||
            conn_a.ended || conn_c.ended || timed_out(120)) {
            verdict("net-guest/tcp-echo-256KiB-from-two-clients",
                    conn_a.received == conn_a.total && conn_c.received == conn_c.total);
            if (conn_a.s != NULL) {
                net_sock_close(conn_a.s);
            }
            if (conn_c.s != NULL) {
                net_sock_close(conn_c.s);
            }
            open_conn(&conn_a, ECHO_A, 64u << 20, 3);
            open_conn(&conn_c, ECHO_C, 1u << 20, 4);
            next_step(3);
        }
        break;
    case 3:
        if ((conn_a.received > 64 * 1024 && conn_c.received > 64 * 1024) || timed_out(120)) {
            ctl[0] = 1; /* ask the wire to restart echo A */
            next_step(4);
        }
        break;
    case 4:
        if ((conn_c.received == conn_c.total && conn_a.ended) || conn_c.ended || timed_out(180)) {
            verdict("net-guest/restart-one-client-other-connection-survives",
                    conn_c.received == conn_c.total && conn_a.ended && ctl[0] == 2);
            if (conn_c.s != NULL) {
                net_sock_close(conn_c.s);
            }
            open_conn(&conn_a, ECHO_A, 32 * 1024, 5);
            next_step(5);
        }
        break;
    case 5:
        if (conn_a.received == conn_a.total || conn_a.ended || timed_out(120)) {
            verdict("net-guest/restarted-client-echoes-again", conn_a.received == conn_a.total);
            if (conn_a.s != NULL) {
                net_sock_close(conn_a.s);
            }
            ctl[0] = 3; /* hostile frames against A */
            next_step(6);
        }
        break;
    case 6:
        if (ctl[0] == 4 || timed_out(120)) {
            udp_got = 0;
            send_udp();
            open_conn(&conn_a, ECHO_A, 64 * 1024, 6);
            next_step(7);
        }
        break;
    case 7:
        if ((udp_got == (1u << 20) - 1 && conn_a.received == conn_a.total) || conn_a.ended ||
            timed_out(120)) {
            verdict("net-guest/echo-answers-after-hostile-frames",
                    udp_got == (1u << 20) - 1 && conn_a.received == conn_a.total);
            bench_start(1);
            next_step(8);
        } else if (udp_got != (1u << 20) - 1 && rdtsc() - udp_last_send > 2000000000ull) {
            send_udp();
        }
        break;
    case 8:
        if (bench_done() || timed_out(120)) {
            bench_report("net-guest/bench-tcp-echo-1-stream");
            bench_start(8);
            next_step(9);
        }
        break;
    case 9:
        if (bench_done() || timed_out(120)) {
            bench_report("net-guest/bench-tcp-echo-8-streams");
            open_conn(&conn_a, ECHO_A, 0, 700);
            rr_rounds = 0;
            next_step(10);
        }
        break;
    case 10:
        /* Request/response, 64 bytes, for 10^9 TSC cycles. */
        if (conn_a.connected && conn_a.received == conn_a.total) {
            if (rr_rounds == 0) {
                rr_started = rdtsc();
            }
            if (rdtsc() - rr_started > 1000000000ull || conn_a.ended) {
                uint64_t cycles = rdtsc() - rr_started;
                microkit_dbg_puts("BENCH: guest tcp-rr-64B rounds ");
                put_number(rr_rounds);
                microkit_dbg_puts(" cycles ");
                put_number(cycles);
                microkit_dbg_puts("\n");
                finish();
                next_step(11);
                break;
            }
            conn_a.total += 64;
            rr_rounds++;
            push(&conn_a);
        } else if (timed_out(60)) {
            verdict("net-guest/request-response", false);
            finish();
            next_step(11);
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
        .tx_channel = 1,
        .timer_channel = 2,
        .rx = {(void *)net_rx_queue, QUEUE_SIZE, (uint8_t *)net_rx_data, DATA_SIZE},
        .tx = {(void *)net_tx_queue, QUEUE_SIZE, (uint8_t *)net_tx_data, DATA_SIZE},
        .capacity = RING_CAPACITY,
        .config = grant,
        .config_len = sizeof grant,
    };
    if (net_client_pd_init(&cfg) != 0) {
        verdict("net-guest/driver-starts", false);
        finish();
        return;
    }
    advance();
}

void notified(microkit_channel ch)
{
    (void)net_client_pd_notified(ch);
    advance();
}
