/*
 * Host tests of the network stack: several lwIP instances, one per process
 * as one per PD, joined by the real ddf/net.h queues in shared memory.
 *
 * The parent process plays the network virtualiser and the wire: it moves
 * frames from each endpoint's transmit rings to the receive rings of the
 * endpoint(s) the destination MAC names, and can drop, black-hole or inject
 * frames. It also answers as a fake host (ARP, DHCP, DNS) at 10.0.0.9.
 * Children run an lwIP stack each through system/net/net_link.c exactly as a
 * client PD does; echo endpoints run service/echo, the driver endpoint runs
 * the scenario of the test and reports its verdict in shared memory.
 *
 * Every test prints PASS:/FAIL: lines. Run under ASan and UBSan.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ddf/net.h"
#include "service/echo/echo.h"
#include "system/net/net_config.h"
#include "system/net/net_filter.h"
#include "system/net/net_link.h"
#include "system/net/net_stack.h"
#include "system/net/sock.h"
#include "tests/net/test_frames.h"

#define CAP 512
#define NBUF 512
#define MAX_EP 4
#define REGION_BYTES (2 * (128 + CAP * 16))

typedef struct {
    uint8_t rx_queue[REGION_BYTES] __attribute__((aligned(64)));
    uint8_t tx_queue[REGION_BYTES] __attribute__((aligned(64)));
    uint8_t rx_data[NBUF * NET_BUFFER_SIZE];
    uint8_t tx_data[NBUF * NET_BUFFER_SIZE + NET_STACK_HEAP_BYTES]; /* buffers, then lwIP's heap */
    char config[256];
    volatile int finished;
    volatile int failed;
    volatile uint32_t ip_now;        /* the address the stack has (DHCP) */
    volatile uint64_t counter[8];    /* scenario progress, read by the parent; [7]: frames sent in place */
    char why[256];
} endpoint_t;

typedef struct {
    endpoint_t ep[MAX_EP];
    volatile int blackhole[MAX_EP];  /* drop everything to or from this endpoint */
    volatile int drop_percent;
    volatile int saw_wscale;         /* a SYN carried the window scale option */
    volatile int offload;            /* the wire offers checksum and segmentation offload */
    volatile uint64_t csum_completed; /* frames whose TCP checksum the wire completed, as a device */
    volatile uint64_t gso_cut, gso_whole; /* TSO segments the wire cut up / passed on whole */
    volatile uint64_t dropped, moved, keepalive_probes;
} shared_t;

static shared_t *sh;
static pid_t pids[MAX_EP];
static int ep_count;
static net_queue_t wire_rx[MAX_EP], wire_tx[MAX_EP];
static uint8_t wire_mac[MAX_EP][6];
static net_config_t wire_grant[MAX_EP];
/* The wire learns DHCP leases as the virtualiser does (net_filter.h). */
static net_dhcp_snoop_t wire_snoop[MAX_EP];
static int failures;

static const uint8_t fake_mac[6] = {0x02, 0, 0, 0, 0, 0x09};
#define FAKE_IP 0x0A000009u     /* 10.0.0.9 */
#define DHCP_LEASE_IP 0x0A000032u /* 10.0.0.50 */

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
    return now_ns(NULL) / 1000000u;
}

/* ------------------------------------------------------------ endpoint -- */

static net_link_t ep_link;
static endpoint_t *self;

static void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(self->why, sizeof self->why, fmt, ap);
    va_end(ap);
    self->failed = 1;
    self->finished = 1;
    _exit(1);
}

/* Notifications, as a PD gets them: one eventfd per endpoint and one for
 * the wire. A process with nothing to do waits on its own; whoever gives it
 * work (a frame, a returned buffer) signals it. An eventfd counts, so a
 * signal sent before the wait is not lost. */
static bool bench_mode;
static int ep_efd[MAX_EP] = {-1, -1, -1, -1};
static int wire_efd = -1;
static int self_index;

static void signal_fd(int fd)
{
    uint64_t one = 1;
    if (fd >= 0 && write(fd, &one, sizeof one) != sizeof one) {
        perror("eventfd write");
    }
}

static void wait_fd(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, timeout_ms) > 0) {
        uint64_t count;
        if (read(fd, &count, sizeof count) < 0) {
            perror("eventfd read");
        }
    }
}

/* One turn of the PD event loop: what notified() does. */
static void pump(void)
{
    bool n_rx, n_tx;
    size_t frames = net_link_process(&ep_link);
    net_stack_poll();
    net_sock_dispatch();
    bool more = net_link_finish(&ep_link, &n_rx, &n_tx);
    self->ip_now = net_stack_ip();
    self->counter[7] = net_stack_stats().tx_in_place;
    /* Tell the wire about frames sent (here or by the scenario since the
     * last turn) and buffers given back. */
    static uint64_t last_tx;
    uint64_t tx = net_stack_stats().tx_frames;
    if (tx != last_tx || frames > 0) {
        last_tx = tx;
        signal_fd(wire_efd);
    }
    if (frames == 0 && !more) {
        uint32_t next = net_stack_next_timeout_ms();
        wait_fd(ep_efd[self_index], next < 5 ? (int)next : 5);
    }
}

static void pump_for(uint64_t ms)
{
    uint64_t end = now_ms() + ms;
    while (now_ms() < end) {
        pump();
    }
}

static void endpoint_start(int i)
{
    self = &sh->ep[i];
    self_index = i;
    net_config_t cfg;
    size_t at = 0;
    net_config_err_t err = net_config_parse(self->config, sizeof self->config, &cfg, &at);
    if (err != NET_CONFIG_OK) {
        fail("config: %s at %zu", net_config_strerror(err), at);
    }
    net_link_region_t rx = {self->rx_queue, sizeof self->rx_queue, self->rx_data, sizeof self->rx_data};
    net_link_region_t tx = {self->tx_queue, sizeof self->tx_queue, self->tx_data, sizeof self->tx_data};
    if (net_link_init(&ep_link, &rx, &tx, CAP, now_ns, NULL) != 0) {
        fail("net_link_init");
    }
    net_link_ops_t ops = net_link_ops(&ep_link);
    if (net_stack_init(&cfg, &ops) != NET_OK) {
        fail("net_stack_init");
    }
}

static void echo_main(int i) __attribute__((noreturn));
static void echo_main(int i)
{
    endpoint_start(i);
    if (echo_start(7) != NET_SOCK_OK) {
        fail("echo_start");
    }
    for (;;) {
        pump();
        echo_stats_t st = echo_stats();
        self->counter[0] = st.tcp_bytes;
        self->counter[1] = st.udp_datagrams;
    }
}

/* --------------------------------------------------------- test client -- */

typedef struct {
    net_sock_t *s;
    size_t sent, received, total;
    uint64_t error_at;
    uint32_t seed;
    bool connected, closed, error;
} conn_t;

static uint8_t pattern_byte(uint32_t seed, size_t i)
{
    uint32_t x = seed ^ (uint32_t)(i / 4) * 2654435761u;
    x ^= x >> 15;
    x *= 0x2c1b3c6dU;
    x ^= x >> 12;
    return (uint8_t)(x >> (8 * (i % 4)));
}

static void conn_push(conn_t *c)
{
    uint8_t buf[4096];
    while (c->s != NULL && c->connected && c->sent < c->total) {
        size_t n = c->total - c->sent < sizeof buf ? c->total - c->sent : sizeof buf;
        for (size_t k = 0; k < n; k++) {
            buf[k] = pattern_byte(c->seed, c->sent + k);
        }
        size_t took = net_sock_send(c->s, buf, n);
        c->sent += took;
        if (took < n) {
            return;
        }
    }
}

static void conn_event(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    conn_t *c = arg;
    (void)child;
    uint8_t buf[4096];
    switch (ev) {
    case NET_SOCK_EV_CONNECTED:
        c->connected = true;
        conn_push(c);
        break;
    case NET_SOCK_EV_READABLE: {
        size_t n;
        while ((n = net_sock_recv(s, buf, sizeof buf)) > 0) {
            for (size_t k = 0; k < n; k++) {
                if (buf[k] != pattern_byte(c->seed, c->received + k)) {
                    fail("echo byte %zu differs", c->received + k);
                }
            }
            c->received += n;
        }
        break;
    }
    case NET_SOCK_EV_WRITABLE:
        conn_push(c);
        break;
    case NET_SOCK_EV_CLOSED:
        c->closed = true;
        net_sock_close(s);
        c->s = NULL;
        break;
    case NET_SOCK_EV_ERROR:
        c->error = true;
        c->error_at = now_ms();
        c->s = NULL;
        break;
    case NET_SOCK_EV_ACCEPT:
        break;
    }
}

static void conn_open(conn_t *c, uint32_t ip, size_t total, uint32_t seed)
{
    *c = (conn_t){.total = total, .seed = seed};
    net_sock_err_t err = net_tcp_connect(ip, 7, conn_event, c, &c->s);
    if (err != NET_SOCK_OK) {
        fail("net_tcp_connect: %d", (int)err);
    }
}

#define WAIT_UNTIL(cond, ms, ...)                                                         \
    do {                                                                                  \
        uint64_t wait_end_ = now_ms() + (ms);                                             \
        while (!(cond)) {                                                                 \
            if (now_ms() > wait_end_) {                                                   \
                fail(__VA_ARGS__);                                                        \
            }                                                                             \
            pump();                                                                       \
        }                                                                                 \
    } while (0)

#define ECHO_A 0x0A000001u
#define ECHO_C 0x0A000003u

static void scenario_tcp_bulk(void)
{
    static conn_t c;
    conn_open(&c, ECHO_A, 1u << 20, 7);
    WAIT_UNTIL(c.received == c.total || c.error, 60000, "1 MiB echo: %zu of %zu bytes back",
               c.received, c.total);
    if (c.error) {
        fail("connection failed after %zu bytes", c.received);
    }
    net_sock_close(c.s);
    c.s = NULL;
    pump_for(200);
}

static void scenario_tcp_clean_close(void)
{
    static conn_t c;
    conn_open(&c, ECHO_A, 1000, 11);
    WAIT_UNTIL(c.received == c.total, 10000, "echo of 1000 bytes");
    /* Half-close from our side: the echo sees EOF and closes its side,
     * which we see as CLOSED (not ERROR). */
    net_sock_t *s = c.s;
    c.s = NULL;
    net_sock_close(s);
    pump_for(500);
    if (net_sock_count() != 0) {
        fail("%zu sockets left after close", net_sock_count());
    }
}

static void scenario_concurrent(void)
{
    static conn_t c[32];
    for (int i = 0; i < 32; i++) {
        conn_open(&c[i], i % 2 ? ECHO_C : ECHO_A, 64 * 1024, (uint32_t)i + 100);
    }
    for (int i = 0; i < 32; i++) {
        WAIT_UNTIL(c[i].received == c[i].total || c[i].error, 60000,
                   "connection %d: %zu of %zu bytes (connected %d, sent %zu, port %u)", i,
                   c[i].received, c[i].total, c[i].connected, c[i].sent,
                   net_sock_local_port(c[i].s));
        if (c[i].error) {
            fail("connection %d failed", i);
        }
    }
}

typedef struct {
    uint32_t got;
    uint8_t seen[256];
} udp_state_t;

static void udp_event(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    udp_state_t *u = arg;
    (void)child;
    if (ev != NET_SOCK_EV_READABLE) {
        return;
    }
    uint8_t buf[2048];
    uint32_t ip;
    uint16_t port;
    size_t n;
    while ((n = net_udp_recvfrom(s, buf, sizeof buf, &ip, &port)) > 0) {
        uint8_t seq = buf[0];
        if (ip != ECHO_A || port != 7 || n != (size_t)seq * 5 + 1) {
            fail("UDP echo from %08x:%u of %zu bytes for datagram %u", ip, port, n, seq);
        }
        for (size_t k = 1; k < n; k++) {
            if (buf[k] != (uint8_t)(seq + k)) {
                fail("UDP datagram %u byte %zu differs", seq, k);
            }
        }
        if (!u->seen[seq]) {
            u->seen[seq] = 1;
            u->got++;
        }
    }
}

static void scenario_udp(void)
{
    static udp_state_t u;
    net_sock_t *s;
    if (net_udp_open(0, udp_event, &u, &s) != NET_SOCK_OK) {
        fail("net_udp_open");
    }
    for (int round = 0; round < 5 && u.got < 200; round++) {
        for (uint32_t seq = 0; seq < 200; seq++) {
            if (u.seen[seq]) {
                continue;
            }
            uint8_t buf[1024];
            size_t n = (size_t)seq * 5 + 1;
            buf[0] = (uint8_t)seq;
            for (size_t k = 1; k < n; k++) {
                buf[k] = (uint8_t)(seq + k);
            }
            while (net_udp_sendto(s, ECHO_A, 7, buf, n) == NET_SOCK_EAGAIN) {
                pump();
            }
            pump();
        }
        pump_for(300);
    }
    if (u.got != 200) {
        fail("%u of 200 UDP datagrams echoed", u.got);
    }
    net_sock_close(s);
}

static void scenario_keepalive(void)
{
    static conn_t c;
    conn_open(&c, ECHO_A, 100, 21);
    WAIT_UNTIL(c.received == c.total, 10000, "echo before keep-alive");
    if (net_sock_keepalive(c.s, 300, 200, 3) != NET_SOCK_OK) {
        fail("net_sock_keepalive");
    }
    uint64_t start = now_ms();
    self->counter[0] = 1; /* tell the parent to black-hole the echo */
    WAIT_UNTIL(c.error, 10000, "keep-alive never gave up on a silent peer");
    uint64_t took = c.error_at - start;
    self->counter[1] = took;
    /* idle 300 + 3 probes 200 apart, with lwIP's 500 ms slow timer. */
    if (took < 600 || took > 4000) {
        fail("keep-alive gave up after %llu ms", (unsigned long long)took);
    }
}

static void scenario_policy(void)
{
    net_sock_t *s;
    if (net_tcp_listen(8080, conn_event, NULL, &s) != NET_SOCK_EPERM) {
        fail("listen on an ungranted TCP port was allowed");
    }
    if (net_udp_open(53, udp_event, NULL, &s) != NET_SOCK_EPERM) {
        fail("bind of an ungranted UDP port was allowed");
    }
    static conn_t c;
    conn_open(&c, ECHO_A, 10, 5);
    uint16_t local = net_sock_local_port(c.s);
    const net_config_t *cfg = net_stack_config();
    if (!net_port_set_contains(&cfg->tcp_ports, local)) {
        fail("connection from ungranted local port %u", local);
    }
    WAIT_UNTIL(c.received == c.total, 10000, "echo from a granted port");
}

static void scenario_hostile_then_echo(void)
{
    /* The echo knows us first (so a forged ARP request cannot teach it a new
     * MAC for us); then the parent floods it with hostile frames, forged ARP
     * among them (counter[0] = 1 asks, counter[0] = 2 says done); then both
     * protocols must still work. */
    static conn_t c;
    conn_open(&c, ECHO_A, 100, 3);
    WAIT_UNTIL(c.received == c.total, 10000, "echo before the campaign");
    net_sock_close(c.s);
    self->counter[0] = 1;
    WAIT_UNTIL(self->counter[0] == 2, 120000, "the hostile campaign did not finish");
    scenario_udp();
    scenario_tcp_clean_close();
}

static void scenario_restart(void)
{
    static conn_t a, c;
    /* Long transfers to both echoes; the parent kills and restarts A midway. */
    conn_open(&a, ECHO_A, 64u << 20, 31);
    conn_open(&c, ECHO_C, 3u << 20, 32);
    WAIT_UNTIL(a.received > 256 * 1024 && c.received > 256 * 1024, 30000, "transfers started");
    self->counter[0] = 1; /* restart A now */
    WAIT_UNTIL(self->counter[0] == 2, 30000, "A was not restarted");
    WAIT_UNTIL(c.received == c.total || c.error, 60000, "connection to C stalled at %zu",
               c.received);
    if (c.error) {
        fail("the other client's connection broke");
    }
    /* The old connection to A is gone: new A answers its segments with RST. */
    WAIT_UNTIL(a.error || a.closed, 30000, "connection to the restarted A never ended");
    static conn_t again;
    conn_open(&again, ECHO_A, 100000, 33);
    WAIT_UNTIL(again.received == again.total, 30000, "restarted A does not echo");
}

typedef struct {
    bool done, ok;
    uint32_t ip;
} dns_result_t;

static void dns_done(const char *name, bool ok, uint32_t ip, void *arg)
{
    dns_result_t *r = arg;
    (void)name;
    r->done = true;
    r->ok = ok;
    r->ip = ip;
}

static void scenario_dns(void)
{
    static dns_result_t r, bad;
    if (net_dns_resolve("echo.test", dns_done, &r) != NET_SOCK_OK ||
        net_dns_resolve("nothing.test", dns_done, &bad) != NET_SOCK_OK) {
        fail("net_dns_resolve");
    }
    WAIT_UNTIL(r.done && bad.done, 20000, "DNS answers");
    if (!r.ok || r.ip != ECHO_A) {
        fail("echo.test resolved to %08x (ok %d)", r.ip, r.ok);
    }
    if (bad.ok) {
        fail("nothing.test resolved");
    }
    static conn_t c;
    conn_open(&c, r.ip, 1000, 41);
    WAIT_UNTIL(c.received == c.total, 10000, "echo at the resolved address");
}

static void scenario_dhcp(void)
{
    WAIT_UNTIL(net_stack_ip() == DHCP_LEASE_IP, 30000, "DHCP: address %08x", net_stack_ip());
    static conn_t c;
    conn_open(&c, ECHO_A, 20000, 51);
    WAIT_UNTIL(c.received == c.total, 10000, "echo from the DHCP address");
}


/* ------------------------------------------------------------ benchmarks -- */

static int bench_streams = 1;
static size_t bench_bytes = 16u << 20;

/* bench_streams connections to echo A, bench_bytes each way in total. */
static void scenario_bench_stream(void)
{
    static conn_t c[8];
    int n = bench_streams;
    uint64_t start = now_ns(NULL);
    for (int i = 0; i < n; i++) {
        conn_open(&c[i], ECHO_A, bench_bytes / (size_t)n, (uint32_t)i + 500);
    }
    for (int i = 0; i < n; i++) {
        WAIT_UNTIL(c[i].received == c[i].total || c[i].error, 120000, "bench stream %d", i);
        if (c[i].error) {
            fail("bench stream %d failed", i);
        }
    }
    self->counter[2] = now_ns(NULL) - start;
    self->counter[3] = bench_bytes;
}

/* One connection, 64-byte requests, each waiting for its echo, for 2 s. */
static void scenario_bench_rr(void)
{
    static conn_t c;
    conn_open(&c, ECHO_A, 0, 600);
    WAIT_UNTIL(c.connected, 10000, "bench rr connect");
    uint64_t start = now_ns(NULL), end = start + 2000000000ull;
    uint64_t rounds = 0;
    while (now_ns(NULL) < end) {
        c.total += 64;
        conn_push(&c);
        WAIT_UNTIL(c.received == c.total, 10000, "bench rr round %llu", (unsigned long long)rounds);
        rounds++;
    }
    self->counter[2] = now_ns(NULL) - start;
    self->counter[3] = rounds;
}

static void driver_main(int i, void (*scenario)(void)) __attribute__((noreturn));
static void driver_main(int i, void (*scenario)(void))
{
    endpoint_start(i);
    alarm(150);
    scenario();
    self->finished = 1;
    _exit(0);
}

/* ---------------------------------------------------------------- wire -- */

static void wire_attach(int i)
{
    endpoint_t *e = &sh->ep[i];
    if (net_attach(&wire_rx[i], e->rx_queue, sizeof e->rx_queue, CAP, true, false) != DDF_RING_OK ||
        net_attach(&wire_tx[i], e->tx_queue, sizeof e->tx_queue, CAP, false, false) != DDF_RING_OK) {
        fprintf(stderr, "wire attach failed\n");
        exit(2);
    }
}

/* Endpoints given frames since the last flush_signals(): one notification
 * per batch, as the ddf signalling rule has it. */
static uint32_t wire_to_signal;

static void flush_signals(void)
{
    for (int i = 0; i < MAX_EP; i++) {
        if (wire_to_signal & (1u << i)) {
            signal_fd(ep_efd[i]);
        }
    }
    wire_to_signal = 0;
}

static bool deliver_to(int dst, const uint8_t *frame, size_t len)
{
    net_buff_desc_t d;
    if (sh->blackhole[dst] || net_dequeue_free(&wire_rx[dst], &d) != DDF_RING_OK) {
        sh->dropped++;
        return false;
    }
    if (!net_desc_valid(&d, sizeof sh->ep[dst].rx_data) || len > NET_BUFFER_SIZE) {
        return false;
    }
    memcpy(sh->ep[dst].rx_data + d.offset, frame, len);
    (void)net_dhcp_snoop_rx(&wire_snoop[dst], &wire_grant[dst], frame, len);
    net_enqueue_active(&wire_rx[dst], d.offset, (uint16_t)len);
    wire_to_signal |= 1u << dst;
    return true;
}

static void fake_host_input(const uint8_t *frame, size_t len);

static void wire_send(int src, const uint8_t *frame, size_t len)
{
    bool broadcast = (frame[0] & 1) != 0;
    if (broadcast || memcmp(frame, fake_mac, 6) == 0) {
        fake_host_input(frame, len);
    }
    for (int dst = 0; dst < ep_count; dst++) {
        if (dst != src && (broadcast || memcmp(frame, wire_mac[dst], 6) == 0)) {
            deliver_to(dst, frame, len);
        }
    }
}

static void inspect(const uint8_t *f, size_t len)
{
    /* TCP SYN with the window scale option (kind 3)? */
    if (len < 54 || f[12] != 0x08 || f[13] != 0 || f[23] != 6) {
        return;
    }
    size_t ihl = (size_t)(f[14] & 15) * 4;
    const uint8_t *tcp = f + 14 + ihl;
    if ((size_t)(tcp - f) + 20 > len) {
        return;
    }
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    if (tcp[13] & 0x02) {
        for (size_t o = 20; o + 1 < doff && (size_t)(tcp - f) + o + 1 < len;) {
            if (tcp[o] == 0) {
                break;
            }
            if (tcp[o] == 1) {
                o++;
                continue;
            }
            if (tcp[o] == 3) {
                sh->saw_wscale = 1;
            }
            o += tcp[o + 1] ? tcp[o + 1] : 1;
        }
    }
}

static uint32_t wire_rand_state = 12345;
static uint32_t wire_rand(void)
{
    wire_rand_state = wire_rand_state * 1103515245u + 12345u;
    return wire_rand_state >> 8;
}


/*
 * With offload on, the wire plays the device: it completes the checksum of
 * a frame marked NET_DESC_CSUM_PARTIAL (the sender's pseudo-header sum must
 * be in the field: every TCP frame of ours leaves so), and it takes TCP segments up to
 * 64 KiB (NET_DESC_GSO_TCPV4) and either cuts them at gso_size, fixing every
 * header and checksum as a NIC does (the receiving stack then checks those
 * sums itself), or, every other one, hands the segment on whole, as a device
 * merging received segments would (the receiver takes it as one chain).
 * Either way the pseudo-header sum the sender left in the checksum field
 * must be exactly right.
 */
static bool tso_pseudo_ok(const uint8_t *f, size_t len, const net_buff_desc_t *m)
{
    size_t ihl = (size_t)(f[14] & 15) * 4;
    if (m->csum_start != 14 + ihl || m->csum_offset != 16 || f[23] != 6 || len < 14 + ihl + 20) {
        return false;
    }
    uint32_t sum = 6u + (uint32_t)(len - 14 - ihl) + get16(f + 26) + get16(f + 28) + get16(f + 30) + get16(f + 32);
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return get16(f + 14 + ihl + 16) == sum;
}

static void wire_send(int src, const uint8_t *frame, size_t len);

static void wire_cut(int src, const uint8_t *f, size_t len, const net_buff_desc_t *m)
{
    size_t ihl = m->csum_start - 14u;
    size_t thl = (size_t)(f[m->csum_start + 12] >> 4) * 4;
    size_t hl = m->csum_start + thl;
    uint32_t seq = get32(f + m->csum_start + 4);
    uint16_t id = get16(f + 18);
    static uint8_t seg[NET_BUFFER_SIZE];
    for (size_t off = 0, i = 0; hl + off < len; off += m->gso_size, i++) {
        size_t n = len - hl - off < m->gso_size ? len - hl - off : m->gso_size;
        memcpy(seg, f, hl);
        memcpy(seg + hl, f + hl + off, n);
        uint8_t *ip = seg + 14, *tcp = seg + m->csum_start;
        put16(ip + 2, (uint16_t)(ihl + thl + n));
        put16(ip + 4, (uint16_t)(id + i));
        put16(ip + 10, 0);
        put16(ip + 10, csum(ip, ihl, 0));
        put32(tcp + 4, seq + (uint32_t)off);
        if (hl + off + n < len) {
            tcp[13] &= (uint8_t)~0x09u; /* FIN and PSH only on the last */
        }
        put16(tcp + 16, 0);
        uint32_t pseudo = 6u + (uint32_t)(thl + n) + get16(ip + 12) + get16(ip + 14) + get16(ip + 16) + get16(ip + 18);
        put16(tcp + 16, csum(tcp, thl + n, pseudo));
        sh->gso_cut++;
        wire_send(src, seg, hl + n);
    }
}

/* Hands a TCP segment of up to 64 KiB to `dst` whole, as a chain. */
static bool deliver_whole(int dst, const uint8_t *frame, size_t len, const net_buff_desc_t *m)
{
    size_t n = NET_BUFFERS_FOR(len);
    net_buff_desc_t d[NET_MAX_CHAIN];
    if (sh->blackhole[dst] || (net_rx_offloads(&wire_rx[dst]) & NET_OFFLOAD_RX_GSO) == 0 || n > NET_MAX_CHAIN) {
        sh->dropped++;
        return false;
    }
    ddf_ring_err_t err;
    if (ddf_ring_count(&wire_rx[dst].free, &err) < n || err != DDF_RING_OK) {
        sh->dropped++; /* not enough buffers: the whole segment is lost, as on a NIC */
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (net_dequeue_free(&wire_rx[dst], &d[i]) != DDF_RING_OK || !net_desc_valid(&d[i], sizeof sh->ep[dst].rx_data)) {
            fprintf(stderr, "wire: endpoint %d offered a bad receive buffer\n", dst);
            failures++;
            return false;
        }
        size_t piece = len - i * NET_BUFFER_SIZE < NET_BUFFER_SIZE ? len - i * NET_BUFFER_SIZE : NET_BUFFER_SIZE;
        memcpy(sh->ep[dst].rx_data + d[i].offset, frame + i * NET_BUFFER_SIZE, piece);
        d[i].len = (uint16_t)piece;
    }
    d[0].flags = m->flags;
    d[0].csum_start = m->csum_start;
    d[0].csum_offset = m->csum_offset;
    d[0].gso_size = m->gso_size;
    net_enqueue_chain(&wire_rx[dst], d, (uint32_t)n);
    sh->gso_whole++;
    wire_to_signal |= 1u << dst;
    return true;
}

static uint64_t wire_gso_frames;

static size_t wire_step(void)
{
    static uint8_t frame[NET_MAX_CHAIN * NET_BUFFER_SIZE];
    size_t moved = 0;
    for (int src = 0; src < ep_count; src++) {
        net_set_tx_offloads(&wire_tx[src], sh->offload ? NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4 : 0);
        net_buff_desc_t d[NET_MAX_CHAIN];
        uint32_t n;
        ddf_ring_err_t err;
        while ((err = net_dequeue_frame(&wire_tx[src], d, &n)) == DDF_RING_OK || err == DDF_RING_INVALID) {
            size_t len = 0;
            bool ok = err == DDF_RING_OK;
            for (uint32_t i = 0; i < n; i++) {
                if (!net_desc_bytes_valid(&d[i], sizeof sh->ep[src].tx_data)) {
                    ok = false;
                    continue;
                }
                memcpy(frame + len, sh->ep[src].tx_data + d[i].offset, d[i].len);
                len += d[i].len;
            }
            /* Handed back only once all of the frame is copied (ddf/net.h):
             * the endpoint runs meanwhile, and reuses a frame sent in place
             * as soon as its first descriptor is back. */
            for (uint32_t i = 0; i < n; i++) {
                if (net_desc_bytes_valid(&d[i], sizeof sh->ep[src].tx_data)) {
                    net_enqueue_free(&wire_tx[src], d[i].offset, 0);
                }
            }
            moved++;
            net_buff_desc_t m = d[0];
            bool gso = (m.flags & NET_DESC_GSO_TCPV4) != 0;
            bool partial = (m.flags & NET_DESC_CSUM_PARTIAL) != 0;
            if (!ok || len < 14 || (n > 1 && !gso) || (!gso && len > NET_MAX_FRAME) ||
                (gso && (m.gso_size == 0 || !partial)) ||
                (partial && (!sh->offload || !tso_pseudo_ok(frame, len, &m)))) {
                fprintf(stderr, "wire: endpoint %d sent a malformed frame (%u pieces, %zu bytes, flags %#x)\n", src,
                        (unsigned)n, len, (unsigned)m.flags);
                failures++;
                continue;
            }
            const net_config_t *grant = &wire_grant[src];
            if (net_filter_tx(grant, frame, len) != NET_FILTER_PASS) {
                fprintf(stderr, "wire: endpoint %d sent a frame its grant forbids: %s\n", src,
                        net_filter_reason(net_filter_tx(grant, frame, len)));
                failures++;
                continue;
            }
            net_dhcp_snoop_tx(&wire_snoop[src], grant, frame, len);
            inspect(frame, len);
            if (sh->blackhole[src] || (sh->drop_percent && (int)(wire_rand() % 100) < sh->drop_percent)) {
                sh->dropped++;
                continue;
            }
            if (!gso) {
                if (partial) { /* as a device does: the sum from csum_start on, the field's pseudo sum included */
                    put16(frame + m.csum_start + m.csum_offset, csum(frame + m.csum_start, len - m.csum_start, 0));
                    sh->csum_completed++;
                }
                wire_send(src, frame, len);
            } else if (wire_gso_frames++ % 2 == 0 || memcmp(frame, fake_mac, 6) == 0) {
                wire_cut(src, frame, len, &m);
            } else {
                for (int dst = 0; dst < ep_count; dst++) {
                    if (dst != src && memcmp(frame, wire_mac[dst], 6) == 0) {
                        deliver_whole(dst, frame, len, &m);
                    }
                }
            }
        }
    }
    sh->moved += moved;
    return moved;
}

/* ----------------------------------------------------------- fake host -- */

/* Builds Ethernet+IPv4+UDP around `payload` from the fake host. */
static size_t make_udp(uint8_t *f, const uint8_t *dst_mac, uint32_t src_ip, uint32_t dst_ip,
                       uint16_t sport, uint16_t dport, const uint8_t *payload, size_t n)
{
    return udp_frame(f, dst_mac, fake_mac, src_ip, dst_ip, sport, dport, payload, n);
}

static void broadcast_from_fake(const uint8_t *f, size_t len)
{
    for (int dst = 0; dst < ep_count; dst++) {
        if ((f[0] & 1) || memcmp(f, wire_mac[dst], 6) == 0) {
            deliver_to(dst, f, len);
        }
    }
}

static void fake_dhcp(const uint8_t *f, size_t len)
{
    const uint8_t *d = f + 42;
    size_t n = len - 42;
    if (n < 240 || d[0] != 1 || get32(d + 236) != 0x63825363) {
        return;
    }
    uint8_t type = 0;
    for (size_t o = 240; o + 2 <= n && d[o] != 255;) {
        if (d[o] == 0) {
            o++;
            continue;
        }
        if (d[o] == 53 && o + 2 < n) {
            type = d[o + 2];
        }
        o += 2 + (size_t)d[o + 1];
    }
    if (type != 1 && type != 3) {
        return;
    }
    uint8_t r[300];
    memset(r, 0, sizeof r);
    r[0] = 2;
    r[1] = 1;
    r[2] = 6;
    memcpy(r + 4, d + 4, 4); /* xid */
    put32(r + 16, DHCP_LEASE_IP);
    put32(r + 20, FAKE_IP);
    memcpy(r + 28, d + 28, 16); /* chaddr */
    put32(r + 236, 0x63825363);
    uint8_t *o = r + 240;
    *o++ = 53; *o++ = 1; *o++ = type == 1 ? 2 : 5;            /* OFFER or ACK */
    *o++ = 54; *o++ = 4; put32(o, FAKE_IP); o += 4;           /* server id */
    *o++ = 51; *o++ = 4; put32(o, 3600); o += 4;              /* lease time */
    *o++ = 1; *o++ = 4; put32(o, 0xFFFFFF00); o += 4;         /* netmask */
    *o++ = 3; *o++ = 4; put32(o, FAKE_IP); o += 4;            /* router */
    *o++ = 255;
    uint8_t frame[600];
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t flen = make_udp(frame, bcast, FAKE_IP, 0xFFFFFFFF, 67, 68, r, (size_t)(o - r));
    broadcast_from_fake(frame, flen);
}

static void fake_dns(const uint8_t *f, size_t len)
{
    const uint8_t *q = f + 42;
    size_t n = len - 42;
    if (n < 17 || n > 300) {
        return;
    }
    /* Question name starts at 12; read labels. */
    char name[128];
    size_t o = 12, w = 0;
    while (o < n && q[o] != 0 && w + q[o] + 1 < sizeof name) {
        size_t l = q[o];
        if (o + 1 + l > n) {
            return;
        }
        if (w) {
            name[w++] = '.';
        }
        memcpy(name + w, q + o + 1, l);
        w += l;
        o += 1 + l;
    }
    name[w] = '\0';
    o += 5; /* root label, type, class */
    if (o > n) {
        return;
    }
    uint8_t r[400];
    memcpy(r, q, o);
    bool found = strcmp(name, "echo.test") == 0;
    r[2] = 0x81;
    r[3] = found ? 0x80 : 0x83; /* NXDOMAIN when unknown */
    put16(r + 6, found ? 1 : 0);
    put16(r + 8, 0);
    put16(r + 10, 0);
    size_t rl = o;
    if (found) {
        uint8_t ans[16] = {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        put32(ans + 12, ECHO_A);
        memcpy(r + rl, ans, 16);
        rl += 16;
    }
    uint8_t frame[600];
    size_t flen = make_udp(frame, f + 6, FAKE_IP, get32(f + 26), 53, get16(f + 34), r, rl);
    broadcast_from_fake(frame, flen);
}

static void fake_host_input(const uint8_t *f, size_t len)
{
    uint16_t type = get16(f + 12);
    if (type == 0x0806 && len >= 42 && get16(f + 20) == 1 && get32(f + 38) == FAKE_IP) {
        uint8_t r[60] = {0};
        memcpy(r, f + 6, 6);
        memcpy(r + 6, fake_mac, 6);
        put16(r + 12, 0x0806);
        put16(r + 14, 1);
        put16(r + 16, 0x0800);
        r[18] = 6;
        r[19] = 4;
        put16(r + 20, 2);
        memcpy(r + 22, fake_mac, 6);
        put32(r + 28, FAKE_IP);
        memcpy(r + 32, f + 22, 10);
        broadcast_from_fake(r, 60);
        return;
    }
    if (type != 0x0800 || len < 42 || f[23] != 17) {
        return;
    }
    uint16_t dport = get16(f + 36);
    if (dport == 67) {
        fake_dhcp(f, len);
    } else if (dport == 53 && get32(f + 30) == FAKE_IP) {
        fake_dns(f, len);
    }
}

/* ------------------------------------------------------- hostile frames -- */

/* A valid frame to the echo at endpoint 0 from the fake host, of a random
 * kind, then damaged in a random way. */
static size_t hostile_frame(uint8_t *f)
{
    uint8_t payload[1500];
    size_t n = wire_rand() % 600;
    for (size_t i = 0; i < n; i++) {
        payload[i] = (uint8_t)wire_rand();
    }
    size_t len = make_udp(f, wire_mac[0], FAKE_IP, ECHO_A, (uint16_t)wire_rand(), 7, payload, n);
    switch (wire_rand() % 10) {
    case 0: f[23] = 6; break;                                   /* claims TCP */
    case 1: f[23] = 1; break;                                   /* claims ICMP */
    case 2: put16(f + 12, 0x0806); break;                       /* claims ARP */
    case 3: put16(f + 20, (uint16_t)(0x2000 | (wire_rand() & 0x1FFF))); break; /* fragment */
    case 4: f[14] = (uint8_t)(0x40 | (wire_rand() & 15)); break; /* bad header length */
    case 5: put16(f + 16, (uint16_t)wire_rand()); break;        /* bad total length */
    case 6: len = 14 + wire_rand() % 30; break;                 /* truncated */
    case 7: len = 1514 + wire_rand() % 400; memset(f + 100, 0xA5, len - 100); break; /* oversized */
    case 8: f[24] ^= 0xFF; break;                               /* bad checksum */
    default:                                                    /* random bytes */
        for (size_t i = 12; i < len; i++) {
            if (wire_rand() % 8 == 0) {
                f[i] = (uint8_t)wire_rand();
            }
        }
        break;
    }
    return len;
}

/* Forged ARP replies and requests claiming the driver's address (10.0.0.2)
 * is at the fake host's MAC. */
static void spoof_arp(bool request)
{
    uint8_t r[60] = {0};
    memcpy(r, wire_mac[0], 6);
    memcpy(r + 6, fake_mac, 6);
    put16(r + 12, 0x0806);
    put16(r + 14, 1);
    put16(r + 16, 0x0800);
    r[18] = 6;
    r[19] = 4;
    put16(r + 20, request ? 1 : 2);
    memcpy(r + 22, fake_mac, 6);
    put32(r + 28, 0x0A000002);
    memcpy(r + 32, wire_mac[0], 6);
    put32(r + 38, ECHO_A);
    deliver_to(0, r, 60);
}

/* ---------------------------------------------------------- test runner -- */

static const char *configs[MAX_EP] = {
    "mac=02:00:00:00:00:01 ip=10.0.0.1/24 gw=10.0.0.9 tcp=7 udp=7",
    "mac=02:00:00:00:00:02 ip=10.0.0.2/24 gw=10.0.0.9 dns=10.0.0.9 tcp=40000-40999 udp=41000-41010",
    "mac=02:00:00:00:00:03 ip=10.0.0.3/24 gw=10.0.0.9 tcp=7 udp=7",
    "mac=02:00:00:00:00:04 ip=dhcp tcp=42000-42099 udp=42100",
};

static void spawn(int i, void (*scenario)(void))
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        if (scenario != NULL) {
            driver_main(i, scenario);
        }
        echo_main(i);
    }
    pids[i] = pid;
}

typedef void (*hook_t)(int driver);

static void run_test(const char *name, void (*scenario)(void), int driver, int drop_percent,
                     hook_t hook, int offload)
{
    memset(sh, 0, sizeof *sh);
    sh->offload = offload;
    ep_count = 4;
    for (int i = 0; i < ep_count; i++) {
        snprintf(sh->ep[i].config, sizeof sh->ep[i].config, "%s", configs[i]);
        net_config_t cfg;
        if (net_config_parse(configs[i], strlen(configs[i]), &cfg, NULL) != NET_CONFIG_OK) {
            fprintf(stderr, "bad test config %d\n", i);
            exit(2);
        }
        memcpy(wire_mac[i], cfg.mac, 6);
        wire_grant[i] = cfg;
        memset(&wire_snoop[i], 0, sizeof wire_snoop[i]);
        pids[i] = 0;
    }
    sh->drop_percent = drop_percent;
    int before = failures;
    for (int i = 0; i < ep_count; i++) {
        wire_attach(i);
        ep_efd[i] = eventfd(0, EFD_NONBLOCK);
    }
    wire_efd = eventfd(0, EFD_NONBLOCK);
    spawn(0, NULL);
    spawn(2, NULL);
    spawn(driver, scenario);
    uint64_t start = now_ms();
    int status = 0;
    bool done = false;
    while (!done) {
        size_t moved = wire_step();
        flush_signals();
        if (moved == 0) {
            wait_fd(wire_efd, 1);
        }
        if (hook != NULL) {
            hook(driver);
        }
        pid_t w = waitpid(pids[driver], &status, WNOHANG);
        if (w == pids[driver]) {
            done = true;
        }
        if (now_ms() - start > 180000) {
            kill(pids[driver], SIGKILL);
            waitpid(pids[driver], &status, 0);
            snprintf(sh->ep[driver].why, sizeof sh->ep[driver].why, "timed out");
            sh->ep[driver].failed = 1;
            done = true;
        }
    }
    /* The echoes must have survived. */
    for (int i = 0; i < ep_count; i++) {
        if (i == driver || pids[i] == 0) {
            continue;
        }
        int st;
        if (waitpid(pids[i], &st, WNOHANG) == pids[i]) {
            fprintf(stderr, "echo endpoint %d died (status %d)\n", i, st);
            failures++;
        }
        kill(pids[i], SIGKILL);
        waitpid(pids[i], &st, 0);
    }
    for (int i = 0; i < ep_count; i++) {
        close(ep_efd[i]);
        ep_efd[i] = -1;
    }
    close(wire_efd);
    wire_efd = -1;
    bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !sh->ep[driver].failed &&
              failures == before;
    if (ok) {
        printf("PASS: %s (%llu ms, %llu frames, %llu dropped)\n", name,
               (unsigned long long)(now_ms() - start), (unsigned long long)sh->moved,
               (unsigned long long)sh->dropped);
    } else {
        printf("FAIL: %s %s (status %d)\n", name, sh->ep[driver].why, status);
        failures++;
    }
    fflush(stdout);
}

static void hook_keepalive(int driver)
{
    if (sh->ep[driver].counter[0] == 1) {
        sh->blackhole[0] = 1;
    }
}

static void hook_hostile(int driver)
{
    if (sh->ep[driver].counter[0] != 1) {
        return;
    }
    uint8_t f[2048];
    for (int i = 0; i < 20000; i++) {
        size_t len = hostile_frame(f);
        if (i % 50 == 0) {
            spoof_arp(i % 100 == 0);
        }
        /* Deliver as a NIC would: anything up to a buffer, at whatever
         * length the "device" claims. */
        if (len <= NET_BUFFER_SIZE) {
            while (!deliver_to(0, f, len)) {
                wire_step();
                flush_signals();
                usleep(20);
            }
        }
        if (i % 64 == 0) {
            wire_step();
            flush_signals();
        }
    }
    sh->ep[driver].counter[0] = 2;
}

static void hook_restart(int driver)
{
    if (sh->ep[driver].counter[0] != 1) {
        return;
    }
    /* Kill A as a fault would, then start it again on the same memory:
     * a PD restart keeps its regions. */
    kill(pids[0], SIGKILL);
    waitpid(pids[0], NULL, 0);
    spawn(0, NULL);
    sh->ep[driver].counter[0] = 2;
}

static void check(bool cond, const char *name)
{
    if (cond) {
        printf("PASS: %s\n", name);
    } else {
        printf("FAIL: %s\n", name);
        failures++;
    }
}

static void unit_tests(void)
{
    net_config_t c;
    size_t at;
    const char *good = "mac=52:54:00:12:34:56 ip=10.0.2.15/24 gw=10.0.2.2 dns=10.0.2.3 tcp=7,1000-2000 udp=7";
    bool ok = net_config_parse(good, strlen(good), &c, &at) == NET_CONFIG_OK && c.ip == 0x0A00020F &&
              c.netmask == 0xFFFFFF00 && c.gateway == 0x0A000202 && c.dns_count == 1 &&
              c.tcp_ports.count == 2 && net_port_set_contains(&c.tcp_ports, 1500) &&
              !net_port_set_contains(&c.tcp_ports, 2001) && !net_port_set_contains(&c.udp_ports, 0) &&
              c.mac[5] == 0x56 && !c.dhcp;
    check(ok, "config/parses-static-grant");
    ok = net_config_parse("mac=02:00:00:00:00:01 ip=dhcp", 64, &c, &at) == NET_CONFIG_OK && c.dhcp &&
         c.tcp_ports.count == 0;
    check(ok, "config/parses-dhcp");
    ok = net_config_parse("mac=02:00:00:00:00:01 ip=dhcp queue=64", 64, &c, &at) == NET_CONFIG_OK &&
         c.queue_capacity == 64 &&
         net_config_parse("mac=02:00:00:00:00:01 ip=dhcp", 64, &c, &at) == NET_CONFIG_OK && c.queue_capacity == 0;
    check(ok, "config/parses-queue-capacity");
    const char *bad[] = {
        "mac=01:00:00:00:00:01 ip=dhcp",           /* multicast MAC */
        "mac=02:00:00:00:00:01 ip=10.0.0.256",     /* octet */
        "mac=02:00:00:00:00:01 ip=10.0.0.1/33",    /* prefix */
        "mac=02:00:00:00:00:01 ip=dhcp tcp=0",     /* port 0 */
        "mac=02:00:00:00:00:01 ip=dhcp tcp=9-8",   /* empty range */
        "mac=02:00:00:00:00:01 ip=dhcp tcp=70000", /* port */
        "mac=02:00:00:00:00:01 ip=dhcp udp=1,2,3,4,5,6,7,8,9", /* too many */
        "mac=02:00:00:00:00:01 ip=dhcp bogus=1",   /* key */
        "mac=02:00:00:00:00:01",                   /* no ip */
        "ip=dhcp",                                 /* no mac */
        "mac=02:00:00:00:00:01 ip=dhcpx",
        "mac=02:00:00:00:00:01 ip=dhcp dns=1.2.3.4 dns=1.2.3.5 dns=1.2.3.6",
        "mac=02:00:00:00:00:01 ip=dhcp queue=48",    /* not a power of two */
        "mac=02:00:00:00:00:01 ip=dhcp queue=1",     /* too small */
        "mac=02:00:00:00:00:01 ip=dhcp queue=8192",  /* too large */
        "mac=02:00:00:00:00:01 ip=dhcp queue=",
    };
    ok = true;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        net_config_t keep = {.ip = 0x12345678};
        if (net_config_parse(bad[i], strlen(bad[i]), &keep, &at) == NET_CONFIG_OK || keep.ip != 0x12345678) {
            fprintf(stderr, "accepted: %s\n", bad[i]);
            ok = false;
        }
    }
    check(ok, "config/rejects-bad-grants-and-changes-nothing");

    /* The transmit filter. */
    net_config_t g;
    net_config_parse(configs[0], strlen(configs[0]), &g, NULL);
    uint8_t f[128];
    uint8_t udp[4] = {0, 7, 0, 0};
    size_t len = make_udp(f, fake_mac, ECHO_A, FAKE_IP, 7, 9999, udp, 4);
    memcpy(f + 6, g.mac, 6);
    bool pass = net_filter_tx(&g, f, len) == NET_FILTER_PASS;
    put16(f + 34, 8); /* source port 8: not granted */
    bool port = net_filter_tx(&g, f, len) == NET_FILTER_PORT;
    put16(f + 34, 7);
    put32(f + 26, 0x0A000002); /* someone else's address */
    bool srcip = net_filter_tx(&g, f, len) == NET_FILTER_SRC_IP;
    put32(f + 26, ECHO_A);
    f[11] ^= 1; /* another MAC */
    bool srcmac = net_filter_tx(&g, f, len) == NET_FILTER_SRC_MAC;
    f[11] ^= 1;
    bool shortf = net_filter_tx(&g, f, 30) != NET_FILTER_PASS;
    check(pass && port && srcip && srcmac && shortf, "filter/tx-grant-enforced");

    /* ip=dhcp: nothing but DHCP from 0.0.0.0 (and ARP probes) until the
     * virtualiser has learned the lease, then the lease like a static one. */
    net_config_t d;
    net_config_parse(configs[3], strlen(configs[3]), &d, NULL);
    len = make_udp(f, fake_mac, DHCP_LEASE_IP, FAKE_IP, 42100, 53, udp, 4);
    memcpy(f + 6, d.mac, 6);
    bool before = net_filter_tx(&d, f, len) == NET_FILTER_SRC_IP;
    size_t dlen = make_udp(f, fake_mac, 0, 0xFFFFFFFF, 68, 67, udp, 4);
    memcpy(f + 6, d.mac, 6);
    bool discover = net_filter_tx(&d, f, dlen) == NET_FILTER_PASS;
    put16(f + 36, 999);
    bool not_server = net_filter_tx(&d, f, dlen) != NET_FILTER_PASS;
    len = make_udp(f, fake_mac, DHCP_LEASE_IP, FAKE_IP, 42100, 53, udp, 4);
    memcpy(f + 6, d.mac, 6);
    d.ip = DHCP_LEASE_IP;
    bool after = net_filter_tx(&d, f, len) == NET_FILTER_PASS;
    put32(f + 26, DHCP_LEASE_IP + 1);
    bool other = net_filter_tx(&d, f, len) == NET_FILTER_SRC_IP;
    check(before && discover && not_server && after && other, "filter/dhcp-lease-enforced");
}


/* ---------------------------------------------------- Linux baseline -- */

/* The same workloads over the host kernel's TCP on loopback: an echo server
 * process (poll, non-blocking) and a client with the same pattern checks. */
static void linux_echo_server(int listener)
{
    struct pollfd fds[16];
    int n = 1;
    fds[0] = (struct pollfd){.fd = listener, .events = POLLIN};
    static uint8_t buf[65536];
    for (;;) {
        if (poll(fds, (nfds_t)n, -1) < 0) {
            _exit(1);
        }
        if ((fds[0].revents & POLLIN) && n < 16) {
            int fd = accept(listener, NULL, NULL);
            if (fd >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
            }
        }
        for (int i = 1; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP))) {
                continue;
            }
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {
                close(fds[i].fd);
                fds[i] = fds[--n];
                i--;
                continue;
            }
            for (ssize_t off = 0; off < got;) {
                ssize_t w = write(fds[i].fd, buf + off, (size_t)(got - off));
                if (w <= 0) {
                    break;
                }
                off += w;
            }
        }
    }
}

typedef struct {
    size_t sent, received, total;
    int fd;
    uint32_t seed;
} linux_conn_t;

static int linux_connect(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(2);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Returns elapsed ns; *rounds for the request/response form. */
static uint64_t linux_workload(uint16_t port, int streams, size_t bytes, bool rr, uint64_t *rounds)
{
    linux_conn_t c[8];
    struct pollfd fds[8];
    static uint8_t buf[65536];
    for (int i = 0; i < streams; i++) {
        c[i] = (linux_conn_t){.total = bytes / (size_t)streams, .fd = linux_connect(port),
                              .seed = (uint32_t)i + 500};
    }
    uint64_t start = now_ns(NULL);
    if (rr) {
        uint64_t end = start + 2000000000ull;
        *rounds = 0;
        while (now_ns(NULL) < end) {
            uint8_t msg[64];
            for (size_t k = 0; k < 64; k++) {
                msg[k] = pattern_byte(600, c[0].sent + k);
            }
            if (write(c[0].fd, msg, 64) != 64) {
                exit(2);
            }
            c[0].sent += 64;
            size_t got = 0;
            while (got < 64) {
                ssize_t r = read(c[0].fd, msg + got, 64 - got);
                if (r <= 0) {
                    exit(2);
                }
                got += (size_t)r;
            }
            (*rounds)++;
        }
        uint64_t t = now_ns(NULL) - start;
        close(c[0].fd);
        return t;
    }
    for (;;) {
        int live = 0;
        for (int i = 0; i < streams; i++) {
            short ev = 0;
            if (c[i].received < c[i].total) {
                ev |= POLLIN;
                live++;
            }
            if (c[i].sent < c[i].total) {
                ev |= POLLOUT;
            }
            fds[i] = (struct pollfd){.fd = c[i].fd, .events = ev};
        }
        if (live == 0) {
            break;
        }
        poll(fds, (nfds_t)streams, 1000);
        for (int i = 0; i < streams; i++) {
            if (fds[i].revents & POLLOUT) {
                size_t n = c[i].total - c[i].sent < 4096 ? c[i].total - c[i].sent : 4096;
                for (size_t k = 0; k < n; k++) {
                    buf[k] = pattern_byte(c[i].seed, c[i].sent + k);
                }
                ssize_t w = write(c[i].fd, buf, n);
                if (w > 0) {
                    c[i].sent += (size_t)w;
                }
            }
            if (fds[i].revents & POLLIN) {
                ssize_t r = read(c[i].fd, buf, sizeof buf);
                for (ssize_t k = 0; k < r; k++) {
                    if (buf[k] != pattern_byte(c[i].seed, c[i].received + (size_t)k)) {
                        fprintf(stderr, "linux echo differs\n");
                        exit(2);
                    }
                }
                if (r > 0) {
                    c[i].received += (size_t)r;
                }
            }
        }
    }
    uint64_t t = now_ns(NULL) - start;
    for (int i = 0; i < streams; i++) {
        close(c[i].fd);
    }
    return t;
}

static double cpu_seconds(void)
{
    struct rusage self_use, children;
    getrusage(RUSAGE_SELF, &self_use);
    getrusage(RUSAGE_CHILDREN, &children);
    return (double)(self_use.ru_utime.tv_sec + self_use.ru_stime.tv_sec + children.ru_utime.tv_sec +
                    children.ru_stime.tv_sec) +
           (double)(self_use.ru_utime.tv_usec + self_use.ru_stime.tv_usec +
                    children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1e6;
}

typedef struct {
    double seconds, cpu, value;
} bench_result_t;

static bench_result_t bench_linux(int streams, size_t bytes, bool rr)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (listener < 0 || bind(listener, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(listener, 16) != 0 || getsockname(listener, (struct sockaddr *)&a, &alen) != 0) {
        perror("listen");
        exit(2);
    }
    double cpu0 = cpu_seconds();
    pid_t server = fork();
    if (server == 0) {
        linux_echo_server(listener);
    }
    close(listener);
    uint64_t rounds = 0;
    uint64_t ns = linux_workload(ntohs(a.sin_port), streams, bytes, rr, &rounds);
    kill(server, SIGKILL);
    waitpid(server, NULL, 0);
    bench_result_t r = {.seconds = (double)ns / 1e9, .cpu = cpu_seconds() - cpu0};
    r.value = rr ? (double)rounds : (double)bytes;
    return r;
}

static bench_result_t bench_lwip(void (*scenario)(void))
{
    double cpu0 = cpu_seconds();
    int before = failures;
    run_test("bench/run", scenario, 1, 0, NULL, 0);
    bench_result_t r = {.seconds = (double)sh->ep[1].counter[2] / 1e9,
                        .cpu = cpu_seconds() - cpu0,
                        .value = (double)sh->ep[1].counter[3]};
    if (failures != before) {
        exit(1);
    }
    return r;
}

static double tsc_hz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    double mhz = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "cpu MHz", 7) == 0 && strchr(line, ':') != NULL) {
            char *end;
            mhz = strtod(strchr(line, ':') + 1, &end);
            break;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return mhz > 0 ? mhz * 1e6 : 2e9;
}

static int run_benchmarks(void)
{
    bench_mode = true;
    double hz = tsc_hz();
    printf("Host benchmark: lwIP client processes over ddf/net.h rings (this work) vs the host\n"
           "Linux kernel's TCP on loopback, same echo workloads, same run. CPU is the sum over\n"
           "all processes (stack pair plus the wire for lwIP), in cycles at %.0f MHz.\n",
           hz / 1e6);
    const size_t bytes = 32u << 20;
    int streams_list[2] = {1, 8};
    for (int k = 0; k < 2; k++) {
        bench_streams = streams_list[k];
        bench_bytes = bytes;
        bench_result_t l = bench_lwip(scenario_bench_stream);
        bench_result_t x = bench_linux(bench_streams, bytes, false);
        double lm = l.value * 8 / l.seconds / 1e6, xm = x.value * 8 / x.seconds / 1e6;
        /* Bytes cross each stack twice (there and back). */
        double lc = l.cpu * hz / (2 * l.value), xc = x.cpu * hz / (2 * x.value);
        printf("BENCH: tcp-echo-%d-stream%s throughput lwip %.0f Mbit/s linux %.0f Mbit/s ratio %.2f\n",
               bench_streams, bench_streams > 1 ? "s" : "", lm, xm, lm / xm);
        printf("BENCH: tcp-echo-%d-stream%s cpu-per-byte lwip %.1f cycles linux %.1f cycles ratio %.2f\n",
               bench_streams, bench_streams > 1 ? "s" : "", lc, xc, lc / xc);
    }
    bench_result_t l = bench_lwip(scenario_bench_rr);
    bench_result_t x = bench_linux(1, 0, true);
    double lr = l.value / l.seconds, xr = x.value / x.seconds;
    printf("BENCH: tcp-rr-64B rate lwip %.0f /s linux %.0f /s ratio %.2f (latency lwip %.1f us linux %.1f us)\n",
           lr, xr, lr / xr, 1e6 / lr, 1e6 / xr);
    return 0;
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    if (only != NULL && strcmp(only, "--bench") == 0) {
        return run_benchmarks();
    }
    struct {
        const char *name;
        void (*scenario)(void);
        int driver, drop;
        hook_t hook;
        int offload;
    } tests[] = {
        {"net/tcp-echo-1MiB-with-2pct-loss", scenario_tcp_bulk, 1, 2, NULL, 0},
        {"net/tcp-clean-close", scenario_tcp_clean_close, 1, 0, NULL, 0},
        {"net/tcp-32-concurrent-connections", scenario_concurrent, 1, 0, NULL, 0},
        {"net/udp-echo-200-datagrams", scenario_udp, 1, 0, NULL, 0},
        {"net/tcp-keepalive-detects-dead-peer", scenario_keepalive, 1, 0, hook_keepalive, 0},
        {"net/ports-limited-to-grant", scenario_policy, 1, 0, NULL, 0},
        {"net/hostile-frames-then-echo", scenario_hostile_then_echo, 1, 0, hook_hostile, 0},
        {"net/restart-one-client-other-survives", scenario_restart, 1, 0, hook_restart, 0},
        {"net/dns-resolve", scenario_dns, 1, 0, NULL, 0},
        {"net/dhcp-lease-then-echo", scenario_dhcp, 3, 0, NULL, 0},
        {"net/tcp-echo-1MiB-tso-both-ways", scenario_tcp_bulk, 1, 0, NULL, 1},
        {"net/tcp-echo-1MiB-tso-with-2pct-loss", scenario_tcp_bulk, 1, 2, NULL, 1},
        {"net/tcp-32-concurrent-connections-tso", scenario_concurrent, 1, 0, NULL, 1},
    };
    if (only == NULL) {
        unit_tests();
    }
    for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
        if (only != NULL && strstr(tests[i].name, only) == NULL) {
            continue;
        }
        run_test(tests[i].name, tests[i].scenario, tests[i].driver, tests[i].drop, tests[i].hook,
                 tests[i].offload);
        if (tests[i].scenario == scenario_tcp_bulk && !tests[i].offload) {
            check(sh->saw_wscale, "net/tcp-window-scale-negotiated");
        }
        if (tests[i].offload) {
            /* Both ways really carried segments longer than the MTU. */
            char what[160];
            uint64_t in_place = 0;
            for (int e = 0; e < MAX_EP; e++) {
                in_place += sh->ep[e].counter[7];
            }
            snprintf(what, sizeof what,
                     "%s: segments cut %llu, passed whole %llu, sent in place %llu, checksums left to the wire %llu",
                     tests[i].name, (unsigned long long)sh->gso_cut, (unsigned long long)sh->gso_whole,
                     (unsigned long long)in_place, (unsigned long long)sh->csum_completed);
            /* ...and short TCP frames (ACKs, the last bytes) left their sum
             * to the device; the long ones left from lwIP's heap. */
            check(sh->gso_cut > 0 && sh->gso_whole > 0 && in_place > 0 && sh->csum_completed > 0, what);
        }
    }
    return failures == 0 ? 0 : 1;
}
