/*
 * Host tests of the queue headers: ring arithmetic, wrap-around, hostile
 * peers that corrupt the shared indices, the signalling rule, and the
 * serial, block and network wrappers.
 */
#include <stdlib.h>
#include <string.h>

#include "ddf/blk.h"
#include "ddf/net.h"
#include "ddf/net_csum.h"
#include "ddf/net_frame.h"
#include "ddf/serial.h"
#include "tests/ddf/ddf_test.h"

static _Alignas(64) uint8_t region[65536];

static void ring_fifo_order_and_wrap(void)
{
    serial_queue_t p, c;
    memset(region, 0xAA, sizeof(region));
    CHECK(serial_attach(&c, region, sizeof(region), 8, false, true) == DDF_RING_OK);
    CHECK(serial_attach(&p, region, sizeof(region), 8, true, false) == DDF_RING_OK);
    uint8_t next_in = 0, next_out = 0;
    for (int round = 0; round < 100; round++) {
        int n = round % 9;
        for (int i = 0; i < n; i++) {
            CHECK(serial_put(&p, next_in++) == DDF_RING_OK);
        }
        if (n == 8) {
            CHECK(serial_full(&p));
            CHECK(serial_put(&p, 0) == DDF_RING_FULL);
        }
        for (int i = 0; i < n; i++) {
            uint8_t ch = 0;
            CHECK(serial_get(&c, &ch) == DDF_RING_OK);
            CHECK(ch == next_out);
            next_out++;
        }
        uint8_t ch;
        CHECK(serial_get(&c, &ch) == DDF_RING_EMPTY);
    }
}

static void ring_rejects_bad_capacity(void)
{
    serial_queue_t q;
    CHECK(serial_attach(&q, region, sizeof(region), 0, true, true) == DDF_RING_INVALID);
    CHECK(serial_attach(&q, region, sizeof(region), 12, true, true) == DDF_RING_INVALID);
    CHECK(serial_attach(&q, region, 100, 64, true, true) == DDF_RING_INVALID);
    CHECK(serial_attach(&q, NULL, sizeof(region), 8, true, true) == DDF_RING_INVALID);
}

static void ring_index_wraps_at_2_32(void)
{
    serial_queue_t p, c;
    ddf_ring_shared_t *s = (ddf_ring_shared_t *)region;
    CHECK(serial_attach(&c, region, sizeof(region), 4, false, true) == DDF_RING_OK);
    s->head = s->tail = UINT32_MAX - 1;
    CHECK(serial_attach(&c, region, sizeof(region), 4, false, false) == DDF_RING_OK);
    CHECK(serial_attach(&p, region, sizeof(region), 4, true, false) == DDF_RING_OK);
    for (int i = 0; i < 4; i++) {
        CHECK(serial_put(&p, (uint8_t)i) == DDF_RING_OK);
    }
    CHECK(serial_put(&p, 9) == DDF_RING_FULL);
    for (int i = 0; i < 4; i++) {
        uint8_t ch = 99;
        CHECK(serial_get(&c, &ch) == DDF_RING_OK && ch == i);
    }
    CHECK(s->head == 2 && s->tail == 2);
}

/* A hostile producer pushes tail far ahead: the consumer refuses and stays put. */
static void ring_consumer_rejects_impossible_tail(void)
{
    serial_queue_t p, c;
    ddf_ring_shared_t *s = (ddf_ring_shared_t *)region;
    CHECK(serial_attach(&c, region, sizeof(region), 16, false, true) == DDF_RING_OK);
    CHECK(serial_attach(&p, region, sizeof(region), 16, true, false) == DDF_RING_OK);
    CHECK(serial_put(&p, 'x') == DDF_RING_OK);
    s->tail = 17 + 1000;
    uint8_t ch = 0;
    CHECK(serial_get(&c, &ch) == DDF_RING_CORRUPT);
    CHECK(c.ring.local == 0 && s->head == 0);
    s->tail = UINT32_MAX; /* "behind" the head: also impossible */
    CHECK(serial_get(&c, &ch) == DDF_RING_CORRUPT);
    CHECK(serial_empty(&c));
    s->tail = 1; /* the peer repents */
    CHECK(serial_get(&c, &ch) == DDF_RING_OK && ch == 'x');
}

/* A hostile consumer moves head: the producer refuses to overwrite. */
static void ring_producer_rejects_impossible_head(void)
{
    serial_queue_t p, c;
    ddf_ring_shared_t *s = (ddf_ring_shared_t *)region;
    CHECK(serial_attach(&c, region, sizeof(region), 16, false, true) == DDF_RING_OK);
    CHECK(serial_attach(&p, region, sizeof(region), 16, true, false) == DDF_RING_OK);
    s->head = 5; /* consumer claims to have taken entries that were never there */
    CHECK(serial_put(&p, 'x') == DDF_RING_CORRUPT);
    CHECK(p.ring.local == 0 && s->tail == 0);
    /* A peer that rewrites our own published index does not move us. */
    s->head = 0;
    s->tail = 12345;
    CHECK(serial_put(&p, 'y') == DDF_RING_OK);
    CHECK(s->tail == 1);
}

static void ring_signal_rule_request_and_recheck(void)
{
    serial_queue_t p, c;
    CHECK(serial_attach(&c, region, sizeof(region), 16, false, true) == DDF_RING_OK);
    CHECK(serial_attach(&p, region, sizeof(region), 16, true, false) == DDF_RING_OK);
    /* No request: the producer need not notify. */
    CHECK(serial_put(&p, 'a') == DDF_RING_OK);
    CHECK(!serial_should_notify(&p));
    uint8_t ch;
    CHECK(serial_get(&c, &ch) == DDF_RING_OK);
    /* Consumer drained the ring and asks; the next publish must notify, once. */
    serial_request_signal(&c);
    CHECK(serial_empty(&c));
    CHECK(serial_put(&p, 'b') == DDF_RING_OK);
    CHECK(serial_should_notify(&p));
    CHECK(!serial_should_notify(&p));
    /* Request then cancel after the re-check found data: no notify owed. */
    serial_request_signal(&c);
    CHECK(!serial_empty(&c));
    serial_cancel_signal(&c);
    CHECK(serial_put(&p, 'c') == DDF_RING_OK);
    CHECK(!serial_should_notify(&p));
    /* Space signal, the other direction. */
    while (serial_put(&p, 'z') == DDF_RING_OK) {
    }
    serial_request_space_signal(&p);
    CHECK(serial_full(&p));
    CHECK(serial_get(&c, &ch) == DDF_RING_OK);
    CHECK(serial_should_notify_space(&c));
    CHECK(!serial_should_notify_space(&c));
}

static void serial_peek_at_sees_without_taking(void)
{
    serial_queue_t p, c;
    CHECK(serial_attach(&c, region, sizeof(region), 8, false, true) == DDF_RING_OK);
    CHECK(serial_attach(&p, region, sizeof(region), 8, true, false) == DDF_RING_OK);
    CHECK(serial_write(&p, "hello world", 11) == 8);
    uint8_t ch = 0;
    CHECK(serial_peek_at(&c, 4, &ch) == DDF_RING_OK && ch == 'o');
    CHECK(serial_peek_at(&c, 8, &ch) == DDF_RING_EMPTY);
    CHECK(serial_peek_at(&p, 0, &ch) == DDF_RING_EMPTY);
    CHECK(serial_get(&c, &ch) == DDF_RING_OK && ch == 'h');
}

static void blk_requests_and_responses_round_trip(void)
{
    blk_queue_t client, server;
    CHECK(blk_attach(&server, region, sizeof(region), 32, false, true) == DDF_RING_OK);
    CHECK(blk_attach(&client, region, sizeof(region), 32, true, false) == DDF_RING_OK);
    CHECK(blk_attach(&client, region, 64, 32, true, false) == DDF_RING_INVALID);
    for (uint32_t i = 0; i < 32; i++) {
        blk_req_t r = {.code = BLK_REQ_READ, .id = i, .offset = i * 4096ull, .block = i * 7, .count = 1};
        CHECK(blk_req_enqueue(&client, &r) == DDF_RING_OK);
    }
    blk_req_t extra = {0};
    CHECK(blk_req_enqueue(&client, &extra) == DDF_RING_FULL);
    for (uint32_t i = 0; i < 32; i++) {
        blk_req_t r;
        CHECK(blk_req_dequeue(&server, &r) == DDF_RING_OK);
        CHECK(r.id == i && r.block == i * 7 && r.offset == i * 4096ull);
        blk_resp_t resp = {.status = BLK_RESP_OK, .id = r.id, .count = r.count};
        CHECK(blk_resp_enqueue(&server, &resp) == DDF_RING_OK);
    }
    for (uint32_t i = 0; i < 32; i++) {
        blk_resp_t resp;
        CHECK(blk_resp_dequeue(&client, &resp) == DDF_RING_OK && resp.id == i && resp.count == 1);
    }
    blk_resp_t none;
    CHECK(blk_resp_dequeue(&client, &none) == DDF_RING_EMPTY);
    /* Ends cannot use the wrong ring. */
    blk_req_t r;
    CHECK(blk_req_dequeue(&client, &r) == DDF_RING_INVALID);
    CHECK(blk_resp_enqueue(&client, &none) == DDF_RING_INVALID);
}

static void net_free_and_active_rings(void)
{
    net_queue_t client, server; /* receive direction: server produces active */
    CHECK(net_attach(&server, region, sizeof(region), 64, true, true) == DDF_RING_OK);
    CHECK(net_attach(&client, region, sizeof(region), 64, false, false) == DDF_RING_OK);
    for (uint64_t i = 0; i < 64; i++) {
        CHECK(net_enqueue_free(&client, i * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    }
    CHECK(net_enqueue_free(&client, 0, 0) == DDF_RING_FULL);
    net_buff_desc_t d;
    CHECK(net_dequeue_free(&server, &d) == DDF_RING_OK && d.offset == 0);
    CHECK(net_enqueue_active(&server, d.offset, 60) == DDF_RING_OK);
    CHECK(net_dequeue_active(&client, &d) == DDF_RING_OK && d.len == 60);
    CHECK(net_enqueue_active(&client, 0, 0) == DDF_RING_INVALID);
    net_buff_desc_t ok = {.offset = 2 * NET_BUFFER_SIZE, .len = 1514};
    net_buff_desc_t misaligned = {.offset = 100, .len = 60};
    net_buff_desc_t outside = {.offset = 64 * NET_BUFFER_SIZE, .len = 60};
    net_buff_desc_t huge = {.offset = 0, .len = NET_BUFFER_SIZE + 1};
    net_buff_desc_t wrap = {.offset = UINT64_MAX - 2047, .len = 1};
    CHECK(net_desc_valid(&ok, 64 * NET_BUFFER_SIZE));
    CHECK(!net_desc_valid(&misaligned, 64 * NET_BUFFER_SIZE));
    CHECK(!net_desc_valid(&outside, 64 * NET_BUFFER_SIZE));
    CHECK(!net_desc_valid(&huge, 64 * NET_BUFFER_SIZE));
    CHECK(!net_desc_valid(&wrap, 64 * NET_BUFFER_SIZE));
}

static void net_chains_publish_whole_frames(void)
{
    net_queue_t client, server; /* transmit direction: client produces active */
    CHECK(net_attach(&server, region, sizeof(region), 8, false, true) == DDF_RING_OK);
    CHECK(net_attach(&client, region, sizeof(region), 8, true, false) == DDF_RING_OK);
    net_buff_desc_t chain[6] = {
        {.offset = 0, .len = 2048, .flags = NET_DESC_GSO_TCPV4 | NET_DESC_CSUM_PARTIAL, .csum_start = 34,
         .csum_offset = 16, .gso_size = 1448},
        {.offset = 2048, .len = 2048, .flags = 0},
        {.offset = 4096, .len = 100, .flags = NET_DESC_MORE}, /* MORE on the last is cleared */
    };
    CHECK(net_enqueue_chain(&client, chain, 3) == DDF_RING_OK);
    CHECK(net_enqueue_chain(&client, chain, 6) == DDF_RING_FULL); /* 5 free: all or nothing */
    CHECK(net_enqueue_chain(&client, chain, 0) == DDF_RING_INVALID);
    net_buff_desc_t d[NET_MAX_CHAIN] = {{0}};
    uint32_t n = 0;
    CHECK(net_dequeue_frame(&server, d, &n) == DDF_RING_OK && n == 3);
    CHECK(d[0].flags == (NET_DESC_MORE | NET_DESC_GSO_TCPV4 | NET_DESC_CSUM_PARTIAL) && d[0].gso_size == 1448);
    CHECK(d[1].flags == NET_DESC_MORE && d[2].flags == 0 && d[2].len == 100);
    CHECK(net_dequeue_frame(&server, d, &n) == DDF_RING_EMPTY && n == 0);
    /* A producer breaking the rule: a chain the ring's end cuts short. */
    CHECK(net_enqueue_active(&client, 0, 60) == DDF_RING_OK);
    client.active_slots[(client.active.local - 1) & 7].flags = NET_DESC_MORE;
    CHECK(net_dequeue_frame(&server, d, &n) == DDF_RING_INVALID && n == 1 && d[0].offset == 0);
    /* The offload words travel on the free rings' control blocks. */
    net_set_tx_offloads(&server, NET_OFFLOAD_TX_CSUM | 0x80000000u);
    CHECK(net_tx_offloads(&client) == NET_OFFLOAD_TX_CSUM);
}

static void net_bytes_inside_a_buffer(void)
{
    net_buff_desc_t head = {.offset = 2 * NET_BUFFER_SIZE + 12, .len = NET_BUFFER_SIZE - 12};
    net_buff_desc_t over = {.offset = 2 * NET_BUFFER_SIZE + 12, .len = NET_BUFFER_SIZE - 11};
    net_buff_desc_t last = {.offset = 63 * NET_BUFFER_SIZE + 100, .len = 1};
    net_buff_desc_t outside = {.offset = 64 * NET_BUFFER_SIZE + 100, .len = 1};
    CHECK(net_desc_bytes_valid(&head, 64 * NET_BUFFER_SIZE) && net_desc_buffer(&head) == 2 * NET_BUFFER_SIZE);
    CHECK(!net_desc_valid(&head, 64 * NET_BUFFER_SIZE));
    CHECK(!net_desc_bytes_valid(&over, 64 * NET_BUFFER_SIZE));
    CHECK(net_desc_bytes_valid(&last, 64 * NET_BUFFER_SIZE));
    CHECK(!net_desc_bytes_valid(&outside, 64 * NET_BUFFER_SIZE));
}

/* The checksum of a frame in pieces equals the checksum of it in one piece,
 * wherever the pieces are cut (odd lengths included). */
static void net_csum_any_cut(void)
{
    static uint8_t whole[3001], cut[3001];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof whole; i++) {
        x = x * 1103515245u + 12345u;
        whole[i] = (uint8_t)(x >> 16);
    }
    whole[40] = 0x12; /* the "pseudo-header sum" in the field at 34 + 6 */
    whole[41] = 0x34;
    net_piece_t one = {whole, sizeof whole};
    memcpy(cut, whole, sizeof whole);
    CHECK(net_csum_complete(&one, 1, 34, 6));
    /* The receiver's check: the sum over the completed frame plus the pseudo
     * header (which the field held) is all ones (RFC 1071). */
    net_csum_t c = {0x1234, false};
    net_csum_add(&c, whole + 34, sizeof whole - 34);
    CHECK(net_csum_fold(c.sum) == 0xFFFF);
    for (size_t a = 42; a < 60; a++) {
        for (size_t b = a; b < a + 7; b++) {
            static uint8_t copy[3001];
            memcpy(copy, cut, sizeof copy);
            net_piece_t p[3] = {{copy, a}, {copy + a, b - a}, {copy + b, sizeof copy - b}};
            CHECK(net_csum_complete(p, 3, 34, 6));
            CHECK(copy[40] == whole[40] && copy[41] == whole[41]);
        }
    }
    net_piece_t short_first = {cut, 41};
    CHECK(!net_csum_complete(&short_first, 1, 34, 6) && cut[40] == 0x12);
}

/* Every combination of the header fields the lengths depend on, each frame
 * cut at every length up to past the longest headers and held in exactly
 * that many bytes, so that a read past the end trips AddressSanitizer. An
 * answer is the whole headers' length, within the bytes given, and only for
 * an IPv4 TCP frame with sound lengths; every such frame gets one. */
static void net_frame_header_lengths_for_every_field_and_cut(void)
{
    uint8_t f[NET_FRAME_MAX_HEADERS + 8];
    for (unsigned kind = 0; kind < 4; kind++) { /* IPv4/TCP, IPv6 version, UDP, ARP type */
        for (unsigned ihl = 0; ihl < 16; ihl++) {
            for (unsigned doff = 0; doff < 16; doff++) {
                memset(f, 0x5A, sizeof f);
                f[12] = 0x08;
                f[13] = kind == 3 ? 0x06 : 0x00;
                f[14] = (uint8_t)((kind == 1 ? 6u : 4u) << 4 | ihl);
                f[23] = kind == 2 ? NET_IP_PROTO_UDP : NET_IP_PROTO_TCP;
                size_t ip_at = NET_ETH_HDR_LEN, tcp_at = ip_at + 4u * ihl;
                if (tcp_at + 12 < sizeof f) {
                    f[tcp_at + 12] = (uint8_t)(doff << 4 | 0x0F); /* low bits are not the offset */
                }
                size_t whole = tcp_at + 4u * doff;
                bool sound = kind == 0 && ihl >= 5 && doff >= 5;
                for (size_t len = 0; len <= sizeof f; len++) {
                    uint8_t *held = malloc(len ? len : 1);
                    if (held == NULL) {
                        CHECK(held != NULL);
                        return;
                    }
                    memcpy(held, f, len);
                    size_t ip = net_frame_ipv4_header_len(held, len);
                    size_t all = net_frame_tcp_headers_len(held, len);
                    free(held);
                    bool ip_sound = kind != 1 && kind != 3 && ihl >= 5 && tcp_at <= len;
                    CHECK(ip == (ip_sound ? 4u * ihl : 0));
                    CHECK(all == (sound && whole <= len ? whole : 0));
                }
            }
        }
    }
}

int main(void)
{
    RUN("ring/fifo-order-and-wrap", ring_fifo_order_and_wrap);
    RUN("ring/rejects-bad-capacity", ring_rejects_bad_capacity);
    RUN("ring/index-wraps-at-2^32", ring_index_wraps_at_2_32);
    RUN("ring/consumer-rejects-impossible-tail", ring_consumer_rejects_impossible_tail);
    RUN("ring/producer-rejects-impossible-head", ring_producer_rejects_impossible_head);
    RUN("ring/signal-rule-request-and-recheck", ring_signal_rule_request_and_recheck);
    RUN("serial/peek-at-sees-without-taking", serial_peek_at_sees_without_taking);
    RUN("blk/requests-and-responses-round-trip", blk_requests_and_responses_round_trip);
    RUN("net/free-and-active-rings", net_free_and_active_rings);
    RUN("net/chains-publish-whole-frames", net_chains_publish_whole_frames);
    RUN("net/bytes-inside-a-buffer", net_bytes_inside_a_buffer);
    RUN("net/csum-any-cut", net_csum_any_cut);
    RUN("net/frame-header-lengths-for-every-field-and-cut", net_frame_header_lengths_for_every_field_and_cut);
    return ddf_test_failures ? 1 : 0;
}
