/*
 * The virtio-net driver on a simulated device: feature negotiation (each
 * offload only when offered and with what it depends on), MAC and link state
 * from the device configuration; receive: frames reach the virtualiser's ring
 * behind the 12-byte header, merged packets as chains with their offload
 * metadata, also when their buffers complete over several polls, and broken
 * packets come back as empty buffers; transmit: frames and GSO chains leave
 * behind the right header, the checksum is completed in software when the
 * device cannot, GSO is refused when not offered, bad descriptors never reach
 * the device, and every buffer comes back; finished frames interrupt only
 * while something waits for them.
 */
#include <stdlib.h>

#include "tests/ddf/ddf_test.h"

#define CAP 128u
#define RIG_CAP CAP
#include "tests/ddf/virtio_net_rig.h"
#define OUR_OFFLOADS                                                                                     \
    (VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_HOST_TSO4 |    \
     VIRTIO_NET_F_MRG_RXBUF)
#define BASIC (VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS)
#define ALL (BASIC | OUR_OFFLOADS)


/* The device's receive side: one packet on the wire, written over as many
 * buffers as it needs, at most `budget` buffers per processing (-1: any). */
static struct {
    uint8_t hdr[VIRTIO_NET_HDR_LEN];
    uint8_t data[70000];
    uint32_t len, done;
    bool active, hdr_written;
    int budget;
} in;

/* The device's transmit side: what left, chain by chain. */
#define OUT_MAX 8
static struct {
    uint8_t hdr[VIRTIO_NET_HDR_LEN];
    unsigned pieces;
    uint32_t piece_len[VSIM_MAX_CHAIN];
    uint8_t data[70000];
    uint32_t len;
} out[OUT_MAX];
static int out_count;

/* A hostile device: random headers and lengths on receive (xorshift, fixed seed). */
static bool random_rx;
static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static int random_fill(vsim_buf_t *b)
{
    uint32_t written = rnd(8) == 0 ? rnd(VIRTIO_NET_HDR_LEN + 1) : rnd(NET_BUFFER_SIZE + 1);
    for (uint32_t i = 0; i < VIRTIO_NET_HDR_LEN; i++) {
        b->addr[i] = (uint8_t)rnd(256);
    }
    /* Mostly plausible values, so deep paths are reached too. */
    b->addr[0] = (uint8_t)(rnd(4) == 0 ? rnd(256) : rnd(4));
    b->addr[1] = (uint8_t)(rnd(4) == 0 ? rnd(256) : rnd(2));
    b->addr[7] = (uint8_t)(rnd(2) == 0 ? 0 : b->addr[7]);
    b->addr[9] = (uint8_t)(rnd(2) == 0 ? 0 : b->addr[9]);
    b->addr[10] = (uint8_t)(rnd(4) == 0 ? rnd(256) : 1 + rnd(4));
    b->addr[11] = (uint8_t)(rnd(8) == 0 ? rnd(256) : 0);
    return (int)written;
}

static int net_handler(virtio_sim_t *s, unsigned q, vsim_buf_t *b, unsigned n)
{
    (void)s;
    if (q == 1) { /* transmit: header, then the frame's pieces */
        if (n < 2 || b[0].len != VIRTIO_NET_HDR_LEN || b[0].writable || out_count == OUT_MAX) {
            return 0;
        }
        memcpy(out[out_count].hdr, b[0].addr, VIRTIO_NET_HDR_LEN);
        out[out_count].pieces = n - 1;
        uint32_t len = 0;
        for (unsigned i = 1; i < n; i++) {
            if (len + b[i].len > sizeof(out[0].data) || b[i].writable) {
                return 0;
            }
            memcpy(out[out_count].data + len, b[i].addr, b[i].len);
            out[out_count].piece_len[i - 1] = b[i].len;
            len += b[i].len;
        }
        out[out_count++].len = len;
        return 0;
    }
    if (random_rx && n == 1 && b[0].len == NET_BUFFER_SIZE) {
        return random_fill(&b[0]);
    }
    if (!in.active || in.budget == 0 || n != 1 || !b[0].writable) {
        return -1; /* keep the buffer until a frame arrives */
    }
    uint32_t written = 0;
    if (!in.hdr_written) {
        memcpy(b[0].addr, in.hdr, VIRTIO_NET_HDR_LEN);
        written = VIRTIO_NET_HDR_LEN;
        in.hdr_written = true;
    }
    uint32_t chunk = in.len - in.done;
    if (chunk > b[0].len - written) {
        chunk = b[0].len - written;
    }
    memcpy(b[0].addr + written, in.data + in.done, chunk);
    in.done += chunk;
    written += chunk;
    if (in.done == in.len) {
        in.active = false;
    }
    if (in.budget > 0) {
        in.budget--;
    }
    return (int)written;
}

static uint64_t features_off; /* the driver's configuration: features never to accept */

static void setup_with(uint64_t features, uint16_t queue_max)
{
    const uint8_t devcfg[7] = {0x52, 0x54, 0, 0x12, 0x34, 0x56, 1}; /* MAC, link up */
    CHECK(rig_start(features, queue_max, features_off, net_handler, devcfg, sizeof devcfg));
    memset(&in, 0, sizeof(in));
    in.budget = -1;
    out_count = 0;
}

static void setup(void) { setup_with(BASIC, 0); }

/* --- Frames ------------------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* Ethernet + IPv4 (10.0.2.15 -> 10.0.2.2) + TCP (20 bytes) + payload. */
static uint32_t tcp_frame(uint8_t *f, uint32_t payload)
{
    memset(f, 0, 54);
    const uint8_t macs[12] = {0x52, 0x55, 10, 0, 2, 2, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
    memcpy(f, macs, 12);
    put16(f + 12, 0x0800);
    f[14] = 0x45;
    put16(f + 16, (uint16_t)(20 + 20 + payload));
    f[22] = 64;
    f[23] = 6;
    const uint8_t ips[8] = {10, 0, 2, 15, 10, 0, 2, 2};
    memcpy(f + 26, ips, 8);
    put16(f + 34, 40000);
    put16(f + 36, 7);
    f[46] = 0x50;
    for (uint32_t i = 0; i < payload; i++) {
        f[54 + i] = (uint8_t)(i * 7 + 3);
    }
    return 54 + payload;
}

/* The pseudo-header sum of a TCP/IPv4 frame, computed here independently of ddf/net_csum.h. */
static uint32_t pseudo_sum(const uint8_t *f, uint32_t frame_len)
{
    uint32_t sum = 0;
    for (int i = 26; i < 34; i += 2) {
        sum += (uint32_t)f[i] << 8 | f[i + 1];
    }
    return sum + 6 + (frame_len - 34);
}

static uint16_t fold(uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)sum;
}

/* True when the TCP checksum of the whole frame `f` verifies. */
static bool tcp_csum_ok(const uint8_t *f, uint32_t len)
{
    uint32_t sum = pseudo_sum(f, len);
    for (uint32_t i = 34; i < len; i += 2) {
        sum += (uint32_t)f[i] << 8 | (i + 1 < len ? f[i + 1] : 0);
    }
    return fold(sum) == 0xFFFF;
}

/* Buffer counts come from NET_BUFFERS_FOR (ddf/net.h): of the frame on
 * transmit; on receive with the device's VIRTIO_NET_HDR_LEN header in front. */

/* The metadata of a TCP/IPv4 segment (tcp_frame's headers) for the device to cut. */
static void mark_gso(net_buff_desc_t *d, uint16_t gso_size)
{
    d->flags = NET_DESC_CSUM_PARTIAL | NET_DESC_GSO_TCPV4;
    d->csum_start = 34;
    d->csum_offset = 16;
    d->gso_size = gso_size;
}

/* Copies frame f[0..len) into tx buffers first, first+1, ... and returns how many. */
static uint32_t place_tx(const uint8_t *f, uint32_t len, uint32_t first, net_buff_desc_t *d)
{
    uint32_t n = 0;
    for (uint32_t off = 0; off < len; off += NET_BUFFER_SIZE, n++) {
        uint32_t chunk = len - off < NET_BUFFER_SIZE ? len - off : NET_BUFFER_SIZE;
        memcpy(tx_data + (first + n) * NET_BUFFER_SIZE, f + off, chunk);
        d[n] = (net_buff_desc_t){.offset = (uint64_t)(first + n) * NET_BUFFER_SIZE, .len = (uint16_t)chunk};
    }
    return n;
}

/* Queues f[0..len) on the transmit ring as one GSO chain (TCP segments of
 * gso_size) in buffers `first` on; returns its pieces. */
static uint32_t queue_gso(const uint8_t *f, uint32_t len, uint32_t first, uint16_t gso_size)
{
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    uint32_t n = place_tx(f, len, first, d);
    mark_gso(&d[0], gso_size);
    CHECK(net_enqueue_chain(&virt_tx, d, n) == DDF_RING_OK);
    return n;
}

static void offer_rx(uint32_t count)
{
    for (uint64_t i = 0; i < count; i++) {
        CHECK(net_enqueue_free(&virt_rx, i * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    }
}

static void wire_packet(uint8_t flags, uint8_t gso_type, uint16_t gso_size, uint16_t csum_start,
                        uint16_t csum_offset, uint16_t num_buffers, const uint8_t *data, uint32_t len)
{
    memset(&in, 0, sizeof(in));
    in.hdr[0] = flags;
    in.hdr[1] = gso_type;
    memcpy(in.hdr + 4, &gso_size, 2);
    memcpy(in.hdr + 6, &csum_start, 2);
    memcpy(in.hdr + 8, &csum_offset, 2);
    memcpy(in.hdr + 10, &num_buffers, 2);
    memcpy(in.data, data, len);
    in.len = len;
    in.active = true;
    in.budget = -1;
}

static int drain_free_tx(void)
{
    net_buff_desc_t d = {0};
    int back = 0;
    while (net_dequeue_free(&virt_tx, &d) == DDF_RING_OK) {
        back++;
    }
    return back;
}

/* --- Negotiation ----------------------------------------------------------------- */

static void virtio_net_reads_mac_and_link(void)
{
    setup();
    CHECK(vn.mac[0] == 0x52 && vn.mac[5] == 0x56 && vn.link_up);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS));
    CHECK(net_tx_offloads(&virt_tx) == NET_OFFLOAD_TX_CSUM); /* completed in software */
}

static void virtio_net_negotiates_offloads_only_with_their_dependencies(void)
{
    /* Everything we use and more (ECN, UFO, TSO6, GSO, event index): only ours. */
    const uint64_t extra = (1ull << 6) | (1ull << 8) | (1ull << 9) | (1ull << 10) | (1ull << 12) |
                           (1ull << 13) | (1ull << 14) | VIRTIO_F_EVENT_IDX;
    setup_with(ALL | extra, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | ALL));
    CHECK(net_tx_offloads(&virt_tx) == (NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4));
    /* Without MRG_RXBUF: no receive TSO. */
    setup_with(ALL & ~VIRTIO_NET_F_MRG_RXBUF, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | (ALL & ~(VIRTIO_NET_F_MRG_RXBUF | VIRTIO_NET_F_GUEST_TSO4))));
    /* Without GUEST_CSUM: no receive TSO. */
    setup_with(ALL & ~VIRTIO_NET_F_GUEST_CSUM, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | (ALL & ~(VIRTIO_NET_F_GUEST_CSUM | VIRTIO_NET_F_GUEST_TSO4))));
    /* Without CSUM: no transmit TSO, and the offload word says so. */
    setup_with(ALL & ~VIRTIO_NET_F_CSUM, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | (ALL & ~(VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4))));
    CHECK(net_tx_offloads(&virt_tx) == NET_OFFLOAD_TX_CSUM);
    /* Each alone. */
    setup_with(BASIC | VIRTIO_NET_F_CSUM, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | BASIC | VIRTIO_NET_F_CSUM));
    setup_with(BASIC | VIRTIO_NET_F_HOST_TSO4, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | BASIC));
    setup_with(BASIC | VIRTIO_NET_F_GUEST_TSO4, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | BASIC));
    setup_with(BASIC | VIRTIO_NET_F_MRG_RXBUF, 0);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | BASIC | VIRTIO_NET_F_MRG_RXBUF));
    /* A queue too small for a 64 KiB packet: no receive TSO (the rest stays). */
    setup_with(ALL, 16);
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | (ALL & ~VIRTIO_NET_F_GUEST_TSO4)));
    CHECK(vn.rx_slots == 16 && vn.tx_slots == 8);
    setup_with(ALL, 0);
    CHECK(vn.rx_slots == 128 && vn.tx_slots == 64);
    /* Turned off by the configuration: as if not offered. */
    features_off = VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_CSUM;
    setup_with(ALL, 0);
    features_off = 0;
    CHECK(sim.driver_features ==
          (VIRTIO_F_VERSION_1 | (ALL & ~(VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_CSUM | VIRTIO_NET_F_HOST_TSO4))));
}

static void virtio_net_republishes_the_offload_word(void)
{
    setup_with(ALL, 0);
    /* The virtualiser initialises its rings after the driver started. */
    CHECK(net_attach(&virt_tx, tx_region, sizeof(tx_region), CAP, true, true) == DDF_RING_OK);
    CHECK(net_tx_offloads(&virt_tx) == 0);
    virtio_net_poll(&vn);
    CHECK(net_tx_offloads(&virt_tx) == (NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4));
}

/* --- Receive ------------------------------------------------------------------------ */

static void virtio_net_receives_frames_and_returns_runts_empty(void)
{
    setup();
    offer_rx(4);
    CHECK(net_enqueue_free(&virt_rx, 5, 0) == DDF_RING_OK);                  /* misaligned */
    CHECK(net_enqueue_free(&virt_rx, sizeof(rx_data), 0) == DDF_RING_OK);    /* outside */
    virtio_net_poll(&vn);
    CHECK(vn.bad_descs == 2 && vn.rx_nfree == vn.rx_slots - 4);
    uint8_t frame[60];
    memset(frame, 0xAB, sizeof(frame));
    wire_packet(0, 0, 0, 0, 0, 1, frame, 60);
    virtio_sim_process(&sim, 0);
    wire_packet(0, 0, 0, 0, 0, 1, frame, 6); /* a runt */
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    net_buff_desc_t d = {0};
    CHECK(net_dequeue_active(&virt_rx, &d) == DDF_RING_OK && d.len == 60 && d.flags == 0 &&
          d.offset % NET_BUFFER_SIZE == VIRTIO_NET_HDR_LEN && rx_data[d.offset] == 0xAB);
    CHECK(net_dequeue_active(&virt_rx, &d) == DDF_RING_OK && d.len == 0 && d.offset % NET_BUFFER_SIZE == 0);
    CHECK(vn.rx_frames == 1 && vn.rx_bad == 1);
}

static uint8_t big[70000];

static void virtio_net_delivers_a_merged_gso_packet_as_a_chain(void)
{
    setup_with(ALL, 0);
    offer_rx(8);
    virtio_net_poll(&vn);
    /* 12 + len bytes over three buffers: the first less the header, the second whole, 916 in the third. */
    const uint32_t first = NET_BUFFER_SIZE - VIRTIO_NET_HDR_LEN, tail = 916;
    uint32_t len = tcp_frame(big, first + NET_BUFFER_SIZE + tail - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(VIRTIO_NET_HDR_LEN + len); /* 3 */
    wire_packet(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 34, 16, (uint16_t)bufs, big, len);
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    uint32_t n = 0;
    CHECK(bufs == 3);
    CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_OK && n == bufs);
    CHECK(d[0].len == first && d[1].len == NET_BUFFER_SIZE && d[2].len == tail);
    CHECK(d[0].offset % NET_BUFFER_SIZE == VIRTIO_NET_HDR_LEN && d[1].offset % NET_BUFFER_SIZE == 0 &&
          d[2].offset % NET_BUFFER_SIZE == 0);
    CHECK(d[0].flags == (NET_DESC_MORE | NET_DESC_CSUM_PARTIAL | NET_DESC_GSO_TCPV4) && d[0].gso_size == 1448 &&
          d[0].csum_start == 34 && d[0].csum_offset == 16);
    CHECK(d[1].flags == NET_DESC_MORE && d[2].flags == 0);
    CHECK(memcmp(rx_data + d[0].offset, big, first) == 0 &&
          memcmp(rx_data + d[1].offset, big + first, NET_BUFFER_SIZE) == 0 &&
          memcmp(rx_data + d[2].offset, big + first + NET_BUFFER_SIZE, tail) == 0);
    CHECK(vn.rx_frames == 1 && vn.rx_bad == 0);
    /* DATA_VALID becomes CSUM_VALID. */
    wire_packet(VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 1, big, 60);
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_OK && n == 1 && d[0].flags == NET_DESC_CSUM_VALID);
}

static void virtio_net_keeps_a_packet_split_over_two_polls(void)
{
    /* The largest packet, with the device's header in front. */
    const uint32_t bufs = NET_BUFFERS_FOR(VIRTIO_NET_HDR_LEN + NET_MAX_GSO_FRAME), last = bufs - 1;
    setup_with(ALL, 0);
    offer_rx(40);
    virtio_net_poll(&vn);
    uint32_t len = tcp_frame(big, NET_MAX_GSO_FRAME - 54);
    wire_packet(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 34, 16, (uint16_t)bufs, big, len);
    in.budget = (int)(bufs / 2);
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    uint32_t n = 0;
    CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_EMPTY && vn.rx_done_count == bufs / 2);
    in.budget = -1;
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_OK && n == bufs && vn.rx_done_count == 0);
    uint32_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        total += d[i].len;
    }
    CHECK(total == NET_MAX_GSO_FRAME && d[last].len == NET_MAX_GSO_FRAME + 12 - last * NET_BUFFER_SIZE);
    CHECK(memcmp(rx_data + d[last].offset, big + NET_MAX_GSO_FRAME - d[last].len, d[last].len) == 0);
}

/* Feeds one bad packet; checks it comes back as `bufs` empty buffers and a drop. */
static void expect_dropped(uint8_t flags, uint8_t gso_type, uint16_t gso_size, uint16_t cs, uint16_t co,
                           uint16_t num_buffers, uint32_t len, uint32_t bufs)
{
    uint64_t bad = vn.rx_bad;
    wire_packet(flags, gso_type, gso_size, cs, co, num_buffers, big, len);
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    net_buff_desc_t d = {0};
    uint32_t empty = 0;
    while (net_dequeue_active(&virt_rx, &d) == DDF_RING_OK) {
        CHECK(d.len == 0 && d.flags == 0 && d.offset % NET_BUFFER_SIZE == 0);
        empty++;
        CHECK(net_enqueue_free(&virt_rx, d.offset, 0) == DDF_RING_OK); /* offered again */
    }
    CHECK(empty == bufs && vn.rx_bad == bad + 1);
    virtio_net_poll(&vn);
}

static void virtio_net_drops_broken_packets_and_returns_their_buffers(void)
{
    setup_with(ALL, 0);
    offer_rx(16);
    virtio_net_poll(&vn);
    /* A buffer and a half: with the header, a packet of two buffers. */
    const uint32_t two = NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2;
    const uint16_t nb = (uint16_t)NET_BUFFERS_FOR(VIRTIO_NET_HDR_LEN + two); /* 2 */
    tcp_frame(big, two - 54);
    const uint8_t N = VIRTIO_NET_HDR_F_NEEDS_CSUM, T = VIRTIO_NET_HDR_GSO_TCPV4;
    expect_dropped(0, 0, 0, 0, 0, 0, 60, 1);                  /* num_buffers 0 */
    expect_dropped(0, 0, 0, 0, 0, NET_MAX_CHAIN + 1, 60, 1);  /* too many: this buffer alone */
    expect_dropped(N, 0, 0, 256, 0, 1, 400, 1);               /* csum_start not a u8 */
    expect_dropped(N, 0, 0, 34, 256, 1, 400, 1);              /* csum_offset not a u8 */
    expect_dropped(N, 0, 0, 90, 16, 1, 100, 1);               /* field past the frame's end */
    expect_dropped(N, 3, 1448, 34, 6, nb, two, nb);           /* UDP GSO */
    expect_dropped(N, 4, 1448, 54, 16, nb, two, nb);          /* TCPv6 GSO */
    expect_dropped(N, T | 0x80, 1448, 34, 16, nb, two, nb);   /* ECN */
    expect_dropped(N, T, 0, 34, 16, nb, two, nb);             /* GSO without a segment size */
    expect_dropped(0, T, 1448, 0, 0, nb, two, nb);            /* GSO without NEEDS_CSUM */
    expect_dropped(VIRTIO_NET_HDR_F_DATA_VALID, T, 1448, 0, 0, nb, two, nb); /* likewise */
    expect_dropped(N, 0, 0, 20, 16, 1, 100, 1);               /* csum_start inside the IPv4 header */
    expect_dropped(4, 0, 0, 0, 0, 1, 60, 1);                  /* unknown flag */
    expect_dropped(N, 0, 0, 34, 16, nb, two, nb);             /* not GSO, two buffers */
    expect_dropped(0, 0, 0, 0, 0, 1, NET_MAX_FRAME + 1, 1);   /* not GSO, too long */
    expect_dropped(0, 0, 0, 0, 0, 1, 10, 1);                  /* shorter than an Ethernet header */
    /* And a good one still comes through whole. */
    wire_packet(N, T, 1448, 34, 16, nb, big, two);
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    uint32_t n = 0;
    CHECK(nb == 2);
    CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_OK && n == nb && d[0].len + d[1].len == two);
    CHECK(vn.rx_frames == 1 && vn.rx_nfree + vn.rx_done_count + 16 == vn.rx_slots + nb);
}

static void virtio_net_refuses_offloads_it_did_not_negotiate(void)
{
    setup(); /* no GUEST_CSUM, no MRG_RXBUF: num_buffers is not looked at */
    offer_rx(4);
    virtio_net_poll(&vn);
    tcp_frame(big, 200);
    expect_dropped(VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0, 1, 254, 1);
    expect_dropped(0, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0, 0, 1, 254, 1);
    wire_packet(0, 0, 0, 0, 0, 0, big, 254); /* num_buffers 0 without MRG_RXBUF */
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    net_buff_desc_t d = {0};
    CHECK(net_dequeue_active(&virt_rx, &d) == DDF_RING_OK && d.len == 254);
}

/* The driver asks to hear of returned receive buffers only when its device
 * runs short: below half its slots (or the largest frame's buffers), or with
 * received frames waiting for room. Above that the next frame's interrupt
 * wakes it, so a small round trip does not cost a switch into the driver
 * for every buffer given back, and no buffer is lost either way. */
static void virtio_net_asks_for_receive_buffers_only_when_short(void)
{
    setup();
    const uint32_t slots = vn.rx_slots;
    CHECK(slots >= 2 * NET_MAX_CHAIN && slots <= CAP); /* the half is the rule that bites */
    CHECK(virt_rx.free.shared->consumer_signal != 0);  /* nothing posted yet: asked */
    offer_rx(slots);
    virtio_net_poll(&vn);
    CHECK(vn.rx_nfree == 0 && virt_rx.free.shared->consumer_signal == 0);
    uint8_t frame[60];
    memset(frame, 0x5A, sizeof(frame));
    /* Half the slots filled and handed on: the device keeps the other half. */
    for (uint32_t i = 0; i < slots / 2; i++) {
        wire_packet(0, 0, 0, 0, 0, 1, frame, sizeof(frame));
        virtio_sim_process(&sim, 0);
    }
    virtio_net_poll(&vn);
    CHECK(vn.rx_frames == slots / 2 && virt_rx.free.shared->consumer_signal == 0);
    /* Returned without a word: the driver takes them on its next wake-up. */
    net_buff_desc_t d = {0};
    for (uint32_t i = 0; i < slots / 2; i++) {
        CHECK(net_dequeue_active(&virt_rx, &d) == DDF_RING_OK);
        CHECK(net_enqueue_free(&virt_rx, d.offset - d.offset % NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    }
    CHECK(!net_free_should_notify(&virt_rx));
    virtio_net_poll(&vn);
    CHECK(vn.rx_nfree == 0);
    /* One past half: now it asks, and the next buffer given back wakes it. */
    for (uint32_t i = 0; i < slots / 2 + 1; i++) {
        wire_packet(0, 0, 0, 0, 0, 1, frame, sizeof(frame));
        virtio_sim_process(&sim, 0);
    }
    virtio_net_poll(&vn);
    CHECK(vn.rx_frames == slots + 1 && virt_rx.free.shared->consumer_signal != 0);
    CHECK(net_dequeue_active(&virt_rx, &d) == DDF_RING_OK && rx_data[d.offset] == 0x5A);
    CHECK(net_enqueue_free(&virt_rx, d.offset - d.offset % NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    CHECK(net_free_should_notify(&virt_rx));
    virtio_net_poll(&vn);
    CHECK(vn.rx_nfree == slots / 2);
}

static void virtio_net_holds_packets_while_the_ring_is_full(void)
{
    setup_with(ALL, 0);
    offer_rx(CAP);
    virtio_net_poll(&vn);
    /* Fill the virtualiser's active ring but for one slot, behind the driver's back. */
    for (uint32_t i = 0; i < CAP - 1; i++) {
        CHECK(ddf_ring_reserve_n(&vn.rx.active, 1) == DDF_RING_OK);
        vn.rx.active_slots[ddf_ring_slot_ahead(&vn.rx.active, 0)] = (net_buff_desc_t){0};
        ddf_ring_publish_n(&vn.rx.active, 1);
    }
    /* A buffer and a half: with the header, a packet of two buffers, which that one slot cannot take. */
    uint32_t len = tcp_frame(big, NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(VIRTIO_NET_HDR_LEN + len); /* 2 */
    wire_packet(VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 34, 16, (uint16_t)bufs, big, len);
    virtio_sim_process(&sim, 0);
    virtio_net_poll(&vn);
    CHECK(bufs == 2 && vn.rx_done_count == bufs && vn.rx_frames == 0);
    /* The device has plenty, but the packet waits: the buffers the virtualiser
     * gives back as it makes room must wake the driver. */
    CHECK(virt_rx.free.shared->consumer_signal != 0);
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    uint32_t n = 0;
    for (uint32_t i = 0; i < CAP - 1; i++) {
        CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_OK);
    }
    virtio_net_poll(&vn);
    CHECK(net_dequeue_frame(&virt_rx, d, &n) == DDF_RING_OK && n == bufs && vn.rx_frames == 1);
}

/* --- Transmit --------------------------------------------------------------------- */

static void virtio_net_transmits_and_returns_buffers(void)
{
    setup();
    memset(tx_data, 0x11, 100);
    memset(tx_data + NET_BUFFER_SIZE, 0x22, 1514);
    CHECK(net_enqueue_active(&virt_tx, 0, 100) == DDF_RING_OK);
    CHECK(net_enqueue_active(&virt_tx, NET_BUFFER_SIZE, 1514) == DDF_RING_OK);
    CHECK(net_enqueue_active(&virt_tx, 2 * NET_BUFFER_SIZE, 1515) == DDF_RING_OK); /* too long */
    CHECK(net_enqueue_active(&virt_tx, 7, 60) == DDF_RING_OK);                       /* misaligned */
    virtio_net_poll(&vn);
    CHECK(out_count == 2 && out[0].len == 100 && out[1].len == 1514 && out[0].pieces == 1);
    uint8_t zero[VIRTIO_NET_HDR_LEN] = {0};
    CHECK(memcmp(out[0].hdr, zero, sizeof(zero)) == 0);
    CHECK(out[1].data[0] == 0x22 && vn.bad_descs == 1 && vn.tx_bad == 2);
    virtio_net_poll(&vn);
    /* two sent, one refused but named a real buffer; the misaligned one is not ours to return */
    CHECK(drain_free_tx() == 3 && vn.tx_frames == 2);
}

static void virtio_net_sends_a_gso_chain_with_its_header(void)
{
    setup_with(ALL, 0);
    /* Two buffers and a half: a chain of three, two of them full. */
    uint32_t len = tcp_frame(big, 2 * NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(len); /* 3 */
    CHECK(bufs == 3);
    CHECK(queue_gso(big, len, 3, 1448) == bufs);
    virtio_net_poll(&vn);
    CHECK(out_count == 1 && out[0].pieces == bufs && out[0].len == len);
    CHECK(out[0].piece_len[0] == NET_BUFFER_SIZE && out[0].piece_len[1] == NET_BUFFER_SIZE &&
          out[0].piece_len[2] == len - 2 * NET_BUFFER_SIZE);
    CHECK(memcmp(out[0].data, big, len) == 0); /* checksum left to the device */
    const uint8_t want[VIRTIO_NET_HDR_LEN] = {VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 54, 0,
                                              1448 & 0xFF, 1448 >> 8, 34, 0, 16, 0, 0, 0};
    CHECK(memcmp(out[0].hdr, want, sizeof(want)) == 0);
    /* A TCP header with options: hdr_len follows the data offset. */
    big[46] = 0x80;
    len = tcp_frame(big, 100);
    big[46] = 0x80;
    (void)queue_gso(big, len, 10, 500);
    virtio_net_poll(&vn);
    CHECK(out_count == 2 && out[1].hdr[2] == 34 + 32 && out[1].hdr[4] == (500 & 0xFF));
    virtio_net_poll(&vn);
    CHECK(drain_free_tx() == (int)bufs + 1 && vn.tx_frames == 2 && vn.tx_bad == 0);
}

static void virtio_net_completes_the_checksum_without_device_csum(void)
{
    setup(); /* no VIRTIO_NET_F_CSUM */
    uint32_t len = tcp_frame(big, 1000);
    put16(big + 50, fold(pseudo_sum(big, len))); /* what a stack puts there for CSUM_PARTIAL */
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    CHECK(place_tx(big, len, 0, d) == 1);
    d[0].flags = NET_DESC_CSUM_PARTIAL;
    d[0].csum_start = 34;
    d[0].csum_offset = 16;
    CHECK(net_enqueue_chain(&virt_tx, d, 1) == DDF_RING_OK);
    /* An odd-length one (UDP-style field at offset 6 would do too; TCP here). */
    uint32_t len2 = tcp_frame(big, 333);
    put16(big + 50, fold(pseudo_sum(big, len2)));
    CHECK(place_tx(big, len2, 1, d) == 1);
    d[0].flags = NET_DESC_CSUM_PARTIAL;
    d[0].csum_start = 34;
    d[0].csum_offset = 16;
    CHECK(net_enqueue_chain(&virt_tx, d, 1) == DDF_RING_OK);
    virtio_net_poll(&vn);
    uint8_t zero[VIRTIO_NET_HDR_LEN] = {0};
    CHECK(out_count == 2 && memcmp(out[0].hdr, zero, sizeof(zero)) == 0 &&
          memcmp(out[1].hdr, zero, sizeof(zero)) == 0);
    CHECK(out[0].len == len && tcp_csum_ok(out[0].data, len));
    CHECK(out[1].len == len2 && tcp_csum_ok(out[1].data, len2));
    CHECK(vn.tx_sw_csum == 2);
}

static void virtio_net_refuses_gso_without_host_tso4(void)
{
    setup_with(BASIC | VIRTIO_NET_F_CSUM, 0);
    CHECK(net_tx_offloads(&virt_tx) == NET_OFFLOAD_TX_CSUM);
    /* A buffer and a half: a GSO chain of two. */
    uint32_t len = tcp_frame(big, NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(len); /* 2 */
    CHECK(bufs == 2);
    CHECK(queue_gso(big, len, 0, 1448) == bufs);
    /* A plain CSUM_PARTIAL frame goes to the device as NEEDS_CSUM. */
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    uint32_t n = place_tx(big, 200, 5, d);
    d[0].flags = NET_DESC_CSUM_PARTIAL;
    d[0].csum_start = 34;
    d[0].csum_offset = 16;
    CHECK(net_enqueue_chain(&virt_tx, d, n) == DDF_RING_OK);
    virtio_net_poll(&vn);
    CHECK(vn.tx_gso_refused == 1 && vn.tx_bad == 1 && out_count == 1);
    CHECK(out[0].hdr[0] == VIRTIO_NET_HDR_F_NEEDS_CSUM && out[0].hdr[1] == 0 && out[0].hdr[6] == 34 &&
          out[0].hdr[8] == 16);
    virtio_net_poll(&vn);
    CHECK(drain_free_tx() == (int)(bufs + n));
}

static void virtio_net_refuses_bad_frames_and_returns_every_buffer(void)
{
    setup_with(ALL, 0);
    /* A buffer and a half: each bad frame a chain of two. */
    uint32_t len = tcp_frame(big, NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(len); /* 2 */
    CHECK(bufs == 2);
    net_buff_desc_t d[NET_MAX_CHAIN] = {0};
    int queued = 0;
    const uint16_t PG = NET_DESC_CSUM_PARTIAL | NET_DESC_GSO_TCPV4;
    struct {
        int patch; /* byte to change in the frame, -1: none */
        uint16_t flags, gso;
        uint8_t cs, co, value;
    } bad[] = {
        {-1, NET_DESC_CSUM_PARTIAL, 0, 34, 16, 0}, /* a chain without GSO */
        {-1, NET_DESC_GSO_TCPV4, 1448, 34, 16, 0}, /* GSO without CSUM_PARTIAL */
        {-1, PG, 0, 34, 16, 0},                    /* no segment size */
        {-1, PG, 1448, 34, 6, 0},                  /* not the TCP checksum */
        {23, PG, 1448, 34, 16, 17},                /* UDP */
        {12, PG, 1448, 34, 16, 0x86},              /* not IPv4 */
        {46, PG, 1448, 34, 16, 0x40},              /* TCP header too short */
        {-1, PG, 1448, 20, 16, 0},                 /* csum_start inside IP */
        {-1, 0x40 | PG, 1448, 34, 16, 0},          /* unknown flag */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t saved = bad[i].patch >= 0 ? big[bad[i].patch] : 0;
        if (bad[i].patch >= 0) {
            big[bad[i].patch] = bad[i].value;
        }
        uint32_t n = place_tx(big, len, bufs * i, d);
        if (bad[i].patch >= 0) {
            big[bad[i].patch] = saved;
        }
        d[0].flags = bad[i].flags;
        d[0].csum_start = bad[i].cs;
        d[0].csum_offset = bad[i].co;
        d[0].gso_size = bad[i].gso;
        CHECK(n == bufs && net_enqueue_chain(&virt_tx, d, n) == DDF_RING_OK);
        queued += (int)bufs;
    }
    /* A single buffer with CSUM_PARTIAL whose field lies past its end. */
    CHECK(place_tx(big, 100, 40, d) == 1);
    d[0].flags = NET_DESC_CSUM_PARTIAL;
    d[0].csum_start = 90;
    d[0].csum_offset = 16;
    CHECK(net_enqueue_chain(&virt_tx, d, 1) == DDF_RING_OK);
    queued++;
    /* A chain with a misaligned piece: the real buffer comes back, the other is not ours. */
    CHECK(place_tx(big, len, 42, d) == bufs);
    mark_gso(&d[0], 1448);
    d[1].offset += 4;
    CHECK(net_enqueue_chain(&virt_tx, d, bufs) == DDF_RING_OK);
    queued += (int)bufs - 1;
    /* A chain cut short: MORE on the last descriptor published. */
    CHECK(ddf_ring_reserve_n(&virt_tx.active, 1) == DDF_RING_OK);
    virt_tx.active_slots[ddf_ring_slot_ahead(&virt_tx.active, 0)] =
        (net_buff_desc_t){.offset = 50 * NET_BUFFER_SIZE, .len = 100, .flags = NET_DESC_MORE};
    ddf_ring_publish_n(&virt_tx.active, 1);
    queued++;
    virtio_net_poll(&vn);
    CHECK(out_count == 0 && vn.tx_bad == 12 && vn.bad_descs == 1);
    CHECK(drain_free_tx() == queued);
}

static void virtio_net_waits_for_descriptors_and_loses_nothing(void)
{
    setup_with(ALL, 16);
    sim.auto_process = false; /* the device sits on what it gets */
    /* Three buffers and a half: a chain of four. */
    uint32_t len = tcp_frame(big, 3 * NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(len); /* 4 */
    CHECK(bufs == 4);
    int queued = 0;
    for (uint32_t i = 0; i < 5; i++) { /* 4 buffers each: 5 descriptors a frame, 16 in the queue */
        CHECK(queue_gso(big, len, bufs * i, 1448) == bufs);
        queued += (int)bufs;
    }
    virtio_net_poll(&vn);
    CHECK(vn.tx_pending_n == bufs && drain_free_tx() == 0);
    virtio_sim_process(&sim, 1);
    CHECK(out_count == 3);
    virtio_net_poll(&vn);
    virtio_sim_process(&sim, 1);
    virtio_net_poll(&vn);
    CHECK(out_count == 5 && vn.tx_frames == 5 && vn.tx_pending_n == 0);
    for (int i = 0; i < 5; i++) {
        CHECK(out[i].len == len && out[i].pieces == bufs && memcmp(out[i].data, big, len) == 0);
    }
    CHECK(drain_free_tx() == queued);
}

/* Transmit completions interrupt only while something waits for them: one
 * frame out is taken back on the next wake-up without an interrupt; half the
 * lent buffers out at the device, or a frame waiting for descriptors, turn
 * the interrupt on; once they are back it is off again. */
static void virtio_net_asks_for_transmit_interrupts_only_when_waiting(void)
{
    setup();
    memset(tx_data, 0x33, 200);
    CHECK(net_enqueue_active(&virt_tx, 0, 200) == DDF_RING_OK);
    virtio_net_poll(&vn);
    CHECK(out_count == 1 && (vn.txq.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT) != 0 && vn.tx_irqs_armed == 0);
    CHECK(drain_free_tx() == 0); /* sent, not yet taken back */
    virtio_net_poll(&vn);        /* the next wake-up, whatever its cause */
    CHECK(drain_free_tx() == 1 && vn.tx_bufs_out == 0);

    setup_with(ALL, 0);
    sim.auto_process = false;
    /* Three buffers and a half: a chain of four. */
    uint32_t len = tcp_frame(big, 3 * NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(len); /* 4 */
    const uint32_t frames = CAP / 2 / bufs; /* CAP / 8 frames of 4 buffers: half the lent ones */
    CHECK(bufs == 4);
    for (uint32_t i = 0; i < frames; i++) {
        CHECK(queue_gso(big, len, bufs * i, 1448) == bufs);
    }
    virtio_net_poll(&vn);
    CHECK(vn.tx_bufs_out == CAP / 2 && (vn.txq.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0);
    virtio_sim_process(&sim, 1);
    virtio_net_poll(&vn);
    CHECK(vn.tx_frames == frames && drain_free_tx() == (int)(CAP / 2) && vn.tx_bufs_out == 0);
    CHECK((vn.txq.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT) != 0);

    setup_with(ALL, 16); /* room for three 5-descriptor frames: the fourth waits */
    sim.auto_process = false;
    for (uint32_t i = 0; i < 4; i++) {
        CHECK(queue_gso(big, len, bufs * i, 1448) == bufs);
    }
    virtio_net_poll(&vn);
    CHECK(vn.tx_pending_n == bufs && vn.tx_bufs_out == 3 * bufs &&
          (vn.txq.avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0);
}

static void virtio_net_survives_a_hostile_device_and_loses_no_buffer(void)
{
    setup_with(ALL, 0);
    static bool with_driver[CAP];
    memset(with_driver, 0, sizeof(with_driver));
    for (uint32_t b = 0; b < CAP; b++) {
        CHECK(net_enqueue_free(&virt_rx, (uint64_t)b * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
        with_driver[b] = true;
    }
    virtio_net_poll(&vn);
    random_rx = true;
    uint64_t frames = 0, pieces = 0;
    for (int round = 0; round < 3000 && !vn.failed; round++) {
        virtio_sim_process(&sim, 0);
        virtio_net_poll(&vn);
        net_buff_desc_t d[NET_MAX_CHAIN] = {0};
        uint32_t n = 0;
        ddf_ring_err_t err;
        while ((err = net_dequeue_frame(&virt_rx, d, &n)) != DDF_RING_EMPTY) {
            CHECK(err == DDF_RING_OK && n >= 1 && n <= NET_MAX_CHAIN);
            uint32_t total = 0;
            for (uint32_t i = 0; i < n; i++) {
                CHECK(net_desc_bytes_valid(&d[i], sizeof(rx_data)));
                CHECK(d[i].len == 0 || d[i].offset % NET_BUFFER_SIZE == (i == 0 ? VIRTIO_NET_HDR_LEN : 0));
                uint64_t b = net_desc_buffer(&d[i]) / NET_BUFFER_SIZE;
                CHECK(b < CAP && with_driver[b]); /* never one it does not hold, never twice */
                if (b < CAP) {
                    with_driver[b] = false;
                }
                total += d[i].len;
            }
            if (d[0].len != 0) {
                frames++;
                pieces += n;
                CHECK(total >= NET_MIN_FRAME && total <= NET_MAX_GSO_FRAME);
                CHECK(n == 1 || (d[0].flags & NET_DESC_GSO_TCPV4));
                CHECK(!(d[0].flags & NET_DESC_GSO_TCPV4) ||
                      (d[0].gso_size > 0 && (d[0].flags & NET_DESC_CSUM_PARTIAL)));
                CHECK(!(d[0].flags & NET_DESC_CSUM_PARTIAL) ||
                      (d[0].csum_start >= 34 && (uint32_t)d[0].csum_start + d[0].csum_offset + 2u <= d[0].len));
                for (uint32_t i = 1; i < n; i++) {
                    CHECK(d[i].len > 0 && (d[i].flags & ~NET_DESC_MORE) == 0);
                }
            }
            for (uint32_t i = 0; i < n; i++) { /* offered again */
                uint64_t b = net_desc_buffer(&d[i]) / NET_BUFFER_SIZE;
                CHECK(net_enqueue_free(&virt_rx, b * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
                if (b < CAP) {
                    with_driver[b] = true;
                }
            }
        }
    }
    random_rx = false;
    uint32_t held = 0;
    for (uint32_t b = 0; b < CAP; b++) {
        held += with_driver[b];
    }
    /* Every buffer is with the virtualiser, on the free ring, at the device or waiting in the driver. */
    ddf_ring_err_t err;
    uint32_t on_free = ddf_ring_count(&virt_rx.free, &err);
    CHECK(!vn.failed && held == on_free + (vn.rx_slots - vn.rx_nfree));
    CHECK(frames > 100 && pieces > frames && vn.rx_bad > 100); /* both paths were taken */
}

static void virtio_net_returns_buffers_only_when_the_free_ring_has_room(void)
{
    setup_with(ALL, 0);
    /* The virtualiser's free ring full but for one slot, behind the driver's back. */
    for (uint32_t i = 0; i < CAP - 1; i++) {
        CHECK(ddf_ring_reserve_n(&vn.tx.free, 1) == DDF_RING_OK);
        vn.tx.free_slots[ddf_ring_slot_ahead(&vn.tx.free, 0)] = (net_buff_desc_t){0};
        ddf_ring_publish_n(&vn.tx.free, 1);
    }
    /* A buffer and a half: a chain of two, more than that one slot takes. */
    uint32_t len = tcp_frame(big, NET_BUFFER_SIZE + NET_BUFFER_SIZE / 2 - 54);
    const uint32_t bufs = NET_BUFFERS_FOR(len); /* 2 */
    CHECK(bufs == 2);
    CHECK(queue_gso(big, len, 0, 1448) == bufs);
    virtio_net_poll(&vn);
    virtio_net_poll(&vn);
    CHECK(out_count == 1 && vn.tx_frames == 1 && vn.tx_done_count == 1);
    CHECK(drain_free_tx() == (int)CAP - 1);
    virtio_net_poll(&vn);
    net_buff_desc_t back[2] = {{0}};
    CHECK(net_dequeue_free(&virt_tx, &back[0]) == DDF_RING_OK && net_dequeue_free(&virt_tx, &back[1]) == DDF_RING_OK);
    CHECK(back[0].offset == 0 && back[1].offset == NET_BUFFER_SIZE && vn.tx_done_count == 0);
}

int main(void)
{
    RUN("virtio_net/reads-mac-and-link", virtio_net_reads_mac_and_link);
    RUN("virtio_net/asks-for-transmit-interrupts-only-when-waiting",
        virtio_net_asks_for_transmit_interrupts_only_when_waiting);
    RUN("virtio_net/negotiates-offloads-only-with-their-dependencies",
        virtio_net_negotiates_offloads_only_with_their_dependencies);
    RUN("virtio_net/republishes-the-offload-word", virtio_net_republishes_the_offload_word);
    RUN("virtio_net/receives-frames-and-returns-runts-empty", virtio_net_receives_frames_and_returns_runts_empty);
    RUN("virtio_net/delivers-a-merged-gso-packet-as-a-chain", virtio_net_delivers_a_merged_gso_packet_as_a_chain);
    RUN("virtio_net/keeps-a-packet-split-over-two-polls", virtio_net_keeps_a_packet_split_over_two_polls);
    RUN("virtio_net/drops-broken-packets-and-returns-their-buffers",
        virtio_net_drops_broken_packets_and_returns_their_buffers);
    RUN("virtio_net/refuses-offloads-it-did-not-negotiate", virtio_net_refuses_offloads_it_did_not_negotiate);
    RUN("virtio_net/asks-for-receive-buffers-only-when-short",
        virtio_net_asks_for_receive_buffers_only_when_short);
    RUN("virtio_net/holds-packets-while-the-ring-is-full", virtio_net_holds_packets_while_the_ring_is_full);
    RUN("virtio_net/transmits-and-returns-buffers", virtio_net_transmits_and_returns_buffers);
    RUN("virtio_net/sends-a-gso-chain-with-its-header", virtio_net_sends_a_gso_chain_with_its_header);
    RUN("virtio_net/completes-the-checksum-without-device-csum",
        virtio_net_completes_the_checksum_without_device_csum);
    RUN("virtio_net/refuses-gso-without-host-tso4", virtio_net_refuses_gso_without_host_tso4);
    RUN("virtio_net/refuses-bad-frames-and-returns-every-buffer",
        virtio_net_refuses_bad_frames_and_returns_every_buffer);
    RUN("virtio_net/waits-for-descriptors-and-loses-nothing", virtio_net_waits_for_descriptors_and_loses_nothing);
    RUN("virtio_net/returns-buffers-only-when-the-free-ring-has-room",
        virtio_net_returns_buffers_only_when_the_free_ring_has_room);
    RUN("virtio_net/survives-a-hostile-device-and-loses-no-buffer",
        virtio_net_survives_a_hostile_device_and_loses_no_buffer);
    return ddf_test_failures ? 1 : 0;
}
