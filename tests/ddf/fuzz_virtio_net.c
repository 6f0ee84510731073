/*
 * libFuzzer target: the virtio-net driver between a hostile device and a
 * hostile virtualiser. The input is a script: the device fills receive
 * buffers with headers and lengths from the input, the virtualiser offers and
 * takes back receive buffers and queues transmit frames (pieces, flags and
 * header bytes from the input), the device serves transmit chains, the driver
 * polls. Checked throughout: every receive frame the driver delivers keeps
 * ddf/net.h's rules (bytes inside one buffer of the region, first piece after
 * the 12-byte header, chains only with GSO, GSO with CSUM_PARTIAL and a
 * segment size, the checksum field inside the first piece), no buffer comes
 * back that the driver does not hold, every transmit chain at the device is
 * a read-only header plus pieces inside the transmit region, and at the end
 * every receive buffer is accounted for.
 */
#include <stdlib.h>
#include <string.h>

#define FZ_CAP 64u
#define RIG_CAP FZ_CAP
#include "tests/ddf/virtio_net_rig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_ALL                                                                                           \
    (VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS | VIRTIO_NET_F_CSUM | VIRTIO_NET_F_GUEST_CSUM |              \
     VIRTIO_NET_F_GUEST_TSO4 | VIRTIO_NET_F_HOST_TSO4 | VIRTIO_NET_F_MRG_RXBUF)

static bool with_driver[FZ_CAP];

/* The script's cursor. */
static const uint8_t *in;
static size_t left;

static uint8_t take(void)
{
    if (left == 0) {
        return 0;
    }
    left--;
    return *in++;
}

static uint16_t take16(void) { return (uint16_t)(take() | take() << 8); }

static int fill_budget;

static int handler(virtio_sim_t *s, unsigned q, vsim_buf_t *b, unsigned n)
{
    (void)s;
    if (q == 1) {
        /* A chain the driver made: header first, read-only, then pieces in the region. */
        if (n < 2 || n > 1 + NET_MAX_CHAIN || b[0].len != VIRTIO_NET_HDR_LEN || b[0].writable) {
            abort();
        }
        for (unsigned i = 1; i < n; i++) {
            if (b[i].writable || b[i].len == 0 || b[i].addr < tx_data ||
                b[i].addr + b[i].len > tx_data + sizeof(tx_data)) {
                abort();
            }
        }
        return 0;
    }
    if (fill_budget == 0 || n != 1 || !b[0].writable || b[0].len != NET_BUFFER_SIZE) {
        return -1;
    }
    fill_budget--;
    uint32_t written = take16() % (NET_BUFFER_SIZE + 1);
    for (uint32_t i = 0; i < VIRTIO_NET_HDR_LEN; i++) {
        b[0].addr[i] = take();
    }
    return (int)written;
}

static bool setup(void)
{
    memset(with_driver, 0, sizeof(with_driver));
    return rig_start(FZ_ALL, 64, 0, handler, NULL, 0);
}

static void check_rx_frames(void)
{
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    ddf_ring_err_t err;
    while ((err = net_dequeue_frame(&virt_rx, d, &n)) != DDF_RING_EMPTY) {
        if (err != DDF_RING_OK || n == 0 || n > NET_MAX_CHAIN) {
            abort();
        }
        uint32_t total = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t b = net_desc_buffer(&d[i]) / NET_BUFFER_SIZE;
            if (!net_desc_bytes_valid(&d[i], sizeof(rx_data)) || b >= FZ_CAP || !with_driver[b] ||
                (d[i].len != 0 && d[i].offset % NET_BUFFER_SIZE != (i == 0 ? VIRTIO_NET_HDR_LEN : 0u)) ||
                (i > 0 && (d[i].len == 0 || (d[i].flags & ~NET_DESC_MORE) != 0))) {
                abort();
            }
            with_driver[b] = false;
            total += d[i].len;
        }
        uint16_t f = d[0].flags;
        if (d[0].len != 0 &&
            (total < NET_MIN_FRAME || (f & ~NET_DESC_KNOWN_FLAGS) != 0 || (n > 1 && !(f & NET_DESC_GSO_TCPV4)) ||
             ((f & NET_DESC_GSO_TCPV4) && (!(f & NET_DESC_CSUM_PARTIAL) || d[0].gso_size == 0 ||
                                           total > NET_MAX_GSO_FRAME)) ||
             (!(f & NET_DESC_GSO_TCPV4) && total > NET_MAX_FRAME) ||
             ((f & NET_DESC_CSUM_PARTIAL) && (uint32_t)d[0].csum_start + d[0].csum_offset + 2u > d[0].len))) {
            abort();
        }
    }
}

static void offer(uint32_t count)
{
    for (uint32_t b = 0; b < FZ_CAP && count > 0; b++) {
        if (!with_driver[b] && net_enqueue_free(&virt_rx, (uint64_t)b * NET_BUFFER_SIZE, 0) == DDF_RING_OK) {
            with_driver[b] = true;
            count--;
        }
    }
}

static void queue_tx(void)
{
    uint8_t shape = take();
    uint32_t n = 1 + shape % 4;
    net_buff_desc_t d[4];
    for (uint32_t i = 0; i < n; i++) {
        uint64_t b = take() % (FZ_CAP + 2); /* sometimes outside */
        d[i] = (net_buff_desc_t){.offset = b * NET_BUFFER_SIZE + ((shape & 0x80) && i == n - 1 ? 4 : 0),
                                 .len = (uint16_t)(take16() % (NET_BUFFER_SIZE + 2))};
        if (b < FZ_CAP) {
            /* A plausible Ethernet/IPv4/TCP start with bytes from the script. */
            uint8_t *f = tx_data + b * NET_BUFFER_SIZE;
            f[12] = 0x08;
            f[13] = take() & 1 ? 0x00 : 0x06;
            f[14] = take();
            f[23] = take();
            f[46] = take();
        }
    }
    d[0].flags = take() & 0x1F;
    d[0].csum_start = take();
    d[0].csum_offset = take();
    d[0].gso_size = take16();
    (void)net_enqueue_chain(&virt_tx, d, n);
}

static void take_tx_back(void)
{
    net_buff_desc_t d;
    while (net_dequeue_free(&virt_tx, &d) == DDF_RING_OK) {
        if (d.offset % NET_BUFFER_SIZE != 0 || d.offset >= sizeof(tx_data) || d.len != 0) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in = data;
    left = size;
    if (!setup()) {
        abort();
    }
    while (left > 0 && !vn.failed) {
        uint8_t op = take();
        switch (op % 6) {
        case 0: offer(1 + op / 6 % 40); break;
        case 1:
            fill_budget = 1 + op / 6 % 8;
            virtio_sim_process(&sim, 0);
            fill_budget = 0;
            break;
        case 2: virtio_net_poll(&vn); break;
        case 3: check_rx_frames(); break;
        case 4: queue_tx(); break;
        default:
            virtio_sim_process(&sim, 1);
            take_tx_back();
            break;
        }
    }
    virtio_net_poll(&vn);
    check_rx_frames();
    if (!vn.failed) {
        uint32_t held = 0;
        for (uint32_t b = 0; b < FZ_CAP; b++) {
            held += with_driver[b];
        }
        ddf_ring_err_t err;
        uint32_t on_free = ddf_ring_count(&virt_rx.free, &err);
        if (err != DDF_RING_OK || held != on_free + (vn.rx_slots - vn.rx_nfree)) {
            abort();
        }
    }
    return 0;
}
