/*
 * Host tests for the client end of the network queues (net_link) with a real
 * lwIP instance on top, the test playing the virtualiser on the same rings:
 *   - a large received frame is lent to lwIP in place: its buffer stays out
 *     of the free ring until the reader has taken the data, then comes back;
 *   - a small one is copied and its buffer comes back at once;
 *   - once half the buffers are lent, frames are copied instead, so a slow
 *     reader never leaves the virtualiser without buffers;
 *   - a descriptor naming a buffer lwIP still holds is refused, and the data
 *     in that buffer stays as it was;
 *   - a restart takes back exactly the buffers the dead instance had lent,
 *     not those waiting on either ring.
 * The stack is one global instance per process, so the tests share it and
 * run in this order; the restart test comes last.
 */
#include <stdint.h>
#include <string.h>

#include "lwip/pbuf.h"
#include "system/net/net_link.h"
#include "system/net/net_stack.h"
#include "system/net/sock.h"
#include "tests/ddf/ddf_test.h"
#include "tests/net/test_frames.h"

#define CAP 16u
#define OUR_IP 0x0A00020Fu
#define PEER_IP 0x0A000205u
#define PORT 41000

static const uint8_t our_mac[6] = {0x02, 0, 0, 0, 0, 0x0f};
static const uint8_t peer_mac[6] = {0x02, 0, 0, 0, 0, 0x05};

static uint8_t rx_queue[2 * 4096] __attribute__((aligned(64)));
static uint8_t tx_queue[2 * 4096] __attribute__((aligned(64)));
static uint8_t rx_data[CAP * NET_BUFFER_SIZE];
/* Room for lwIP's heap after the buffers: segments are sent in place. */
static uint8_t tx_data[(CAP + NET_LINK_MIN_TX_BUFFERS) * NET_BUFFER_SIZE + NET_STACK_HEAP_BYTES];

static net_link_t client_link;
static net_queue_t virt_rx, virt_tx; /* the virtualiser's ends: produces rx active, tx free */
static net_sock_t *sock;

static uint64_t now_ns(void *ctx)
{
    (void)ctx;
    return 0;
}

static void on_sock(net_sock_t *s, net_sock_event_t ev, net_sock_t *child, void *arg)
{
    (void)s;
    (void)ev;
    (void)child;
    (void)arg;
}

/* The virtualiser delivers one datagram in one of the client's buffers;
 * returns the buffer's offset. */
static uint64_t deliver(size_t len, uint8_t fill)
{
    static uint8_t payload[NET_BUFFER_SIZE];
    memset(payload, fill, len);
    net_buff_desc_t d = {0};
    CHECK(net_dequeue_free(&virt_rx, &d) == DDF_RING_OK);
    size_t flen = udp_frame(rx_data + d.offset, our_mac, peer_mac, PEER_IP, OUR_IP, 5000, PORT, payload, len);
    CHECK(net_enqueue_active(&virt_rx, d.offset, (uint16_t)flen) == DDF_RING_OK);
    return d.offset;
}

/* Buffers waiting on the rx free ring for the virtualiser. */
static uint32_t offered(void)
{
    ddf_ring_err_t err;
    uint32_t n = ddf_ring_count(&virt_rx.free, &err);
    CHECK(err == DDF_RING_OK);
    return n;
}

/* Reads one datagram and checks it is `len` bytes of `fill`. */
static void read_datagram(size_t len, uint8_t fill)
{
    static uint8_t buf[2048];
    uint32_t ip;
    uint16_t port;
    size_t got = net_udp_recvfrom(sock, buf, sizeof buf, &ip, &port);
    CHECK(got == len && ip == PEER_IP && port == 5000);
    for (size_t i = 0; i < got; i++) {
        if (buf[i] != fill) {
            CHECK(!"datagram bytes changed");
            break;
        }
    }
}

static void start(void)
{
    net_link_region_t rx = {rx_queue, sizeof rx_queue, rx_data, sizeof rx_data};
    net_link_region_t tx = {tx_queue, sizeof tx_queue, tx_data, sizeof tx_data};
    CHECK(net_region_bytes(CAP) <= sizeof rx_queue);
    CHECK(net_link_init(&client_link, &rx, &tx, CAP, now_ns, NULL) == 0);
    CHECK(net_attach(&virt_rx, rx_queue, sizeof rx_queue, CAP, true, false) == DDF_RING_OK);
    CHECK(net_attach(&virt_tx, tx_queue, sizeof tx_queue, CAP, false, false) == DDF_RING_OK);
    static const char grant[] = "mac=02:00:00:00:00:0f ip=10.0.2.15/24 gw=10.0.2.2 udp=41000";
    net_config_t cfg;
    CHECK(net_config_parse(grant, sizeof grant - 1, &cfg, NULL) == NET_CONFIG_OK);
    net_link_ops_t ops = net_link_ops(&client_link);
    CHECK(net_stack_init(&cfg, &ops) == NET_OK);
    CHECK(net_udp_open(PORT, on_sock, NULL, &sock) == NET_SOCK_OK);
    CHECK(offered() == CAP);
}

static void lends_large_frames_until_read(void)
{
    deliver(1000, 0x11);
    CHECK(net_link_process(&client_link) == 1);
    CHECK(client_link.rx_lent_count == 1 && offered() == CAP - 1);
    read_datagram(1000, 0x11);
    CHECK(client_link.rx_lent_count == 0 && offered() == CAP);
}

static void copies_small_frames(void)
{
    deliver(NET_STACK_COPY_MAX - 42, 0x22); /* the whole frame is NET_STACK_COPY_MAX bytes */
    CHECK(net_link_process(&client_link) == 1);
    CHECK(client_link.rx_lent_count == 0 && offered() == CAP);
    read_datagram(NET_STACK_COPY_MAX - 42, 0x22);
}

static void copies_once_half_are_lent(void)
{
    for (uint8_t i = 0; i < 12; i++) {
        deliver(1200, (uint8_t)(0x30 + i));
    }
    CHECK(net_link_process(&client_link) == 12);
    CHECK(client_link.rx_lent_count == CAP / 2 && offered() == CAP / 2);
    for (uint8_t i = 0; i < 12; i++) {
        read_datagram(1200, (uint8_t)(0x30 + i));
    }
    CHECK(client_link.rx_lent_count == 0 && offered() == CAP);
}

static void refuses_a_lent_buffer_named_again(void)
{
    uint64_t off = deliver(1000, 0x44);
    CHECK(net_link_process(&client_link) == 1);
    uint64_t bad = client_link.bad_descriptors;
    /* The virtualiser names the lent buffer again, as a new frame. */
    CHECK(net_enqueue_active(&virt_rx, off, 1042) == DDF_RING_OK);
    CHECK(net_link_process(&client_link) == 0);
    CHECK(client_link.bad_descriptors == bad + 1 && client_link.rx_lent_count == 1 && offered() == CAP - 1);
    read_datagram(1000, 0x44);
    CHECK(net_udp_recvfrom(sock, rx_data, 0, NULL, NULL) == 0); /* nothing else arrived */
    CHECK(client_link.rx_lent_count == 0 && offered() == CAP);
}

static void restart_takes_back_lent_buffers(void)
{
    for (uint8_t i = 0; i < 3; i++) {
        deliver(1000, 0x50);
    }
    CHECK(net_link_process(&client_link) == 3);
    deliver(1000, 0x51); /* on the active ring, not yet read */
    CHECK(client_link.rx_lent_count == 3 && offered() == CAP - 4);
    /* The PD dies holding three; the new instance starts on the same memory. */
    static net_link_t again;
    net_link_region_t rx = {rx_queue, sizeof rx_queue, rx_data, sizeof rx_data};
    net_link_region_t tx = {tx_queue, sizeof tx_queue, tx_data, sizeof tx_data};
    CHECK(net_link_init(&again, &rx, &tx, CAP, now_ns, NULL) == 0);
    CHECK(again.rx_reclaimed == 3 && offered() == CAP - 1);
    /* Every buffer is named once: CAP - 1 on the free ring, one on the active. */
    bool seen[CAP] = {false};
    net_buff_desc_t d = {0};
    while (net_dequeue_free(&virt_rx, &d) == DDF_RING_OK) {
        CHECK(d.offset % NET_BUFFER_SIZE == 0 && d.offset / NET_BUFFER_SIZE < CAP && !seen[d.offset / NET_BUFFER_SIZE]);
        seen[d.offset / NET_BUFFER_SIZE] = true;
    }
    CHECK(net_dequeue_active(&again.rx, &d) == DDF_RING_OK && !seen[d.offset / NET_BUFFER_SIZE]);
}

#define SEGMENT 10000u
#define HEADERS 54u

/* A segment of SEGMENT bytes of lwIP's heap behind HEADERS bytes of headers
 * in a client_link buffer, sent as the stack sends one (its pbuf referenced once
 * more); returns the pbuf. */
static struct pbuf *send_in_place(uint8_t fill)
{
    net_link_ops_t ops = net_link_ops(&client_link);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, SEGMENT, PBUF_RAM);
    CHECK(p != NULL && p->len == SEGMENT);
    if (p == NULL) {
        return NULL;
    }
    memset(p->payload, fill, SEGMENT);
    uint8_t *buf[NET_MAX_CHAIN];
    CHECK(ops.tx_reserve(ops.ctx, HEADERS, buf) == 1);
    memset(buf[0], 0xEE, HEADERS);
    net_buff_desc_t meta = {.flags = NET_DESC_GSO_TCPV4 | NET_DESC_CSUM_PARTIAL, .csum_start = 34,
                            .csum_offset = 16, .gso_size = 1448};
    net_piece_t piece = {p->payload, SEGMENT};
    pbuf_ref(p);
    CHECK(ops.tx_commit_in_place(ops.ctx, HEADERS, &meta, &piece, 1, p) == NET_TX_SENT);
    return p;
}

static void sends_segments_in_place(void)
{
    /* What the stack sent so far (its ARP announcement) goes out first. */
    net_buff_desc_t old;
    while (net_dequeue_active(&virt_tx, &old) == DDF_RING_OK) {
        CHECK(net_enqueue_free(&virt_tx, old.offset, 0) == DDF_RING_OK);
    }
    (void)net_link_process(&client_link);
    /* lwIP's heap is the tail of the tx region, behind the buffers. */
    CHECK(client_link.tx_heap_offset >= (CAP + NET_LINK_MIN_TX_BUFFERS) * NET_BUFFER_SIZE &&
          net_stack_heap == tx_data + client_link.tx_heap_offset);
    uint64_t bad = client_link.bad_descriptors;
    struct pbuf *p = send_in_place(0x77);
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    CHECK(net_dequeue_frame(&virt_tx, d, &n) == DDF_RING_OK);
    /* The headers' buffer first, with the offload metadata... */
    CHECK(n >= 2 && d[0].offset % NET_BUFFER_SIZE == 0 && d[0].offset < client_link.tx_heap_offset && d[0].len == HEADERS &&
          (d[0].flags & ~NET_DESC_MORE) == (NET_DESC_GSO_TCPV4 | NET_DESC_CSUM_PARTIAL) && d[0].gso_size == 1448);
    /* ...then the segment's bytes where lwIP wrote them, cut at buffer ends. */
    uint64_t at = (uint64_t)((uint8_t *)p->payload - tx_data);
    uint32_t total = 0;
    for (uint32_t i = 1; i < n; i++) {
        CHECK(d[i].offset == at + total && net_desc_bytes_valid(&d[i], sizeof tx_data));
        CHECK(i == n - 1 || (d[i].offset + d[i].len) % NET_BUFFER_SIZE == 0);
        total += d[i].len;
    }
    CHECK(total == SEGMENT && n - 1 == (at % NET_BUFFER_SIZE + SEGMENT + NET_BUFFER_SIZE - 1) / NET_BUFFER_SIZE);
    /* lwIP holds the bytes until the virtualiser hands the headers back. */
    CHECK(p->ref == 2);
    for (uint32_t i = 1; i < n; i++) {
        CHECK(net_enqueue_free(&virt_tx, d[i].offset, 0) == DDF_RING_OK);
    }
    (void)net_link_process(&client_link);
    CHECK(p->ref == 2 && client_link.tx_heap_returned == n - 1);
    CHECK(net_enqueue_free(&virt_tx, d[0].offset, 0) == DDF_RING_OK);
    (void)net_link_process(&client_link);
    CHECK(p->ref == 1 && client_link.bad_descriptors == bad);
    pbuf_free(p);
}

static void restart_empties_frames_sent_in_place(void)
{
    struct pbuf *p = send_in_place(0x78);
    /* The PD dies before the virtualiser took the frame; the new instance's
     * heap will hold other bytes there, so the frame must not go out. */
    static net_link_t again;
    net_link_region_t rx = {rx_queue, sizeof rx_queue, rx_data, sizeof rx_data};
    net_link_region_t tx = {tx_queue, sizeof tx_queue, tx_data, sizeof tx_data};
    CHECK(net_link_init(&again, &rx, &tx, CAP, now_ns, NULL) == 0);
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    CHECK(net_dequeue_frame(&virt_tx, d, &n) == DDF_RING_OK && n >= 2 && d[0].len == HEADERS);
    for (uint32_t i = 1; i < n; i++) {
        CHECK(d[i].len == 0 && d[i].offset >= again.tx_heap_offset);
    }
    /* Its header buffer is not the new instance's until it comes back. */
    CHECK(!again.tx_owned[d[0].offset / NET_BUFFER_SIZE]);
    pbuf_free(p);
    pbuf_free(p);
}

int main(void)
{
    RUN("link/starts-with-every-buffer-offered", start);
    RUN("link/lends-large-frames-until-read", lends_large_frames_until_read);
    RUN("link/copies-small-frames", copies_small_frames);
    RUN("link/copies-once-half-are-lent", copies_once_half_are_lent);
    RUN("link/refuses-a-lent-buffer-named-again", refuses_a_lent_buffer_named_again);
    RUN("link/sends-segments-in-place", sends_segments_in_place);
    RUN("link/restart-takes-back-lent-buffers", restart_takes_back_lent_buffers);
    RUN("link/restart-empties-frames-sent-in-place", restart_empties_frames_sent_in_place);
    return ddf_test_failures == 0 ? 0 : 1;
}
