/*
 * Host tests for the stack's hardening, each through the real code:
 *   - SipHash-2-4 against the 64 reference vectors of its authors;
 *   - the RFC 6528 ISN formula, and the ISN a real lwIP instance puts in its
 *     SYN (with lwIP's own counter this fails);
 *   - LWIP_RAND comes from the keyed generator, and two secrets give
 *     different streams;
 *   - the ARP policy against forged frames: a request for us from an unknown
 *     sender creates no entry (we answer it and ask back), the owner's reply
 *     to our request does, a later forged request or reply cannot change it,
 *     and a flood of forged requests makes us ask back only a bounded number
 *     of times.
 * The stack is one global instance per process, so the stack tests share
 * one, each with its own addresses.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/etharp.h"
#include "system/net/net_random.h"
#include "system/net/net_stack.h"
#include "system/net/siphash.h"
#include "system/net/sock.h"
#include "tests/ddf/ddf_test.h"
#include "tests/net/test_frames.h"

static const uint64_t sip_vectors[64] = {
    0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
    0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
    0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
    0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
    0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
    0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
    0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
    0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
    0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
    0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
    0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
    0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
    0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
    0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
    0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
    0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

static void siphash_reference_vectors(void)
{
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++) {
        key[i] = (uint8_t)i;
    }
    for (int i = 0; i < 64; i++) {
        msg[i] = (uint8_t)i;
    }
    for (int len = 0; len < 64; len++) {
        CHECK(siphash24(key, msg, (size_t)len) == sip_vectors[len]);
    }
}

static const uint8_t secret_a[NET_RANDOM_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t secret_b[NET_RANDOM_KEY_LEN] = {32, 31, 30};

/* The ISN computed here from the derived key, independently of net_random. */
static uint32_t expected_isn(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport, uint64_t now_ns)
{
    uint8_t key[16];
    net_random_isn_key(key);
    uint8_t t[12] = {(uint8_t)(lip >> 24), (uint8_t)(lip >> 16), (uint8_t)(lip >> 8), (uint8_t)lip,
                     (uint8_t)(lport >> 8), (uint8_t)lport,
                     (uint8_t)(rip >> 24), (uint8_t)(rip >> 16), (uint8_t)(rip >> 8), (uint8_t)rip,
                     (uint8_t)(rport >> 8), (uint8_t)rport};
    return (uint32_t)(now_ns / 4000u) + (uint32_t)siphash24(key, t, sizeof t);
}

static void isn_formula(void)
{
    net_random_set_secret(secret_a);
    uint32_t a = net_random_isn(0x0A00020F, 40000, 0x0A000202, 80, 1000000000ull);
    CHECK(a == expected_isn(0x0A00020F, 40000, 0x0A000202, 80, 1000000000ull));
    /* 4 ms later the same connection's ISN is 1000 ticks on. */
    CHECK(net_random_isn(0x0A00020F, 40000, 0x0A000202, 80, 1004000000ull) == a + 1000u);
    /* Any other port or address: unrelated. */
    uint32_t b = net_random_isn(0x0A00020F, 40001, 0x0A000202, 80, 1000000000ull);
    uint32_t c = net_random_isn(0x0A00020F, 40000, 0x0A000203, 80, 1000000000ull);
    CHECK(b != a && c != a && b != c);
    CHECK(b - a > 65536u && a - b > 65536u);
    /* Another secret: another ISN for the same connection and time. */
    net_random_set_secret(secret_b);
    CHECK(net_random_isn(0x0A00020F, 40000, 0x0A000202, 80, 1000000000ull) != a);
}

static void rand_keyed_and_per_secret(void)
{
    uint32_t first[16], again[16], other[16];
    net_random_set_secret(secret_a);
    for (int i = 0; i < 16; i++) {
        first[i] = net_port_rand();
    }
    net_random_set_secret(secret_a);
    for (int i = 0; i < 16; i++) {
        again[i] = net_port_rand();
    }
    net_random_set_secret(secret_b);
    for (int i = 0; i < 16; i++) {
        other[i] = net_port_rand();
    }
    CHECK(memcmp(first, again, sizeof first) == 0); /* a function of the secret */
    CHECK(memcmp(first, other, sizeof first) != 0);
    /* Across a rekey, still no repeats and balanced bits. */
    uint32_t ones = 0;
    uint32_t seen[4 * NET_RANDOM_REKEY];
    for (size_t i = 0; i < 4 * NET_RANDOM_REKEY; i++) {
        seen[i] = net_port_rand();
        ones += (uint32_t)__builtin_popcount(seen[i]);
        for (size_t j = 0; j < i; j++) {
            CHECK(seen[j] != seen[i]);
        }
    }
    uint32_t bits = 32u * 4u * NET_RANDOM_REKEY;
    CHECK(ones > bits / 2 - bits / 16 && ones < bits / 2 + bits / 16);
    /* Mixing anything in changes the stream. */
    net_random_set_secret(secret_a);
    net_port_seed(1);
    CHECK(net_port_rand() != first[0]);
    /* Gathering from the processor twice gives two secrets. */
    (void)net_random_init(NULL, NULL, NULL, 0);
    uint32_t x = net_port_rand();
    (void)net_random_init(NULL, NULL, NULL, 0);
    CHECK(net_port_rand() != x);
}

/* ------------------------------------------------------- a real stack -- */

#define OUR_IP 0x0A00020Fu
static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x0F};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t evil_mac[6] = {0x02, 0, 0, 0, 0, 0xEE};
static uint64_t clock_ns = 5000000000ull;
static uint8_t tx_buf[2048];
static uint8_t sent[64][1600];
static size_t sent_len[64];
static size_t sent_count;

static size_t link_tx_reserve(void *ctx, size_t len, uint8_t *buf[NET_MAX_CHAIN])
{
    (void)ctx;
    buf[0] = tx_buf;
    return len <= sizeof tx_buf ? 1 : 0;
}

static void link_tx_commit(void *ctx, size_t len, const net_buff_desc_t *meta)
{
    (void)ctx;
    (void)meta;
    if (sent_count < 64 && len <= sizeof sent[0]) {
        memcpy(sent[sent_count], tx_buf, len);
        sent_len[sent_count++] = len;
    }
}

static uint64_t link_now(void *ctx)
{
    (void)ctx;
    return clock_ns;
}


static void arp_in(int op, const uint8_t *smac, uint32_t sip, uint32_t tip)
{
    uint8_t f[60] = {0};
    memcpy(f, op == 1 ? (const uint8_t[6]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff} : our_mac, 6);
    memcpy(f + 6, smac, 6);
    put16(f + 12, 0x0806);
    put16(f + 14, 1);
    put16(f + 16, 0x0800);
    f[18] = 6;
    f[19] = 4;
    put16(f + 20, (uint16_t)op);
    memcpy(f + 22, smac, 6);
    put32(f + 28, sip);
    if (op == 2) {
        memcpy(f + 32, our_mac, 6);
    }
    put32(f + 38, tip);
    net_stack_input(f, sizeof f);
}

/* The MAC the stack maps `ip` to, or NULL. */
static const uint8_t *arp_entry(uint32_t ip)
{
    ip4_addr_t a;
    struct eth_addr *mac;
    const ip4_addr_t *known;
    ip4_addr_set_u32(&a, lwip_htonl(ip));
    if (etharp_find_addr(NULL, &a, &mac, &known) < 0) {
        return NULL;
    }
    return mac->addr;
}

static size_t count_sent_arp(int op, uint32_t target_ip)
{
    size_t n = 0;
    for (size_t i = 0; i < sent_count; i++) {
        if (sent_len[i] >= 42 && get16(sent[i] + 12) == 0x0806 && get16(sent[i] + 20) == op &&
            (target_ip == 0 || get32(sent[i] + 38) == target_ip)) {
            n++;
        }
    }
    return n;
}

static bool stack_up;

static void start_stack(void)
{
    if (stack_up) {
        return;
    }
    static const char grant[] = "mac=02:00:00:00:00:0f ip=10.0.2.15/24 gw=10.0.2.2 tcp=40000-40010 udp=41000";
    net_config_t cfg;
    CHECK(net_config_parse(grant, sizeof grant - 1, &cfg, NULL) == NET_CONFIG_OK);
    net_link_ops_t ops = {.ctx = NULL, .tx_reserve = link_tx_reserve, .tx_commit = link_tx_commit,
                          .now_ns = link_now};
    CHECK(net_stack_init(&cfg, &ops) == NET_OK);
    stack_up = true;
}

static void on_sock(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    (void)s;
    (void)ev;
    (void)child;
    (void)arg;
}

static void syn_carries_rfc6528_isn(void)
{
    start_stack();
    net_random_set_secret(secret_a);
    sent_count = 0;
    uint64_t at[3];
    for (int k = 0; k < 3; k++) {
        net_sock_t *s;
        clock_ns += 12345678ull;
        at[k] = clock_ns;
        CHECK(net_tcp_connect(0x0A000305u, 80, on_sock, NULL, &s) == NET_SOCK_OK);
    }
    /* The SYNs wait for the gateway's address; it answers our request. */
    CHECK(count_sent_arp(1, 0x0A000202u) >= 1);
    arp_in(2, peer_mac, 0x0A000202u, OUR_IP);
    net_stack_poll();
    size_t syns = 0;
    for (size_t i = 0; i < sent_count; i++) {
        const uint8_t *f = sent[i];
        if (sent_len[i] < 54 || get16(f + 12) != 0x0800 || f[23] != 6 || (f[47] & 0x12) != 0x02) {
            continue;
        }
        uint16_t lport = get16(f + 34), rport = get16(f + 36);
        /* lwIP numbers its SYN one below the ISN it drew (snd_lbb). */
        uint32_t seq = get32(f + 38) + 1u;
        bool ok = false;
        for (int k = 0; k < 3; k++) {
            ok = ok || seq == expected_isn(OUR_IP, lport, 0x0A000305u, rport, at[k]);
        }
        CHECK(ok);
        syns++;
    }
    CHECK(syns == 3);
}

static void arp_forged_request_creates_no_entry(void)
{
    start_stack();
    uint32_t peer = 0x0A000210u;
    sent_count = 0;
    arp_in(1, evil_mac, peer, OUR_IP);
    CHECK(arp_entry(peer) == NULL);           /* lwIP alone would map it to evil_mac */
    CHECK(count_sent_arp(2, peer) == 1);      /* the request was still answered */
    CHECK(count_sent_arp(1, peer) == 1);      /* and asked back */
    /* The owner answers our request: that is learned. */
    arp_in(2, peer_mac, peer, OUR_IP);
    const uint8_t *m = arp_entry(peer);
    CHECK(m != NULL && memcmp(m, peer_mac, 6) == 0);
    /* Forged request and reply after that change nothing. */
    arp_in(1, evil_mac, peer, OUR_IP);
    arp_in(2, evil_mac, peer, OUR_IP);
    m = arp_entry(peer);
    CHECK(m != NULL && memcmp(m, peer_mac, 6) == 0);
    /* An unsolicited reply for another address teaches nothing. */
    arp_in(2, evil_mac, 0x0A000211u, OUR_IP);
    CHECK(arp_entry(0x0A000211u) == NULL);
}

static void arp_request_flood_is_rate_limited(void)
{
    start_stack();
    clock_ns += 60000000000ull; /* a fresh budget */
    net_stack_poll();
    sent_count = 0;
    for (uint32_t i = 0; i < 40; i++) {
        arp_in(1, evil_mac, 0x0A000220u + i, OUR_IP);
    }
    size_t asked = count_sent_arp(1, 0);
    CHECK(count_sent_arp(2, 0) == 40); /* every one answered */
    CHECK(asked >= 1 && asked <= 8);   /* NET_ARP_ASKBACK_BURST */
    for (uint32_t i = 0; i < 40; i++) {
        CHECK(arp_entry(0x0A000220u + i) == NULL);
    }
    /* The budget refills with time. */
    clock_ns += 1000000000ull;
    sent_count = 0;
    arp_in(1, evil_mac, 0x0A000260u, OUR_IP);
    CHECK(count_sent_arp(1, 0x0A000260u) == 1);
}

int main(void)
{
    RUN("secure/siphash-reference-vectors", siphash_reference_vectors);
    RUN("secure/isn-formula", isn_formula);
    RUN("secure/rand-keyed-per-secret", rand_keyed_and_per_secret);
    RUN("secure/syn-carries-rfc6528-isn", syn_carries_rfc6528_isn);
    RUN("secure/arp-forged-request-creates-no-entry", arp_forged_request_creates_no_entry);
    RUN("secure/arp-request-flood-rate-limited", arp_request_flood_is_rate_limited);
    return ddf_test_failures == 0 ? 0 : 1;
}
