/*
 * The in-guest network test's wire: a minimal network virtualiser for three
 * lwIP clients (echo A, echo C, the driver), on the ddf/net.h queues, plus
 * the parent of echo A so it can restart it when the driver asks (through a
 * shared control word: the wire never waits, so it takes no notifications),
 * and the source of a hostile-frame campaign against echo A.
 *
 * It runs at the lowest priority and never sleeps: it moves frames between
 * the clients by destination MAC (broadcast to all), copying each into a
 * buffer the receiver offered, checks every transmitted frame against its
 * sender's grant with net_filter_tx, and every few milliseconds notifies
 * every client so lwIP's timers run (the timer stub fires no timeouts).
 */
#include <microkit.h>

#include "ddf/net.h"
#include "system/net/net_config.h"
#include "system/net/net_filter.h"

#define CLIENTS 3
#define CAPACITY 128
#define QUEUE_SIZE 0x2000
#define DATA_SIZE 0x80000
#define BASE 0x20000000ul
#define STRIDE 0x1000000ul
#define ECHO_A_CHILD 1
#define ENTRY_POINT 0x200000

/* The grants, as the clients' builds have them (tests/net/net.mk passes
 * them; the defaults are the same). */
#ifndef NET_GRANT_A
#define NET_GRANT_A "mac=02:00:00:00:00:01 ip=10.0.0.1/24 tcp=7 udp=7"
#define NET_GRANT_C "mac=02:00:00:00:00:03 ip=10.0.0.3/24 tcp=7 udp=7"
#define NET_GRANT_D "mac=02:00:00:00:00:02 ip=10.0.0.2/24 tcp=40000-40999 udp=41000-41010"
#endif
static const char *const grants[CLIENTS] = {NET_GRANT_A, NET_GRANT_C, NET_GRANT_D};

typedef struct {
    net_queue_t rx, tx;
    uint8_t *rx_data, *tx_data;
    net_config_t grant;
} wire_client_t;

static wire_client_t clients[CLIENTS];
static uint64_t refused;

/* Shared with the driver: word 0 is 1 when it asks for echo A's restart,
 * and the wire sets it to 2 once done. */
uintptr_t control __attribute__((section(".data")));

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

static size_t text_len(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

static bool mac_is(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < 6; i++) {
        if (a[i] != b[i]) {
            return false;
        }
    }
    return true;
}

static void deliver(int dst, const uint8_t *frame, uint16_t len)
{
    net_buff_desc_t d;
    wire_client_t *c = &clients[dst];
    if (net_dequeue_free(&c->rx, &d) != DDF_RING_OK) {
        return; /* no buffer offered: the frame is lost, as on a wire */
    }
    if (!net_desc_valid(&d, DATA_SIZE)) {
        return;
    }
    uint8_t *buf = c->rx_data + d.offset;
    for (uint16_t i = 0; i < len; i++) {
        buf[i] = frame[i];
    }
    net_enqueue_active(&c->rx, d.offset, len);
    microkit_notify((microkit_channel)(2 * dst));
}

static bool move_frames(void)
{
    static uint8_t frame[NET_BUFFER_SIZE];
    bool moved = false;
    for (int src = 0; src < CLIENTS; src++) {
        net_buff_desc_t d;
        wire_client_t *c = &clients[src];
        while (net_dequeue_active(&c->tx, &d) == DDF_RING_OK) {
            moved = true;
            uint64_t off = d.offset;
            uint16_t len = d.len;
            if (!net_desc_valid(&d, DATA_SIZE) || len < 14 || len > NET_BUFFER_SIZE) {
                continue;
            }
            for (uint16_t i = 0; i < len; i++) {
                frame[i] = c->tx_data[off + i];
            }
            net_enqueue_free(&c->tx, off, 0);
            if (net_filter_tx(&c->grant, frame, len) != NET_FILTER_PASS) {
                refused++;
                microkit_dbg_puts("wire: refused a frame: ");
                microkit_dbg_puts(net_filter_reason(net_filter_tx(&c->grant, frame, len)));
                microkit_dbg_puts("\n");
                continue;
            }
            for (int dst = 0; dst < CLIENTS; dst++) {
                if (dst != src && ((frame[0] & 1) || mac_is(frame, clients[dst].grant.mac))) {
                    deliver(dst, frame, len);
                }
            }
        }
    }
    return moved;
}

/* ------------------------------------------------------ hostile frames -- */

static uint64_t hostile_state = 0x2545F4914F6CDD1Dull;

static uint32_t hostile_rand(void)
{
    hostile_state ^= hostile_state << 13;
    hostile_state ^= hostile_state >> 7;
    hostile_state ^= hostile_state << 17;
    return (uint32_t)hostile_state;
}

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A UDP frame to echo A from a host that does not exist (10.0.0.9), damaged
 * in one of several ways, or a forged ARP reply for the driver's address. */
static uint16_t hostile_frame(uint8_t *f)
{
    static const uint8_t fake_mac[6] = {2, 0, 0, 0, 0, 9};
    uint16_t payload = (uint16_t)(hostile_rand() % 512);
    for (int i = 0; i < 6; i++) {
        f[i] = clients[0].grant.mac[i];
        f[6 + i] = fake_mac[i];
    }
    uint32_t kind = hostile_rand() % 12;
    if (kind == 11) {
        /* ARP reply: "10.0.0.2 is at the fake MAC", never asked for. */
        put16(f + 12, 0x0806);
        put16(f + 14, 1);
        put16(f + 16, 0x0800);
        f[18] = 6;
        f[19] = 4;
        put16(f + 20, 2);
        for (int i = 0; i < 6; i++) {
            f[22 + i] = fake_mac[i];
            f[32 + i] = clients[0].grant.mac[i];
        }
        f[28] = 10, f[29] = 0, f[30] = 0, f[31] = 2;
        f[38] = 10, f[39] = 0, f[40] = 0, f[41] = 1;
        return 60;
    }
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, 28u + payload);
    put16(ip + 4, hostile_rand());
    put16(ip + 6, 0);
    ip[8] = 64;
    ip[9] = 17;
    put16(ip + 10, 0);
    ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 9;
    ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 1;
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) {
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    put16(ip + 10, ~sum & 0xFFFF);
    put16(ip + 20, hostile_rand());
    put16(ip + 22, 7);
    put16(ip + 24, 8u + payload);
    put16(ip + 26, 0);
    for (uint16_t i = 0; i < payload; i++) {
        ip[28 + i] = (uint8_t)hostile_rand();
    }
    uint16_t len = (uint16_t)(42 + payload);
    switch (kind) {
    case 0: ip[9] = 6; break;                                    /* claims TCP */
    case 1: ip[9] = 1; break;                                    /* claims ICMP */
    case 2: put16(ip + 6, 0x2000 | (hostile_rand() & 0x1FFF)); break; /* fragment */
    case 3: ip[0] = (uint8_t)(0x40 | (hostile_rand() & 15)); break;   /* header length */
    case 4: put16(ip + 2, hostile_rand()); break;                /* total length */
    case 5: len = (uint16_t)(14 + hostile_rand() % 30); break;   /* truncated */
    case 6: ip[10] ^= 0x5A; break;                               /* bad checksum */
    case 7: len = (uint16_t)(1514 + hostile_rand() % 500); break; /* oversized */
    default:
        for (uint16_t i = 12; i < len; i++) {
            if (hostile_rand() % 8 == 0) {
                f[i] = (uint8_t)hostile_rand();
            }
        }
        break;
    }
    return len;
}

static void hostile_campaign(unsigned frames)
{
    static uint8_t f[NET_BUFFER_SIZE];
    for (unsigned i = 0; i < frames; i++) {
        uint16_t len = hostile_frame(f);
        if (len > NET_BUFFER_SIZE) {
            len = NET_BUFFER_SIZE;
        }
        deliver(0, f, len);
        move_frames(); /* echo A's answers, and room for the next frame */
    }
}

void init(void)
{
    for (int i = 0; i < CLIENTS; i++) {
        uint8_t *base = (uint8_t *)(BASE + (uintptr_t)i * STRIDE);
        wire_client_t *c = &clients[i];
        /* The regions start zeroed: empty rings, whoever attaches first. */
        if (net_attach(&c->rx, base, QUEUE_SIZE, CAPACITY, true, false) != DDF_RING_OK ||
            net_attach(&c->tx, base + 0x200000, QUEUE_SIZE, CAPACITY, false, false) != DDF_RING_OK ||
            net_config_parse(grants[i], text_len(grants[i]), &c->grant, NULL) != NET_CONFIG_OK) {
            microkit_dbg_puts("FAIL: net-guest/wire-set-up\n");
            return;
        }
        c->rx_data = base + 0x100000;
        c->tx_data = base + 0x300000;
    }
    microkit_dbg_puts("wire: running\n");
    uint64_t last_tick = rdtsc();
    for (;;) {
        move_frames();
        volatile uint32_t *ctl = (volatile uint32_t *)control;
        if (ctl[0] == 1) {
            microkit_dbg_puts("wire: restarting echo_a\n");
            microkit_pd_restart(ECHO_A_CHILD, ENTRY_POINT);
            ctl[0] = 2;
        }
        if (ctl[0] == 3) {
            microkit_dbg_puts("wire: 5000 hostile frames to echo_a\n");
            hostile_campaign(5000);
            ctl[0] = 4;
        }
        uint64_t now = rdtsc();
        if (now - last_tick > 10000000u) { /* a few ms at GHz rates */
            last_tick = now;
            for (int i = 0; i < CLIENTS; i++) {
                microkit_notify((microkit_channel)(2 * i));
            }
        }
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
