/*
 * libFuzzer target: the network virtualiser under hostile clients and a
 * hostile driver. The input is a script of operations: frames arriving,
 * raw descriptors from clients and driver, scribbles over shared indices,
 * polls, bytes a client writes into its transmit buffers. After every poll
 * the ownership invariant must hold: each DMA buffer is either idle in the
 * virtualiser or lent to the driver, exactly once. Client 1 has a grant, and
 * every frame of its that reaches the driver must pass that grant's filter
 * (checked right after the poll that published it: check_new_tx).
 * When the first byte's top bit is set, client 0 has an ip=dhcp grant: the
 * virtualiser snoops the DHCP replies it delivers (op 10 writes a DHCP-shaped
 * reply into a driver buffer), and client 0's frames must pass its grant with
 * whatever lease was learned (leases may also run out: the virtualiser's
 * clock moves a quarter second at each reading). The input is also fed to
 * the DHCP reply parser directly, as a frame.
 *
 * Offloads: the script also sets the offload words (the driver's transmit
 * word, each client's receive word), and the driver and the clients publish
 * chains with any flags and metadata, whole or broken. What the virtualiser
 * publishes must keep ddf/net.h's rules: a chain only with GSO, GSO only
 * with CSUM_PARTIAL and only to a peer that offered it, known flags, the
 * checksum field in the first piece, client pieces from their buffer's start
 * and full but the last; a granted client's GSO frame passes its filter on
 * its headers. Every client frame the virtualiser has taken is at most
 * NET_MAX_CHAIN pieces, and so are the spare receive buffers it holds.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "system/net/net_filter.h"
#include "system/virt/net_virt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 16u
#define BUFS 16u
#define DATA (BUFS * NET_BUFFER_SIZE)

static _Alignas(64) uint8_t drv_rx_region[2048], drv_tx_region[2048];
static _Alignas(64) uint8_t cli_rx_region[2][2048], cli_tx_region[2][2048];
static uint8_t rx_dma[DATA], tx_dma[DATA], cli_rx_data[2][DATA], cli_tx_data[2][DATA];
static net_virt_t virt;
static const char grant0_dhcp[] = "mac=02:00:00:00:00:01 ip=dhcp tcp=7 udp=53";
static const char grant1[] = "mac=02:00:00:00:00:02 ip=10.0.2.16/24 tcp=7,8000-8010 udp=53";

/* Offload words ever set during the current input. */
static uint32_t drv_offered_ever, cli_rx_offered_ever[2];
/* The driver's transmit ring as the script's driver sees it, how far the
 * checks of what the virtualiser published on it have got, and whether
 * client 0 has an ip=dhcp grant in this input. */
static net_queue_t *fz_drv_tx;
static uint32_t fz_tx_checked;
static bool fz_dhcp0;

static void check_invariants(void)
{
    for (int i = 0; i < 2; i++) {
        if (virt.clients[i].rx_spare_count > NET_MAX_CHAIN || virt.clients[i].tx_pend_count > NET_MAX_CHAIN ||
            virt.clients[i].tx_pend_returned > virt.clients[i].tx_pend_count) {
            abort();
        }
        for (uint32_t k = 0; k < virt.clients[i].rx_spare_count; k++) {
            if (virt.clients[i].rx_spare[k] % NET_BUFFER_SIZE != 0 || virt.clients[i].rx_spare[k] >= DATA) {
                abort();
            }
        }
    }
    uint32_t lent = 0;
    for (uint32_t b = 0; b < virt.rx_bufs; b++) {
        lent += virt.rx_at_driver[b];
    }
    for (uint32_t i = 0; i < virt.rx_idle_count; i++) {
        if (virt.rx_at_driver[virt.rx_idle[i]]) {
            abort();
        }
    }
    if (lent + virt.rx_idle_count != virt.rx_bufs) {
        abort();
    }
    lent = 0;
    for (uint32_t b = 0; b < virt.tx_bufs; b++) {
        lent += virt.tx_at_driver[b];
    }
    if (lent + virt.tx_idle_count != virt.tx_bufs) {
        abort();
    }
}

static uint64_t take64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;
    size_t k = *n < 8 ? *n : 8;
    memcpy(&v, *p, k);
    *p += k;
    *n -= k;
    return v;
}

/* The metadata of a frame published by the virtualiser (d[0..n-1], `total`
 * bytes, `first` its first piece's bytes) keeps ddf/net.h's rules, given
 * the offloads its receiver ever offered (`gso_ok`, `partial_ok`). */
static void check_published(const net_buff_desc_t *d, uint32_t n, uint32_t total, bool gso_ok, bool partial_ok,
                            bool valid_ok)
{
    uint32_t flags = d[0].flags & ~NET_DESC_MORE;
    bool gso = (flags & NET_DESC_GSO_TCPV4) != 0, partial = (flags & NET_DESC_CSUM_PARTIAL) != 0;
    if ((flags & ~(uint32_t)NET_DESC_KNOWN_FLAGS) != 0 || (n > 1 && !gso) || (gso && (!partial || !gso_ok)) ||
        (partial && !partial_ok) || ((flags & NET_DESC_CSUM_VALID) != 0 && !valid_ok) ||
        total > (gso ? NET_MAX_GSO_FRAME : NET_BUFFER_SIZE) || total < NET_MIN_FRAME ||
        (partial && (uint32_t)d[0].csum_start + d[0].csum_offset + 2 > d[0].len)) {
        abort();
    }
    for (uint32_t j = 1; j < n; j++) {
        if ((d[j].flags & ~NET_DESC_MORE) != 0) {
            abort();
        }
    }
}

/* A frame client 1 (granted) got out: its grant passes it, GSO on its
 * headers, and a CSUM_PARTIAL field is the TCP or UDP checksum. */
static void check_granted(const net_buff_desc_t *d, const uint8_t *f)
{
    static uint8_t hdr[256];
    const net_config_t *g = &virt.clients[1].grant;
    size_t len = d[0].len;
    if ((d[0].flags & NET_DESC_GSO_TCPV4) == 0) {
        if (net_filter_tx(g, f, len) != NET_FILTER_PASS) {
            abort();
        }
    } else {
        size_t ihl = (size_t)(f[14] & 0x0F) * 4;
        size_t hlen = 14 + ihl + (size_t)(f[14 + ihl + 12] >> 4) * 4;
        if (hlen > len || hlen > sizeof hdr) {
            abort();
        }
        memcpy(hdr, f, hlen);
        hdr[16] = (uint8_t)((hlen - 14) >> 8);
        hdr[17] = (uint8_t)(hlen - 14);
        if (net_filter_tx(g, hdr, hlen) != NET_FILTER_PASS) {
            abort();
        }
    }
    if ((d[0].flags & NET_DESC_CSUM_PARTIAL) != 0) {
        size_t ihl = (size_t)(f[14] & 0x0F) * 4;
        if (d[0].csum_start != 14 + ihl || (d[0].csum_offset != (f[23] == 6 ? 16 : f[23] == 17 ? 6 : 255))) {
            abort();
        }
    }
}

/* Metadata from the input: raw, or (bit 41) what a TCP/IPv4 sender would
 * write, with or without GSO (bit 42), so that good frames are common. */
static void plausible_meta(net_buff_desc_t *d, uint64_t meta)
{
    if ((meta >> 41 & 1) != 0) {
        d->flags = (uint16_t)(NET_DESC_CSUM_PARTIAL | ((meta >> 42 & 1) != 0 ? NET_DESC_GSO_TCPV4 : 0));
        d->csum_start = 34;
        d->csum_offset = 16;
        d->gso_size = 1448;
        return;
    }
    d->flags = (uint16_t)(meta & 0x1F);
    d->csum_start = (uint8_t)(meta >> 8);
    d->csum_offset = (uint8_t)(meta >> 16);
    d->gso_size = (uint16_t)(meta >> 24);
}

/* The virtualiser's clock: a quarter second more at every reading, so a
 * lease the script's ACK gives (option 51) can run out within one input. */
static uint64_t fz_now_ns;
static uint64_t fz_clock(void *ctx)
{
    (void)ctx;
    return fz_now_ns += 250000000ull;
}

static const uint8_t fz_macs[3][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};

/*
 * Checks every frame the virtualiser published to the driver since the last
 * call, right after the poll that published it. Its bytes are then the ones
 * the virtualiser checked: a driver may hand a buffer back before sending
 * it (op 6), and the virtualiser may then reuse it at its next poll for
 * another frame, so a check made when the frame is taken off the ring could
 * read that one. Client 1's frames must pass its grant; client 0's, with
 * ip=dhcp, whatever lease it has had.
 */
static void check_new_tx(void)
{
    uint32_t tail = __atomic_load_n(&fz_drv_tx->active.shared->tail, __ATOMIC_ACQUIRE);
    if (tail - fz_tx_checked > CAP) {
        abort();
    }
    while (fz_tx_checked != tail) {
        net_buff_desc_t f[NET_MAX_CHAIN];
        uint32_t n = 0, total = 0;
        bool more;
        do {
            if (n == NET_MAX_CHAIN || fz_tx_checked == tail) {
                abort(); /* the virtualiser publishes whole chains only */
            }
            f[n] = fz_drv_tx->active_slots[fz_tx_checked++ & (CAP - 1)];
            if (f[n].offset % NET_BUFFER_SIZE != 0 || f[n].offset >= DATA || f[n].len > NET_BUFFER_SIZE) {
                abort(); /* the virtualiser names only whole DMA buffers */
            }
            total += f[n].len;
            more = (f[n++].flags & NET_DESC_MORE) != 0;
        } while (more);
        check_published(f, n, total, (drv_offered_ever & NET_OFFLOAD_TX_TSO4) != 0,
                        (drv_offered_ever & NET_OFFLOAD_TX_CSUM) != 0, false);
        const uint8_t *frame = tx_dma + f[0].offset;
        if (memcmp(frame + 6, fz_macs[1], 6) == 0) {
            check_granted(&f[0], frame);
        }
        /* Client 0 with ip=dhcp: its lease when it was sent may have changed
         * within the same poll, so only what no lease allows. */
        if (fz_dhcp0 && n == 1 && memcmp(frame + 6, fz_macs[0], 6) == 0) {
            net_config_t g = virt.clients[0].grant;
            net_filter_verdict_t now = net_filter_tx(&g, frame, f[0].len);
            g.ip = 0;
            if (now != NET_FILTER_PASS && virt.clients[0].dhcp.leases + virt.clients[0].dhcp.naks == 0 &&
                net_filter_tx(&g, frame, f[0].len) != NET_FILTER_PASS) {
                abort();
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    net_virt_cfg_t cfg = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                          .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                          .drv_capacity = CAP, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                          .tx_dma_size = DATA, .client_count = 2, .now_ns = fz_clock};
    fz_now_ns = 0;
    /* Every input starts from zeroed memory, so that a crash reproduces from
     * its input alone: nothing the last input left in a ring, an offload
     * word or a buffer carries over. */
    memset(drv_rx_region, 0, sizeof drv_rx_region);
    memset(drv_tx_region, 0, sizeof drv_tx_region);
    memset(cli_rx_region, 0, sizeof cli_rx_region);
    memset(cli_tx_region, 0, sizeof cli_tx_region);
    memset(rx_dma, 0, sizeof rx_dma);
    memset(tx_dma, 0, sizeof tx_dma);
    memset(cli_rx_data, 0, sizeof cli_rx_data);
    memset(cli_tx_data, 0, sizeof cli_tx_data);
    for (int i = 0; i < 2; i++) {
        cfg.clients[i] = (net_virt_client_cfg_t){
            .rx_region = cli_rx_region[i], .rx_region_size = sizeof(cli_rx_region[i]),
            .tx_region = cli_tx_region[i], .tx_region_size = sizeof(cli_tx_region[i]), .capacity = CAP,
            .rx_data = cli_rx_data[i], .rx_data_size = DATA, .tx_data = cli_tx_data[i], .tx_data_size = DATA};
        memcpy(cfg.clients[i].mac, fz_macs[i], 6);
    }
    cfg.clients[1].grant = (const uint8_t *)grant1;
    cfg.clients[1].grant_size = sizeof grant1;
    bool dhcp0 = size > 0 && (data[0] & 0x80) != 0;
    if (dhcp0) {
        cfg.clients[0].grant = (const uint8_t *)grant0_dhcp;
        cfg.clients[0].grant_size = sizeof grant0_dhcp;
    }
    {
        /* The parser alone, on the input as a frame, with its own xid. */
        net_config_t g;
        if (net_config_parse(grant0_dhcp, sizeof grant0_dhcp - 1, &g, NULL) != NET_CONFIG_OK) {
            abort();
        }
        net_dhcp_snoop_t sn = {.xid_valid = true};
        if (size >= 14 + 20 + 8 + 8) {
            memcpy(&sn.xid, data + 14 + 20 + 8 + 4, 4);
            sn.xid = __builtin_bswap32(sn.xid);
        }
        net_dhcp_snoop_tx(&sn, &g, data, size);
        net_dhcp_event_t ev = net_dhcp_snoop_rx(&sn, &g, data, size);
        if ((ev == NET_DHCP_ACK) != (g.ip != 0)) {
            abort();
        }
    }
    if (net_virt_init(&virt, &cfg) != NET_VIRT_OK) {
        abort();
    }
    net_queue_t drv_rx, drv_tx, cli_rx[2], cli_tx[2];
    (void)net_attach(&drv_rx, drv_rx_region, sizeof(drv_rx_region), CAP, true, false);
    (void)net_attach(&drv_tx, drv_tx_region, sizeof(drv_tx_region), CAP, false, false);
    for (int i = 0; i < 2; i++) {
        (void)net_attach(&cli_rx[i], cli_rx_region[i], sizeof(cli_rx_region[i]), CAP, false, false);
        (void)net_attach(&cli_tx[i], cli_tx_region[i], sizeof(cli_tx_region[i]), CAP, true, false);
    }
    fz_drv_tx = &drv_tx;
    fz_tx_checked = 0;
    fz_dhcp0 = dhcp0;
    net_virt_poll(&virt);
    check_new_tx();
    drv_offered_ever = 0;
    cli_rx_offered_ever[0] = cli_rx_offered_ever[1] = 0;
    while (size > 0) {
        uint8_t op = *data++;
        size--;
        int c = (op >> 4) & 1;
        net_buff_desc_t d;
        switch (op & 0xF) {
        case 0: { /* a frame arrives in the next lent buffer: dst choice, length, payload */
            if (net_dequeue_free(&drv_rx, &d) != DDF_RING_OK) {
                break;
            }
            uint64_t v = take64(&data, &size);
            uint16_t len = (uint16_t)(v & 0xFFF);
            if (d.offset <= DATA - NET_BUFFER_SIZE && d.offset % NET_BUFFER_SIZE == 0) {
                memcpy(rx_dma + d.offset, fz_macs[(op >> 5) % 3], 6);
                rx_dma[d.offset + 14] = (uint8_t)(v >> 16);
            }
            (void)net_enqueue_active(&drv_rx, d.offset, len);
            break;
        }
        case 1: /* client offers a raw receive descriptor */
            (void)net_enqueue_free(&cli_rx[c], take64(&data, &size), (uint16_t)take64(&data, &size));
            break;
        case 2: /* client queues a raw transmit descriptor */
            (void)net_enqueue_active(&cli_tx[c], take64(&data, &size), (uint16_t)take64(&data, &size));
            break;
        case 3: /* scribble over a shared index */
            ((uint32_t *)(op & 0x20 ? cli_rx_region[c] : cli_tx_region[c]))[(op >> 6) * 16] =
                (uint32_t)take64(&data, &size);
            break;
        case 4: /* driver returns a raw receive descriptor */
            (void)net_enqueue_active(&drv_rx, take64(&data, &size), (uint16_t)take64(&data, &size));
            break;
        case 5: { /* driver sends what it has (checked when published: check_new_tx) */
            net_buff_desc_t f[NET_MAX_CHAIN];
            uint32_t n = 0;
            ddf_ring_err_t err;
            while ((err = net_dequeue_frame(&drv_tx, f, &n)) != DDF_RING_EMPTY && n > 0) {
                if (err != DDF_RING_OK) {
                    abort(); /* the virtualiser publishes whole chains only */
                }
                for (uint32_t j = 0; j < n; j++) {
                    (void)net_enqueue_free(&drv_tx, f[j].offset, 0);
                }
            }
            break;
        }
        case 6: /* driver returns a raw transmit descriptor, even one it has not sent */
            (void)net_enqueue_free(&drv_tx, take64(&data, &size), 0);
            break;
        case 7: { /* client reads what it got: whole frames from buffer starts, as offered */
            net_buff_desc_t f[NET_MAX_CHAIN];
            uint32_t n = 0;
            while (net_dequeue_frame(&cli_rx[c], f, &n) != DDF_RING_EMPTY && n > 0) {
                uint32_t total = 0;
                for (uint32_t j = 0; j < n; j++) {
                    if (f[j].offset % NET_BUFFER_SIZE != 0 || f[j].offset >= DATA ||
                        (j + 1 < n && f[j].len != NET_BUFFER_SIZE)) {
                        abort();
                    }
                    total += f[j].len;
                }
                uint32_t offered = cli_rx_offered_ever[c];
                check_published(f, n, total, (offered & NET_OFFLOAD_RX_GSO) != 0,
                                (offered & NET_OFFLOAD_RX_CSUM) != 0, (offered & NET_OFFLOAD_RX_CSUM) != 0);
                for (uint32_t j = 0; j < n; j++) {
                    (void)net_enqueue_free(&cli_rx[c], f[j].offset, 0);
                }
            }
            break;
        }
        case 8: { /* client writes 8 bytes into its transmit data */
            uint64_t at = take64(&data, &size) % (DATA - 8);
            uint64_t v = take64(&data, &size);
            memcpy(cli_tx_data[c] + at, &v, 8);
            break;
        }
        case 9: /* client writes a plausible IPv4 UDP header at a slot */
        {
            uint8_t *f = cli_tx_data[c] + ((op >> 5) % BUFS) * NET_BUFFER_SIZE;
            static const uint8_t hdr[] = {0x08, 0x00, 0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 2, 16};
            memcpy(f + 12, hdr, sizeof hdr);
            uint64_t v = take64(&data, &size);
            memcpy(f + 26, &v, 8); /* source and destination address */
            v = take64(&data, &size);
            memcpy(f + 34, &v, 4); /* ports */
            break;
        }
        case 10: { /* a DHCP-shaped reply (UDP 67 to 68, BOOTREPLY) arrives */
            if (net_dequeue_free(&drv_rx, &d) != DDF_RING_OK) {
                break;
            }
            if (d.offset <= DATA - NET_BUFFER_SIZE && d.offset % NET_BUFFER_SIZE == 0) {
                uint8_t *f = rx_dma + d.offset;
                static const uint8_t hdr[] = {0x08, 0x00, 0x45, 0, 1, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 2, 2,
                                              255, 255, 255, 255, 0, 67, 0, 68, 1, 8, 0, 0, 2, 1, 6, 0};
                memcpy(f, fz_macs[2], 6);
                memcpy(f + 12, hdr, sizeof hdr);
                uint64_t v = take64(&data, &size);
                memcpy(f + 46, &v, 4);               /* xid */
                memcpy(f + 58, &v, 4);               /* yiaddr */
                memcpy(f + 70, fz_macs[0], 6);       /* chaddr */
                static const uint8_t tail[] = {0x63, 0x82, 0x53, 0x63, 53, 1, 5, 255};
                memcpy(f + 42 + 236, tail, sizeof tail);
                f[42 + 242] = (uint8_t)(v >> 32);    /* message type */
            }
            (void)net_enqueue_active(&drv_rx, d.offset, 14 + 284);
            break;
        }
        case 11: { /* the driver publishes a chain: flags, metadata, pieces from input */
            uint64_t meta = take64(&data, &size);
            uint32_t n = 1 + ((op >> 5) & 3);
            net_buff_desc_t f[4];
            uint32_t k = 0;
            for (; k < n && net_dequeue_free(&drv_rx, &f[k]) == DDF_RING_OK; k++) {
                uint64_t v = take64(&data, &size);
                uint64_t skip = k == 0 && (v & 0x800) != 0 ? 12 : 0;
                if (f[k].offset <= DATA - NET_BUFFER_SIZE && f[k].offset % NET_BUFFER_SIZE == 0 && k == 0 &&
                    (v & 0x1000) != 0) {
                    uint8_t *b = rx_dma + f[k].offset + skip;
                    static const uint8_t hdr[] = {0x08, 0x00, 0x45, 0, 0x80, 0x00, 0, 0, 0, 0, 64, 6, 0, 0,
                                                  10, 0, 2, 2, 10, 0, 2, 16};
                    memcpy(b, fz_macs[(op >> 7) + (v >> 13 & 1)], 6);
                    memcpy(b + 12, hdr, sizeof hdr);
                    b[14 + 20 + 12] = (uint8_t)(v >> 16);  /* TCP data offset */
                    b[16] = (uint8_t)(v >> 24);            /* IPv4 length */
                }
                f[k].offset += skip;
                f[k].len = (uint16_t)(v & 0x7FF);
                f[k].flags = 0;
            }
            if (k == 0) {
                break;
            }
            plausible_meta(&f[0], meta);
            if ((meta >> 40 & 1) != 0) { /* broken: every piece says more follows */
                for (uint32_t j = 0; j < k; j++) {
                    uint32_t slot;
                    if (ddf_ring_reserve(&drv_rx.active, &slot) == DDF_RING_OK) {
                        f[j].flags |= NET_DESC_MORE;
                        drv_rx.active_slots[slot] = f[j];
                        ddf_ring_publish(&drv_rx.active);
                    }
                }
            } else {
                (void)net_enqueue_chain(&drv_rx, f, k);
            }
            break;
        }
        case 12: { /* a client publishes a chain of its buffers, with metadata from input */
            uint64_t meta = take64(&data, &size);
            uint32_t n = 1 + ((op >> 5) & 7);
            net_buff_desc_t f[8];
            for (uint32_t k = 0; k < n; k++) {
                uint64_t v = take64(&data, &size);
                f[k] = (net_buff_desc_t){.offset = (v % BUFS) * NET_BUFFER_SIZE,
                                         .len = (uint16_t)((v >> 8) % (NET_BUFFER_SIZE + 1))};
            }
            plausible_meta(&f[0], meta);
            if ((meta >> 43 & 1) != 0) { /* broken: every piece says more follows */
                for (uint32_t k = 0; k < n; k++) {
                    uint32_t slot;
                    if (ddf_ring_reserve(&cli_tx[c].active, &slot) == DDF_RING_OK) {
                        f[k].flags |= NET_DESC_MORE;
                        cli_tx[c].active_slots[slot] = f[k];
                        ddf_ring_publish(&cli_tx[c].active);
                    }
                }
            } else {
                (void)net_enqueue_chain(&cli_tx[c], f, n);
            }
            break;
        }
        case 13: { /* offload words: the driver's transmit word, a client's receive word */
            uint64_t v = take64(&data, &size);
            net_set_tx_offloads(&drv_tx, (uint32_t)(v & 0xFF));
            drv_offered_ever |= (uint32_t)(v & 0xFF);
            net_set_rx_offloads(&cli_rx[c], (uint32_t)(v >> 8 & 0xFF));
            cli_rx_offered_ever[c] |= (uint32_t)(v >> 8 & 0xFF);
            break;
        }
        case 14: { /* a client writes a TCP/IPv4 header (as client 1's grant allows) at a slot */
            uint8_t *f = cli_tx_data[c] + ((op >> 5) % BUFS) * NET_BUFFER_SIZE;
            static const uint8_t hdr[] = {0x08, 0x00, 0x45, 0, 0, 0, 0, 0, 0, 0, 64, 6, 0, 0,
                                          10, 0, 2, 16, 10, 0, 2, 2, 0x1F, 0x40, 0, 80};
            memcpy(f + 12, hdr, sizeof hdr);
            uint64_t v = take64(&data, &size);
            f[16] = (uint8_t)(v >> 8);   /* IPv4 length */
            f[17] = (uint8_t)v;
            f[20] = (uint8_t)(v >> 16) & 0x3F; /* fragment bits, sometimes */
            f[34 + 12] = (uint8_t)(v >> 24);   /* data offset */
            f[34 + 13] = (uint8_t)(v >> 32);   /* TCP flags */
            if ((v >> 40 & 1) != 0) {
                f[34] = (uint8_t)(v >> 48);    /* another source port */
            }
            break;
        }
        default:
            net_virt_poll(&virt);
            check_new_tx();
            check_invariants();
            break;
        }
    }
    net_virt_poll(&virt);
    check_new_tx();
    check_invariants();
    return 0;
}
