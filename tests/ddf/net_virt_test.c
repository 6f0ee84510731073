/*
 * The network virtualiser against a simulated driver: frames reach exactly
 * the client whose MAC they carry (broadcast reaches all), a client that
 * stops reading does not stall the other, transmit is fair and returns every
 * buffer to its owner, and hostile descriptors from clients or the driver are
 * refused without harm to anyone else. Clients with a grant: their MAC is the
 * grant's, a hostile one sending from foreign addresses or ports gets nothing
 * out (counted, buffers returned), and a bad grant disables only its client.
 */
#include <stdlib.h>
#include <string.h>

#include "system/virt/net_virt.h"
#include "tests/ddf/ddf_test.h"

#define CAP 64u
#define DATA (CAP * NET_BUFFER_SIZE)

static _Alignas(64) uint8_t drv_rx_region[4096], drv_tx_region[4096];
static _Alignas(64) uint8_t cli_rx_region[2][4096], cli_tx_region[2][4096];
static uint8_t rx_dma[DATA], tx_dma[DATA];
static uint8_t cli_rx_data[2][DATA], cli_tx_data[2][DATA];
static net_virt_t virt;
static net_queue_t drv_rx, drv_tx, cli_rx[2], cli_tx[2];
static const uint8_t mac[2][6] = {{0x52, 0x54, 0, 0, 0, 0xA1}, {0x52, 0x54, 0, 0, 0, 0xB2}};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* What the simulated driver transmitted. */
static int sent_count;
static uint8_t sent_src[256];   /* last byte of each frame's source MAC */
static uint8_t sent_tag[256];   /* payload byte 14 */

/* Grant regions for the granted tests (NULL: a raw client). */
static const uint8_t *grant_region[2];
static size_t grant_size[2];

/* The virtualiser's clock (DHCP lease ends), moved by the tests. */
static uint64_t fake_now_ns;
static uint64_t fake_clock(void *ctx)
{
    (void)ctx;
    return fake_now_ns;
}

static void setup(void)
{
    net_virt_cfg_t cfg = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                          .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                          .drv_capacity = CAP, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                          .tx_dma_size = DATA, .client_count = 2, .now_ns = fake_clock};
    for (int i = 0; i < 2; i++) {
        cfg.clients[i] = (net_virt_client_cfg_t){
            .rx_region = cli_rx_region[i], .rx_region_size = 4096, .tx_region = cli_tx_region[i],
            .tx_region_size = 4096, .capacity = CAP, .rx_data = cli_rx_data[i], .rx_data_size = DATA,
            .tx_data = cli_tx_data[i], .tx_data_size = DATA};
        memcpy(cfg.clients[i].mac, mac[i], 6);
        cfg.clients[i].grant = grant_region[i];
        cfg.clients[i].grant_size = grant_size[i];
    }
    CHECK(net_virt_init(&virt, &cfg) == NET_VIRT_OK);
    CHECK(net_attach(&drv_rx, drv_rx_region, 4096, CAP, true, false) == DDF_RING_OK);
    CHECK(net_attach(&drv_tx, drv_tx_region, 4096, CAP, false, false) == DDF_RING_OK);
    for (int i = 0; i < 2; i++) {
        CHECK(net_attach(&cli_rx[i], cli_rx_region[i], 4096, CAP, false, false) == DDF_RING_OK);
        CHECK(net_attach(&cli_tx[i], cli_tx_region[i], 4096, CAP, true, false) == DDF_RING_OK);
        net_request_signal_active(&cli_rx[i]); /* as a client about to sleep does */
    }
    sent_count = 0;
    net_virt_poll(&virt);
}

static void client_offer_rx(int c, int n)
{
    for (int i = 0; i < n; i++) {
        CHECK(net_enqueue_free(&cli_rx[c], (uint64_t)i * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    }
}

/* The driver "receives" a frame into the next buffer it was lent. */
static bool wire_in(const uint8_t *dst, uint8_t tag, uint16_t len)
{
    net_buff_desc_t d;
    if (net_dequeue_free(&drv_rx, &d) != DDF_RING_OK) {
        return false;
    }
    uint8_t *f = rx_dma + d.offset;
    memcpy(f, dst, 6);
    memset(f + 6, 0x11, 6);
    f[12] = 0x88;
    f[13] = 0xB5;
    f[14] = tag;
    return net_enqueue_active(&drv_rx, d.offset, len) == DDF_RING_OK;
}

static void driver_transmit(void)
{
    net_buff_desc_t d;
    while (net_dequeue_active(&drv_tx, &d) == DDF_RING_OK) {
        if (sent_count < 256) {
            sent_src[sent_count] = tx_dma[d.offset + 11];
            sent_tag[sent_count] = tx_dma[d.offset + 14];
            sent_count++;
        }
        CHECK(net_enqueue_free(&drv_tx, d.offset, 0) == DDF_RING_OK);
    }
}

/* Pops one received frame of client c; returns its tag or -1. */
static int client_take(int c)
{
    net_buff_desc_t d;
    if (net_dequeue_active(&cli_rx[c], &d) != DDF_RING_OK) {
        return -1;
    }
    int tag = cli_rx_data[c][d.offset + 14];
    CHECK(net_enqueue_free(&cli_rx[c], d.offset, 0) == DDF_RING_OK);
    return tag;
}

static void net_virt_demuxes_by_mac_and_broadcast(void)
{
    setup();
    client_offer_rx(0, 8);
    client_offer_rx(1, 8);
    uint8_t stranger[6] = {0x52, 0x54, 0, 0, 0, 0xCC};
    CHECK(wire_in(mac[0], 1, 60));
    CHECK(wire_in(mac[1], 2, 60));
    CHECK(wire_in(bcast, 3, 60));
    CHECK(wire_in(stranger, 4, 60));
    net_virt_poll(&virt);
    CHECK(virt.notify_clients_rx == 3u);
    CHECK(client_take(0) == 1);
    CHECK(client_take(0) == 3);
    CHECK(client_take(0) == -1);
    CHECK(client_take(1) == 2);
    CHECK(client_take(1) == 3);
    CHECK(client_take(1) == -1);
    CHECK(virt.rx_no_owner == 1);
    CHECK(virt.rx_idle_count == 0); /* every DMA buffer went straight back to the driver */
}

static void net_virt_flood_to_one_does_not_stall_other(void)
{
    setup();
    client_offer_rx(0, 4); /* client 0 offers 4 buffers, then never reads */
    client_offer_rx(1, 8);
    int got1 = 0;
    for (int round = 0; round < 500; round++) {
        for (int k = 0; k < 10; k++) {
            CHECK(wire_in(mac[0], 0xAA, 1514));
        }
        CHECK(wire_in(mac[1], (uint8_t)round, 100));
        net_virt_poll(&virt);
        int t = client_take(1);
        CHECK(t == (round & 0xFF));
        got1 += t >= 0;
    }
    CHECK(got1 == 500);
    CHECK(virt.clients[0].rx_frames == 4 && virt.clients[0].rx_dropped == 4996);
}

static void client_send(int c, int slot, uint8_t tag, uint16_t len, const uint8_t *spoof)
{
    uint8_t *f = cli_tx_data[c] + slot * NET_BUFFER_SIZE;
    memcpy(f, bcast, 6);
    memcpy(f + 6, spoof ? spoof : mac[c], 6);
    f[14] = tag;
    CHECK(net_enqueue_active(&cli_tx[c], (uint64_t)slot * NET_BUFFER_SIZE, len) == DDF_RING_OK);
}

static void net_virt_transmit_is_fair_and_returns_buffers(void)
{
    setup();
    for (int i = 0; i < 20; i++) {
        client_send(0, i, (uint8_t)i, 60, mac[1]); /* client 0 also tries to spoof client 1 */
    }
    for (int i = 0; i < 3; i++) {
        client_send(1, i, (uint8_t)(100 + i), 60, NULL);
    }
    net_virt_poll(&virt);
    driver_transmit();
    net_virt_poll(&virt);
    driver_transmit();
    CHECK(sent_count == 23);
    /* Within the first six frames both clients appear three times each. */
    int ones = 0;
    for (int i = 0; i < 6; i++) {
        ones += sent_src[i] == 0xB2;
    }
    CHECK(ones == 3);
    /* Client 0's frames carry its own MAC, whatever it wrote. */
    int zeros = 0;
    for (int i = 0; i < sent_count; i++) {
        zeros += sent_src[i] == 0xA1;
    }
    CHECK(zeros == 20);
    /* Every buffer is back with its owner, in order. */
    net_buff_desc_t d;
    for (int i = 0; i < 20; i++) {
        CHECK(net_dequeue_free(&cli_tx[0], &d) == DDF_RING_OK && d.offset == (uint64_t)i * NET_BUFFER_SIZE);
    }
    CHECK(net_dequeue_free(&cli_tx[0], &d) == DDF_RING_EMPTY);
    CHECK(virt.tx_idle_count == CAP);
}

static void net_virt_refuses_hostile_client_descriptors(void)
{
    setup();
    client_offer_rx(1, 4);
    /* Client 0: buffers outside its region, misaligned, too long, then a corrupt ring. */
    CHECK(net_enqueue_free(&cli_rx[0], DATA, 0) == DDF_RING_OK);
    CHECK(net_enqueue_free(&cli_rx[0], 5, 0) == DDF_RING_OK);
    CHECK(net_enqueue_active(&cli_tx[0], UINT64_MAX - 100, 60) == DDF_RING_OK);
    CHECK(net_enqueue_active(&cli_tx[0], 0, NET_BUFFER_SIZE + 1) == DDF_RING_OK);
    CHECK(net_enqueue_active(&cli_tx[0], NET_BUFFER_SIZE, 2000) == DDF_RING_OK); /* in buffer, but no frame is that long */
    CHECK(wire_in(bcast, 7, 60));
    net_virt_poll(&virt);
    driver_transmit();
    CHECK(sent_count == 0);
    CHECK(virt.clients[0].bad_descs == 5 && virt.clients[0].rx_frames == 0);
    CHECK(client_take(1) == 7);
    cli_rx[0].free.shared->tail += 77;   /* corrupt */
    cli_tx[0].active.shared->tail -= 9;
    CHECK(wire_in(bcast, 8, 60));
    client_send(1, 0, 9, 60, NULL);
    net_virt_poll(&virt);
    driver_transmit();
    CHECK(client_take(1) == 8);
    CHECK(sent_count == 1 && sent_tag[0] == 9);
    CHECK(virt.clients[0].broken && !virt.clients[1].broken);
}

static void net_virt_refuses_driver_returning_foreign_buffers(void)
{
    setup();
    client_offer_rx(0, 4);
    net_buff_desc_t d = {0};
    CHECK(net_dequeue_free(&drv_rx, &d) == DDF_RING_OK);
    /* The driver returns the same buffer twice, one never lent, one outside. */
    memcpy(rx_dma + d.offset, mac[0], 6);
    rx_dma[d.offset + 14] = 5;
    CHECK(net_enqueue_active(&drv_rx, d.offset, 60) == DDF_RING_OK);
    CHECK(net_enqueue_active(&drv_rx, d.offset, 60) == DDF_RING_OK);
    CHECK(net_enqueue_active(&drv_rx, DATA * 4, 60) == DDF_RING_OK);
    CHECK(net_enqueue_active(&drv_rx, 3, 60) == DDF_RING_OK);
    net_virt_poll(&virt);
    CHECK(client_take(0) == 5);
    CHECK(client_take(0) == -1);
    CHECK(virt.bad_driver_descs == 3);
    /* Short frame: dropped, buffer reused. */
    CHECK(wire_in(mac[0], 6, 10));
    net_virt_poll(&virt);
    CHECK(client_take(0) == -1 && virt.bad_driver_descs == 4);
}

/* A grant region as the image writer fills it: the text, then zeroes. */
static uint8_t grant_page[2][4096];

static void set_grant(int c, const char *text)
{
    memset(grant_page[c], 0, sizeof grant_page[c]);
    if (text == NULL) {
        grant_region[c] = NULL;
        grant_size[c] = 0;
        return;
    }
    memcpy(grant_page[c], text, strlen(text));
    grant_region[c] = grant_page[c];
    grant_size[c] = sizeof grant_page[c];
}

/* Client 1's grant: a different MAC than the raw fallback, so the test shows
 * the MAC comes from the grant. */
static const uint8_t granted_mac[6] = {0x52, 0x54, 0, 0, 0, 0xC3};
#define GRANT1 "mac=52:54:00:00:00:c3 ip=10.0.2.16/24 gw=10.0.2.2\ntcp=7,8000-8010 udp=53\n"

static uint16_t ip_checksum(const uint8_t *h, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < len; i += 2) {
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* Fills a zeroed IPv4 header (no options, TTL 64) and its checksum. */
static void put_ipv4(uint8_t *ip, uint16_t total, uint8_t proto, uint32_t src_ip, uint32_t dst_ip)
{
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[8] = 64;
    ip[9] = proto;
    for (int k = 0; k < 4; k++) {
        ip[12 + k] = (uint8_t)(src_ip >> (24 - 8 * k));
        ip[16 + k] = (uint8_t)(dst_ip >> (24 - 8 * k));
    }
    uint16_t sum = ip_checksum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
}

/* Client c queues an IPv4 TCP (proto 6) or UDP (17) frame from src_ip:sport. */
static void client_send_ip(int c, int slot, uint8_t tag, uint8_t proto, uint32_t src_ip, uint16_t sport)
{
    uint8_t *f = cli_tx_data[c] + slot * NET_BUFFER_SIZE;
    memset(f, 0, 80);
    memcpy(f, bcast, 6);
    memcpy(f + 6, granted_mac, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    uint8_t *ip = f + 14;
    put_ipv4(ip, 60, proto, src_ip, 0x0A000202u); /* 20 IP + 40 of transport */
    uint8_t *l4 = ip + 20;
    l4[0] = (uint8_t)(sport >> 8);
    l4[1] = (uint8_t)sport;
    l4[3] = 9;
    if (proto == 6) {
        l4[12] = 0x50;
        l4[13] = 0x02; /* SYN */
    } else {
        l4[5] = 40;
    }
    l4[39] = tag;
    CHECK(net_enqueue_active(&cli_tx[c], (uint64_t)slot * NET_BUFFER_SIZE, 74) == DDF_RING_OK);
}

static int client_tx_returned(int c)
{
    net_buff_desc_t d;
    int n = 0;
    while (net_dequeue_free(&cli_tx[c], &d) == DDF_RING_OK) {
        n++;
    }
    return n;
}

static void net_virt_grant_gives_mac(void)
{
    set_grant(0, NULL);
    set_grant(1, GRANT1);
    setup();
    CHECK(!virt.clients[1].disabled && virt.clients[1].filtered && !virt.clients[0].filtered);
    CHECK(memcmp(virt.clients[1].mac, granted_mac, 6) == 0);
    client_offer_rx(1, 8);
    CHECK(wire_in(mac[1], 1, 60));       /* the fallback MAC is not client 1's any more */
    CHECK(wire_in(granted_mac, 2, 60));
    net_virt_poll(&virt);
    CHECK(client_take(1) == 2);
    CHECK(client_take(1) == -1);
    CHECK(virt.rx_no_owner == 1);
    set_grant(1, NULL);
}

static void net_virt_filters_hostile_granted_client(void)
{
    set_grant(0, NULL);
    set_grant(1, GRANT1);
    setup();
    uint32_t idle = virt.tx_idle_count;
    client_send_ip(1, 0, 1, 6, 0x0A000210u, 7);      /* granted TCP port: passes */
    client_send_ip(1, 1, 2, 17, 0x0A000210u, 53);    /* granted UDP port: passes */
    client_send_ip(1, 2, 3, 6, 0x0A000210u, 8010);   /* end of a granted range: passes */
    client_send_ip(1, 3, 4, 17, 0x0A00020Fu, 53);    /* another client's address */
    client_send_ip(1, 4, 5, 6, 0x0A000210u, 22);     /* port not granted */
    client_send_ip(1, 5, 6, 17, 0x0A000210u, 7);     /* TCP port, but UDP */
    client_send_ip(1, 6, 7, 6, 0x0A000210u, 8011);   /* just past the range */
    client_send(1, 7, 8, 60, NULL);                  /* raw EtherType 0x0000 */
    client_send(0, 0, 9, 60, NULL);                  /* the raw client is unaffected */
    net_virt_poll(&virt);
    driver_transmit();
    CHECK(sent_count == 4);
    int from1 = 0;
    for (int i = 0; i < sent_count; i++) {
        from1 += sent_src[i] == 0xC3;
    }
    CHECK(from1 == 3);
    net_virt_poll(&virt);
    CHECK(virt.clients[1].tx_frames == 3 && virt.clients[1].tx_filtered == 5);
    CHECK(virt.clients[0].tx_frames == 1 && virt.clients[0].tx_filtered == 0);
    CHECK(client_tx_returned(1) == 8);                /* every buffer goes back, sent or not */
    CHECK(virt.tx_idle_count == idle);                /* and no DMA buffer leaked */
    set_grant(1, NULL);
}

static void net_virt_bad_grant_disables_only_its_client(void)
{
    static const char *bad[] = {
        "mac=52:54:00:00:00:c3 ip=10.0.2.16/24 tcp=70000",  /* bad port */
        "mac=53:54:00:00:00:c3 ip=10.0.2.16/24",            /* multicast MAC */
        "ip=10.0.2.16/24 tcp=7",                            /* no MAC */
        "mac=52:54:00:00:00:c3 ip=10.0.2.16/24 colour=red", /* unknown key */
        "",                                                 /* empty region */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        set_grant(0, NULL);
        set_grant(1, bad[k]);
        setup();
        CHECK(virt.clients[1].disabled && virt.clients[1].grant_err != NET_CONFIG_OK);
        CHECK(!virt.clients[0].disabled);
        client_offer_rx(0, 8);
        client_offer_rx(1, 8);
        CHECK(wire_in(bcast, 1, 60));
        client_send_ip(1, 0, 2, 17, 0x0A000210u, 53);
        client_send(0, 0, 3, 60, NULL);
        net_virt_poll(&virt);
        driver_transmit();
        CHECK(client_take(0) == 1 && client_take(1) == -1);
        CHECK(sent_count == 1 && sent_src[0] == mac[0][5]);
    }
    /* A region full of text with no end: too long, not cut short and accepted. */
    set_grant(1, NULL);
    memset(grant_page[1], 0, sizeof grant_page[1]);
    for (size_t i = 0; i < sizeof grant_page[1]; i += 8) {
        memcpy(grant_page[1] + i, "tcp=7   ", 8);
    }
    memcpy(grant_page[1], "mac=52:54:00:00:00:c3 ip=10.0.2.16/24 ", 38);
    grant_region[1] = grant_page[1];
    grant_size[1] = sizeof grant_page[1];
    setup();
    CHECK(virt.clients[1].disabled && virt.clients[1].grant_err == NET_CONFIG_TOO_LONG);
    set_grant(1, NULL);
}

/* ------------------------------------------------------------- DHCP -- */

#define GRANT_DHCP "mac=52:54:00:00:00:c3 ip=dhcp tcp=7 udp=53"
#define LEASE 0x0A000232u

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Option 51 (lease time) for the next make_dhcp: `len` 0 leaves it out; 4 is
 * the right length, anything else a malformed option. */
static struct {
    uint8_t len;
    uint32_t seconds;
} lease_option;

/* An Ethernet+IPv4+UDP frame around a BOOTP message; returns its length. */
static uint16_t make_dhcp(uint8_t *f, const uint8_t *src_mac, uint32_t src_ip, uint32_t dst_ip, uint16_t sport,
                          uint16_t dport, uint8_t op, uint32_t xid, uint32_t yiaddr, const uint8_t *chaddr,
                          uint8_t type)
{
    memset(f, 0, 400);
    memcpy(f, bcast, 6);
    memcpy(f + 6, src_mac, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    uint16_t blen = (uint16_t)(240 + 3 + (lease_option.len != 0 ? 2 + lease_option.len : 0) + 1);
    uint16_t total = (uint16_t)(20 + 8 + blen);
    put_ipv4(ip, total, 17, src_ip, dst_ip);
    uint8_t *udp = ip + 20;
    udp[0] = (uint8_t)(sport >> 8);
    udp[1] = (uint8_t)sport;
    udp[2] = (uint8_t)(dport >> 8);
    udp[3] = (uint8_t)dport;
    udp[4] = (uint8_t)((8 + blen) >> 8);
    udp[5] = (uint8_t)(8 + blen);
    uint8_t *b = udp + 8;
    b[0] = op;
    b[1] = 1;
    b[2] = 6;
    put_be32(b + 4, xid);
    put_be32(b + 16, yiaddr);
    memcpy(b + 28, chaddr, 6);
    put_be32(b + 236, 0x63825363u);
    b[240] = 53;
    b[241] = 1;
    b[242] = type;
    size_t at = 243;
    if (lease_option.len != 0) {
        uint8_t v[4];
        put_be32(v, lease_option.seconds);
        b[at++] = 51;
        b[at++] = lease_option.len;
        for (uint8_t i = 0; i < lease_option.len; i++) {
            b[at++] = v[i % 4];
        }
    }
    b[at] = 255;
    return (uint16_t)(14 + total);
}

/* The driver receives `frame` as it is. */
static bool wire_in_raw(const uint8_t *frame, uint16_t len)
{
    net_buff_desc_t d;
    if (net_dequeue_free(&drv_rx, &d) != DDF_RING_OK) {
        return false;
    }
    memcpy(rx_dma + d.offset, frame, len);
    return net_enqueue_active(&drv_rx, d.offset, len) == DDF_RING_OK;
}

static void client_send_frame(int c, int slot, const uint8_t *frame, uint16_t len)
{
    memcpy(cli_tx_data[c] + slot * NET_BUFFER_SIZE, frame, len);
    CHECK(net_enqueue_active(&cli_tx[c], (uint64_t)slot * NET_BUFFER_SIZE, len) == DDF_RING_OK);
}

/* Client 1 (ip=dhcp) sends an ARP packet with `sender_ip`. */
static void client_send_arp(int slot, uint32_t sender_ip)
{
    uint8_t f[60] = {0};
    memcpy(f, bcast, 6);
    memcpy(f + 6, granted_mac, 6);
    f[12] = 0x08;
    f[13] = 0x06;
    f[15] = 1;
    f[16] = 0x08;
    f[18] = 6;
    f[19] = 4;
    f[21] = 1;
    memcpy(f + 22, granted_mac, 6);
    put_be32(f + 28, sender_ip);
    put_be32(f + 38, 0x0A000202u);
    client_send_frame(1, slot, f, 60);
}

static uint64_t run_tx(void)
{
    uint64_t before = virt.clients[1].tx_frames;
    net_virt_poll(&virt);
    driver_transmit();
    net_virt_poll(&virt);
    (void)client_tx_returned(1);
    return virt.clients[1].tx_frames - before;
}

static void net_virt_dhcp_before_lease_only_dhcp_and_probes(void)
{
    set_grant(0, NULL);
    set_grant(1, GRANT_DHCP);
    setup();
    uint8_t f[400];
    CHECK(virt.clients[1].filtered && virt.clients[1].grant.dhcp && virt.clients[1].grant.ip == 0);
    client_send_ip(1, 0, 1, 17, LEASE, 53);          /* an address it has not been given */
    client_send_ip(1, 1, 2, 6, 0x0A000299u, 7);
    client_send_arp(2, LEASE);
    CHECK(run_tx() == 0 && virt.clients[1].tx_filtered == 3);
    uint16_t n = make_dhcp(f, granted_mac, 0, 0xFFFFFFFFu, 68, 67, 1, 0x1234, 0, granted_mac, 1);
    client_send_frame(1, 3, f, n);                    /* DHCPDISCOVER */
    client_send_arp(4, 0);                            /* an address probe */
    CHECK(run_tx() == 2);
    n = make_dhcp(f, granted_mac, 0, 0xFFFFFFFFu, 68, 999, 1, 0x1234, 0, granted_mac, 1);
    client_send_frame(1, 5, f, n);                    /* from 0.0.0.0, but not to the server port */
    CHECK(run_tx() == 0 && virt.clients[1].tx_filtered == 4);
    set_grant(1, NULL);
}

static void net_virt_dhcp_ack_teaches_lease(void)
{
    static const uint8_t server_mac[6] = {0x52, 0x55, 10, 0, 2, 2};
    static const uint8_t other_mac[6] = {0x52, 0x54, 0, 0, 0, 0x99};
    set_grant(0, NULL);
    set_grant(1, GRANT_DHCP);
    setup();
    client_offer_rx(1, 16);
    uint8_t f[400];
    uint16_t n = make_dhcp(f, granted_mac, 0, 0xFFFFFFFFu, 68, 67, 1, 0xCAFE, 0, granted_mac, 3);
    client_send_frame(1, 0, f, n);                    /* DHCPREQUEST, xid 0xCAFE */
    CHECK(run_tx() == 1);
    /* ACKs that must teach nothing: another transaction, another client's
     * MAC, a broadcast or loopback "lease", a request echoed back. */
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xBEEF, LEASE, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xCAFE, LEASE, other_mac, 5);
    CHECK(wire_in_raw(f, n));
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xCAFE, 0xFFFFFFFFu, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xCAFE, 0x7F000001u, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 1, 0xCAFE, LEASE, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xCAFE, LEASE, granted_mac, 2);
    CHECK(wire_in_raw(f, n));                          /* an OFFER is not a lease */
    net_virt_poll(&virt);
    CHECK(virt.clients[1].grant.ip == 0 && virt.clients[1].dhcp.leases == 0);
    /* The real ACK. */
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xCAFE, LEASE, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    net_virt_poll(&virt);
    CHECK(virt.clients[1].grant.ip == LEASE && virt.clients[1].dhcp.leases == 1);
    int got = 0;
    while (client_take(1) != -1) {
        got++;
    }
    CHECK(got == 7);                                   /* every broadcast was still delivered */
    uint64_t filtered = virt.clients[1].tx_filtered;
    client_send_ip(1, 1, 1, 17, LEASE, 53);            /* the lease, a granted port: passes */
    client_send_ip(1, 2, 2, 6, LEASE, 7);
    client_send_arp(3, LEASE);
    client_send_ip(1, 4, 3, 17, LEASE + 1, 53);        /* any other address: refused */
    client_send_arp(5, LEASE + 1);
    client_send_ip(1, 6, 4, 17, LEASE, 54);            /* the lease, a port not granted */
    CHECK(run_tx() == 3 && virt.clients[1].tx_filtered == filtered + 3);
    /* A NAK for its next request withdraws the lease. */
    n = make_dhcp(f, granted_mac, LEASE, 0x0A000202u, 68, 67, 1, 0xD00D, 0, granted_mac, 3);
    client_send_frame(1, 7, f, n);
    CHECK(run_tx() == 1);
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xD00D, 0, granted_mac, 6);
    CHECK(wire_in_raw(f, n));
    net_virt_poll(&virt);
    CHECK(virt.clients[1].grant.ip == 0 && virt.clients[1].dhcp.naks == 1);
    client_send_ip(1, 8, 5, 17, LEASE, 53);
    CHECK(run_tx() == 0);
    set_grant(1, NULL);
}

/* A lease ends at its ACK's lease time (option 51), counted from delivery:
 * the client's next frame from the address is refused and the lease is gone
 * (DHCP from 0.0.0.0 still leaves); an "infinite" lease never ends; a
 * malformed lease time makes the ACK teach nothing. */
static void net_virt_dhcp_lease_ends_at_its_time(void)
{
    static const uint8_t server_mac[6] = {0x52, 0x55, 10, 0, 2, 2};
    set_grant(0, NULL);
    set_grant(1, GRANT_DHCP);
    fake_now_ns = 1000000000ull;
    setup();
    client_offer_rx(1, 16);
    uint8_t f[400];
    uint16_t n = make_dhcp(f, granted_mac, 0, 0xFFFFFFFFu, 68, 67, 1, 0xCAFE, 0, granted_mac, 3);
    client_send_frame(1, 0, f, n);
    CHECK(run_tx() == 1);
    lease_option.len = 4;
    lease_option.seconds = 60;
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xCAFE, LEASE, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    net_virt_poll(&virt);
    CHECK(virt.clients[1].grant.ip == LEASE && virt.clients[1].dhcp.lease_seconds == 60);
    CHECK(virt.clients[1].lease_end_ns == 61000000000ull);
    fake_now_ns = 61000000000ull - 1;
    client_send_ip(1, 1, 1, 17, LEASE, 53);
    CHECK(run_tx() == 1);                              /* a nanosecond before its end */
    fake_now_ns = 61000000000ull;
    client_send_ip(1, 2, 2, 17, LEASE, 53);
    CHECK(run_tx() == 0 && virt.clients[1].grant.ip == 0 && virt.clients[1].leases_expired == 1);
    n = make_dhcp(f, granted_mac, 0, 0xFFFFFFFFu, 68, 67, 1, 0xD00D, 0, granted_mac, 3);
    client_send_frame(1, 3, f, n);                    /* asks again, from 0.0.0.0 */
    CHECK(run_tx() == 1);
    lease_option.len = 3;                              /* a lease time of three bytes */
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xD00D, LEASE, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    net_virt_poll(&virt);
    CHECK(virt.clients[1].grant.ip == 0 && virt.clients[1].dhcp.leases == 1);
    lease_option.len = 4;
    lease_option.seconds = NET_DHCP_FOREVER;
    n = make_dhcp(f, server_mac, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 0xD00D, LEASE, granted_mac, 5);
    CHECK(wire_in_raw(f, n));
    net_virt_poll(&virt);
    CHECK(virt.clients[1].grant.ip == LEASE && virt.clients[1].lease_end_ns == UINT64_MAX);
    fake_now_ns = UINT64_MAX - 1;
    client_send_ip(1, 4, 3, 17, LEASE, 53);
    CHECK(run_tx() == 1 && virt.clients[1].leases_expired == 1);
    while (client_take(1) != -1) {
    }
    lease_option.len = 0;
    fake_now_ns = 0;
    set_grant(1, NULL);
}

/* A DHCP reply whose options are cut, lie about their length or repeat the
 * type is ignored, and truncations of a good ACK at every length never read
 * past it (ASan) nor teach a lease unless the ACK is whole. */
static void net_virt_dhcp_snoop_rejects_malformed(void)
{
    net_config_t g;
    static const char text[] = GRANT_DHCP;
    CHECK(net_config_parse(text, sizeof text - 1, &g, NULL) == NET_CONFIG_OK);
    g.ip = 0;
    net_dhcp_snoop_t s = {.xid = 7, .xid_valid = true};
    uint8_t f[400];
    uint16_t n = make_dhcp(f, bcast, 0x0A000202u, 0xFFFFFFFFu, 67, 68, 2, 7, LEASE, granted_mac, 5);
    for (uint16_t len = 0; len < n; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, f, len);
        CHECK(net_dhcp_snoop_rx(&s, &g, cut, len) == NET_DHCP_NONE);
        free(cut);
    }
    CHECK(g.ip == 0);
    uint8_t bad[400];
    memcpy(bad, f, n);
    bad[14 + 28 + 241] = 200; /* the type option claims 200 bytes */
    CHECK(net_dhcp_snoop_rx(&s, &g, bad, n) == NET_DHCP_NONE);
    memcpy(bad, f, n);
    bad[14 + 28 + 243] = 53; /* a second type option, cut short */
    CHECK(net_dhcp_snoop_rx(&s, &g, bad, n) == NET_DHCP_NONE);
    memcpy(bad, f, n);
    bad[14 + 6] = 0x20; /* a fragment */
    CHECK(net_dhcp_snoop_rx(&s, &g, bad, n) == NET_DHCP_NONE);
    memcpy(bad, f, n);
    bad[14 + 28 - 4] = 0x7F; /* UDP length past the IP packet */
    CHECK(net_dhcp_snoop_rx(&s, &g, bad, n) == NET_DHCP_NONE);
    CHECK(g.ip == 0);
    CHECK(net_dhcp_snoop_rx(&s, &g, f, n) == NET_DHCP_ACK && g.ip == LEASE);
}

/* ------------------------------------------------- clients from slots -- */

#define N3 3
static _Alignas(64) uint8_t n3_rx_region[N3][8192], n3_tx_region[N3][8192];
static uint8_t n3_rx_data[N3][16 * NET_BUFFER_SIZE], n3_tx_data[N3][16 * NET_BUFFER_SIZE];
static uint8_t n3_grant[N3][4096];

/* Three clients as a system description gives them: slot 0 with every size
 * patched, slot 1 with none (defaults), slot 2 without a grant; the grants'
 * queue= set the ring capacities (16 and 8; slot 2 the default). */
static void net_virt_three_clients_from_slots(void)
{
    static const char *texts[N3] = {"mac=02:00:00:00:00:10 ip=10.0.2.30/24 udp=7 queue=16",
                                    "mac=02:00:00:00:00:11 ip=10.0.2.31/24 udp=7 queue=8", NULL};
    static const uint8_t macs3[N3][6] = {{2, 0, 0, 0, 0, 0x10}, {2, 0, 0, 0, 0, 0x11},
                                         {0x52, 0x54, 0, 0, 0, 0xA1 + 0x22}};
    static const uint32_t caps[N3] = {16, 8, 4};
    net_virt_slot_t slots[NET_VIRT_MAX_CLIENTS];
    memset(slots, 0, sizeof slots);
    for (int i = 0; i < N3; i++) {
        memset(n3_grant[i], 0, sizeof n3_grant[i]);
        slots[i] = (net_virt_slot_t){.rx = (uintptr_t)n3_rx_region[i], .tx = (uintptr_t)n3_tx_region[i],
                                     .rx_data = (uintptr_t)n3_rx_data[i], .tx_data = (uintptr_t)n3_tx_data[i]};
        if (texts[i] != NULL) {
            memcpy(n3_grant[i], texts[i], strlen(texts[i]));
            slots[i].grant = (uintptr_t)n3_grant[i];
        }
    }
    slots[0].rx_size = slots[0].tx_size = 8192;
    slots[0].rx_data_size = slots[0].tx_data_size = sizeof n3_rx_data[0];
    slots[0].grant_size = 4096;
    const net_virt_slot_defaults_t def = {.queue_size = 8192, .data_size = sizeof n3_rx_data[0],
                                          .grant_size = 4096, .capacity = 4};
    net_virt_cfg_t cfg = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                          .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                          .drv_capacity = CAP, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                          .tx_dma_size = DATA};
    size_t bad = 99;
    CHECK(net_virt_slots_config(slots, &def, &cfg, &bad) == NET_VIRT_SLOTS_OK);
    CHECK(cfg.client_count == N3 && bad == 99);
    CHECK(net_virt_init(&virt, &cfg) == NET_VIRT_OK);
    CHECK(virt.client_count == N3);
    net_queue_t rxq[N3];
    for (int i = 0; i < N3; i++) {
        CHECK(virt.clients[i].capacity == caps[i]);
        CHECK(memcmp(virt.clients[i].mac, macs3[i], 6) == 0);
        CHECK(virt.clients[i].filtered == (texts[i] != NULL) && !virt.clients[i].disabled);
        CHECK(net_attach(&rxq[i], n3_rx_region[i], 8192, caps[i], false, false) == DDF_RING_OK);
        for (uint32_t k = 0; k < caps[i]; k++) {
            CHECK(net_enqueue_free(&rxq[i], (uint64_t)k * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
        }
        /* A ring attached with any other capacity sees the indices as corrupt
         * or disagrees, which is why both ends read queue= from the grant. */
    }
    CHECK(net_attach(&drv_rx, drv_rx_region, 4096, CAP, true, false) == DDF_RING_OK);
    CHECK(net_attach(&drv_tx, drv_tx_region, 4096, CAP, false, false) == DDF_RING_OK);
    net_virt_poll(&virt);
    /* One frame to each client, then a broadcast to all three. */
    for (int i = 0; i < N3; i++) {
        CHECK(wire_in(macs3[i], (uint8_t)(10 + i), 60));
    }
    CHECK(wire_in(bcast, 99, 60));
    net_virt_poll(&virt);
    for (int i = 0; i < N3; i++) {
        net_buff_desc_t d;
        int got[2] = {-1, -1};
        for (int k = 0; k < 2 && net_dequeue_active(&rxq[i], &d) == DDF_RING_OK; k++) {
            got[k] = n3_rx_data[i][d.offset + 14];
        }
        CHECK(got[0] == 10 + i && got[1] == 99);
        CHECK(net_dequeue_active(&rxq[i], &d) == DDF_RING_EMPTY);
    }
    CHECK(virt.rx_no_owner == 0);
}

static void net_virt_slots_refuse_gaps_and_partial(void)
{
    net_virt_slot_t slots[NET_VIRT_MAX_CLIENTS];
    const net_virt_slot_defaults_t def = {.queue_size = 8192, .data_size = 4096, .grant_size = 4096, .capacity = 4};
    net_virt_cfg_t cfg = {.client_count = 42};
    size_t bad = 99;
    memset(slots, 0, sizeof slots);
    CHECK(net_virt_slots_config(slots, &def, &cfg, &bad) == NET_VIRT_SLOTS_NONE);
    net_virt_slot_t whole = {.rx = 0x1000, .tx = 0x2000, .rx_data = 0x3000, .tx_data = 0x4000};
    slots[0] = whole;
    slots[2] = whole; /* slot 1 empty */
    CHECK(net_virt_slots_config(slots, &def, &cfg, &bad) == NET_VIRT_SLOTS_GAP && bad == 2);
    slots[1] = whole;
    slots[1].tx_data = 0; /* slot 1 maps three of four */
    CHECK(net_virt_slots_config(slots, &def, &cfg, &bad) == NET_VIRT_SLOTS_PARTIAL && bad == 1);
    CHECK(cfg.client_count == 42); /* untouched on error */
    slots[1] = whole;
    slots[7] = whole;
    CHECK(net_virt_slots_config(slots, &def, &cfg, &bad) == NET_VIRT_SLOTS_GAP && bad == 7);
    for (int i = 3; i < NET_VIRT_MAX_CLIENTS; i++) {
        slots[i] = whole;
    }
    CHECK(net_virt_slots_config(slots, &def, &cfg, &bad) == NET_VIRT_SLOTS_OK && cfg.client_count == 8);
    CHECK(cfg.clients[7].rx_region_size == 8192 && cfg.clients[7].tx_data_size == 4096 &&
          cfg.clients[7].grant == NULL && cfg.clients[7].capacity == 4);
    /* A queue= the region cannot hold is a configuration error. */
    static uint8_t small_rx[1024], small_tx[1024], d1[4096], d2[4096], g[64];
    static const char gtext[] = "mac=02:00:00:00:00:20 ip=dhcp queue=1024";
    memset(g, 0, sizeof g);
    memcpy(g, gtext, sizeof gtext);
    memset(slots, 0, sizeof slots);
    slots[0] = (net_virt_slot_t){.rx = (uintptr_t)small_rx, .tx = (uintptr_t)small_tx, .rx_data = (uintptr_t)d1,
                                 .tx_data = (uintptr_t)d2, .grant = (uintptr_t)g, .rx_size = sizeof small_rx,
                                 .tx_size = sizeof small_tx, .grant_size = sizeof g};
    net_virt_cfg_t c2 = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                         .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                         .drv_capacity = CAP, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                         .tx_dma_size = DATA};
    CHECK(net_virt_slots_config(slots, &def, &c2, &bad) == NET_VIRT_SLOTS_OK);
    CHECK(net_virt_init(&virt, &c2) == NET_VIRT_EINVAL);
}

/* ---------------------------------------------------------- signalling -- */

/* The virtualiser asks for signals before it sleeps and notifies only those
 * that asked: a client that asked is notified of a frame, one that did not
 * is not; a client's queued frame is announced (the virtualiser asked on its
 * transmit ring), and the driver is told only when it asked. */
static void net_virt_signals_only_when_asked(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    client_offer_rx(0, 4);
    client_offer_rx(1, 4);
    /* The virtualiser asked both clients to announce transmissions. */
    client_send(0, 0, 1, 60, NULL);
    CHECK(net_active_should_notify(&cli_tx[0]));
    CHECK(!net_active_should_notify(&cli_tx[0])); /* one request, one notification */
    /* Client 1 does not ask for receive signals this time. */
    net_cancel_signal_active(&cli_rx[1]);
    CHECK(wire_in(mac[0], 1, 60));
    CHECK(wire_in(mac[1], 2, 60));
    net_virt_poll(&virt);
    CHECK((virt.notify_clients_rx & 1u) != 0);
    CHECK((virt.notify_clients_rx & 2u) == 0);
    CHECK(client_take(1) == 2);               /* delivered all the same */
    /* The client's frame was sent and its buffer returned, but client 0 never
     * asked for its transmit buffers back: no notification for that. */
    CHECK(virt.clients[0].tx_frames == 1 && (virt.notify_clients_tx & 1u) == 0);
    /* The virtualiser re-asked before sleeping. */
    client_send(1, 0, 3, 60, NULL);
    CHECK(net_active_should_notify(&cli_tx[1]));
    /* The driver: told of lent buffers only when it asked. */
    driver_transmit();
    net_virt_poll(&virt);
    CHECK(!virt.notify_drv_tx);
    ddf_ring_request_signal(&drv_tx.active);
    client_send(1, 1, 4, 60, NULL);
    net_virt_poll(&virt);
    CHECK(virt.notify_drv_tx);
}


/* ------------------------------------------------ offloads and chains -- */

#define ALL_RX (NET_OFFLOAD_RX_CSUM | NET_OFFLOAD_RX_GSO)
#define SERVER_IP 0x0A000202u

static uint8_t big[70000], got[70000];

/* An Ethernet + IPv4 + TCP frame of `len` bytes (IPv4 length: the whole
 * frame's) from src_mac / src_ip:sport, payload made from `seed`. The TCP
 * checksum field holds the pseudo-header sum, as a CSUM_PARTIAL frame does. */
static void make_tcp(uint8_t *f, size_t len, const uint8_t *dst, const uint8_t *src, uint32_t src_ip,
                     uint16_t sport, uint8_t seed)
{
    memset(f, 0, 54);
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    put_ipv4(ip, (uint16_t)(len - 14), 6, src_ip, SERVER_IP);
    uint8_t *tcp = ip + 20;
    tcp[0] = (uint8_t)(sport >> 8);
    tcp[1] = (uint8_t)sport;
    tcp[3] = 80;
    tcp[12] = 0x50;
    tcp[13] = 0x10; /* ACK */
    for (size_t i = 54; i < len; i++) {
        f[i] = (uint8_t)(seed + i * 7 + (i >> 9));
    }
    uint32_t tcp_len = (uint32_t)(len - 34);
    uint32_t pseudo = (src_ip >> 16) + (src_ip & 0xFFFF) + (SERVER_IP >> 16) + (SERVER_IP & 0xFFFF) + 6 +
                      (tcp_len >> 16) + (tcp_len & 0xFFFF);
    while (pseudo >> 16) {
        pseudo = (pseudo & 0xFFFF) + (pseudo >> 16);
    }
    tcp[16] = (uint8_t)(pseudo >> 8);
    tcp[17] = (uint8_t)pseudo;
}

/* The receiver's check, written apart from ddf/net_csum.h: the pseudo-header
 * and the whole TCP segment, checksum included, sum to 0xFFFF. */
static bool tcp_checksum_right(const uint8_t *f, size_t len)
{
    const uint8_t *ip = f + 14;
    uint64_t sum = 6 + (len - 34);
    for (int i = 12; i < 20; i += 2) {
        sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
    }
    for (size_t i = 34; i < len; i++) {
        sum += (i - 34) % 2 == 0 ? (uint32_t)f[i] << 8 : f[i];
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return sum == 0xFFFF;
}

/* The driver receives `frame` as a chain: the first piece 12 bytes into its
 * buffer (after the device's header), the others from their buffers' start. */
static bool wire_in_chain(const uint8_t *frame, size_t len, uint16_t flags, uint8_t csum_start, uint8_t csum_offset,
                          uint16_t gso_size)
{
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    for (size_t at = 0; at < len; n++) {
        net_buff_desc_t b;
        if (n == NET_MAX_CHAIN || net_dequeue_free(&drv_rx, &b) != DDF_RING_OK) {
            return false;
        }
        size_t skip = n == 0 ? 12 : 0;
        size_t take = len - at < NET_BUFFER_SIZE - skip ? len - at : NET_BUFFER_SIZE - skip;
        memcpy(rx_dma + b.offset + skip, frame + at, take);
        d[n] = (net_buff_desc_t){.offset = b.offset + skip, .len = (uint16_t)take};
        at += take;
    }
    d[0].flags = flags;
    d[0].csum_start = csum_start;
    d[0].csum_offset = csum_offset;
    d[0].gso_size = gso_size;
    return net_enqueue_chain(&drv_rx, d, n) == DDF_RING_OK;
}

/* Takes client c's next frame into `got`: its length (-1: none), its first
 * descriptor and its piece count; every piece must start its buffer and all
 * but the last be full. The buffers go back on the free ring. */
static long client_take_frame(int c, net_buff_desc_t *meta, uint32_t *pieces)
{
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    if (net_dequeue_frame(&cli_rx[c], d, &n) != DDF_RING_OK) {
        return -1;
    }
    size_t at = 0;
    for (uint32_t j = 0; j < n; j++) {
        CHECK(d[j].offset % NET_BUFFER_SIZE == 0 && d[j].offset < DATA);
        CHECK(j + 1 == n || d[j].len == NET_BUFFER_SIZE);
        CHECK(j == 0 || (d[j].flags & ~NET_DESC_MORE) == 0);
        if (at + d[j].len <= sizeof got && d[j].offset < DATA) {
            memcpy(got + at, cli_rx_data[c] + d[j].offset, d[j].len);
        }
        at += d[j].len;
        CHECK(net_enqueue_free(&cli_rx[c], d[j].offset, 0) == DDF_RING_OK);
    }
    *meta = d[0];
    *pieces = n;
    return (long)at;
}

/* Client c queues `frame` as a chain of `piece`-byte pieces in its buffers
 * from `slot` on; returns the number of pieces. */
/* The same, with every piece `skew` bytes into its buffer, as a client sends
 * the bytes of a segment where its stack wrote them. */
static uint32_t client_send_chain_at(int c, int slot, size_t skew, const uint8_t *frame, size_t len, size_t piece,
                                     uint16_t flags, uint8_t csum_start, uint8_t csum_offset, uint16_t gso_size)
{
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    for (size_t at = 0; at < len && n < NET_MAX_CHAIN; n++) {
        size_t take = len - at < piece ? len - at : piece;
        uint64_t off = (uint64_t)(slot + (int)n) * NET_BUFFER_SIZE + skew;
        memcpy(cli_tx_data[c] + off, frame + at, take);
        d[n] = (net_buff_desc_t){.offset = off, .len = (uint16_t)take};
        at += take;
    }
    d[0].flags = flags;
    d[0].csum_start = csum_start;
    d[0].csum_offset = csum_offset;
    d[0].gso_size = gso_size;
    CHECK(net_enqueue_chain(&cli_tx[c], d, n) == DDF_RING_OK);
    return n;
}

static uint32_t client_send_chain(int c, int slot, const uint8_t *frame, size_t len, size_t piece, uint16_t flags,
                                  uint8_t csum_start, uint8_t csum_offset, uint16_t gso_size)
{
    return client_send_chain_at(c, slot, 0, frame, len, piece, flags, csum_start, csum_offset, gso_size);
}

/* The driver takes one frame it is to send into `got` (-1: none) and gives
 * its buffers back at once. */
static long driver_take_frame(net_buff_desc_t *meta, uint32_t *pieces)
{
    net_buff_desc_t d[NET_MAX_CHAIN];
    uint32_t n = 0;
    if (net_dequeue_frame(&drv_tx, d, &n) != DDF_RING_OK) {
        return -1;
    }
    size_t at = 0;
    for (uint32_t j = 0; j < n; j++) {
        CHECK(d[j].offset % NET_BUFFER_SIZE == 0 && d[j].offset < DATA);
        if (at + d[j].len <= sizeof got && d[j].offset < DATA) {
            memcpy(got + at, tx_dma + d[j].offset, d[j].len);
        }
        at += d[j].len;
        CHECK(net_enqueue_free(&drv_tx, d[j].offset, 0) == DDF_RING_OK);
    }
    *meta = d[0];
    *pieces = n;
    return (long)at;
}

/* Every receive DMA buffer is lent to the driver again: none kept, none lost. */
static bool rx_dma_all_at_driver(void)
{
    uint32_t lent = 0;
    for (uint32_t b = 0; b < virt.rx_bufs; b++) {
        lent += virt.rx_at_driver[b];
    }
    return lent == virt.rx_bufs && virt.rx_idle_count == 0;
}

#define GSO_FLAGS (NET_DESC_GSO_TCPV4 | NET_DESC_CSUM_PARTIAL)

static void net_virt_gso_chain_reaches_gso_client_whole(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    net_set_rx_offloads(&cli_rx[0], ALL_RX);
    client_offer_rx(0, 16);
    make_tcp(big, 20000, mac[0], bcast, 0x0A0A0A0Au, 80, 3);
    CHECK(wire_in_chain(big, 20000, GSO_FLAGS, 34, 16, 1448));
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(client_take_frame(0, &m, &n) == 20000);
    CHECK(n == NET_BUFFERS_FOR(20000) && memcmp(got, big, 20000) == 0);
    CHECK((m.flags & ~NET_DESC_MORE) == GSO_FLAGS && m.csum_start == 34 && m.csum_offset == 16 &&
          m.gso_size == 1448);
    CHECK(virt.clients[0].rx_frames == 1 && virt.clients[0].rx_gso_frames == 1 &&
          virt.clients[0].rx_csum_completed == 0);
    CHECK(rx_dma_all_at_driver());
    /* The largest frame there is: NET_BUFFERS_FOR(NET_MAX_GSO_FRAME) pieces
     * at the client (17 with 4 KiB buffers), as many at the driver. */
    make_tcp(big, NET_MAX_GSO_FRAME, mac[0], bcast, 0x0A0A0A0Au, 80, 4);
    for (int i = 16; i < (int)NET_BUFFERS_FOR(NET_MAX_GSO_FRAME); i++) { /* with the 16 it had: enough */
        CHECK(net_enqueue_free(&cli_rx[0], (uint64_t)i * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    }
    CHECK(wire_in_chain(big, NET_MAX_GSO_FRAME, GSO_FLAGS, 34, 16, 1448));
    net_virt_poll(&virt);
    CHECK(client_take_frame(0, &m, &n) == NET_MAX_GSO_FRAME && n == NET_BUFFERS_FOR(NET_MAX_GSO_FRAME) &&
          memcmp(got, big, NET_MAX_GSO_FRAME) == 0);
    CHECK(rx_dma_all_at_driver());
}

static void net_virt_gso_to_client_without_gso_dropped(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    net_set_rx_offloads(&cli_rx[1], NET_OFFLOAD_RX_CSUM); /* checksums, but no GSO */
    client_offer_rx(1, 16);
    make_tcp(big, 9000, mac[1], bcast, 0x0A0A0A0Au, 80, 5);
    CHECK(wire_in_chain(big, 9000, GSO_FLAGS, 34, 16, 1448));
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(client_take_frame(1, &m, &n) == -1);
    CHECK(virt.clients[1].rx_gso_refused == 1 && virt.clients[1].rx_frames == 0);
    CHECK(virt.clients[1].rx_spare_count == 0); /* none of its buffers taken */
    CHECK(rx_dma_all_at_driver());
    net_set_rx_offloads(&cli_rx[1], NET_OFFLOAD_RX_GSO); /* GSO without checksums: still refused */
    CHECK(wire_in_chain(big, 9000, GSO_FLAGS, 34, 16, 1448));
    /* A GSO frame to everyone is nobody's. */
    make_tcp(big, 9000, bcast, mac[0], 0x0A0A0A0Au, 80, 5);
    CHECK(wire_in_chain(big, 9000, GSO_FLAGS, 34, 16, 1448));
    net_set_rx_offloads(&cli_rx[0], ALL_RX);
    client_offer_rx(0, 16);
    net_virt_poll(&virt);
    CHECK(virt.clients[1].rx_gso_refused == 2 && virt.rx_gso_to_all == 1);
    CHECK(client_take_frame(0, &m, &n) == -1 && client_take_frame(1, &m, &n) == -1);
    /* The next plain frame still arrives. */
    CHECK(wire_in(mac[1], 9, 60));
    net_virt_poll(&virt);
    CHECK(client_take(1) == 9);
    CHECK(rx_dma_all_at_driver());
}

static void net_virt_csum_partial_completed_for_client_without_rx_csum(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    net_set_rx_offloads(&cli_rx[0], ALL_RX); /* client 1 offers nothing */
    client_offer_rx(0, 8);
    client_offer_rx(1, 8);
    /* To everyone, so each client gets its own kind of copy. */
    make_tcp(big, 1000, bcast, mac[0], 0x0A0A0A0Au, 80, 6);
    CHECK(!tcp_checksum_right(big, 1000));
    CHECK(wire_in_chain(big, 1000, NET_DESC_CSUM_PARTIAL, 34, 16, 0));
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(client_take_frame(0, &m, &n) == 1000 && n == 1);
    CHECK(m.flags == NET_DESC_CSUM_PARTIAL && m.csum_start == 34 && m.csum_offset == 16);
    CHECK(memcmp(got, big, 1000) == 0); /* left for the client to complete */
    CHECK(client_take_frame(1, &m, &n) == 1000 && n == 1);
    CHECK(m.flags == 0 && m.csum_start == 0 && m.csum_offset == 0);
    CHECK(tcp_checksum_right(got, 1000));
    CHECK(memcmp(got, big, 50) == 0 && memcmp(got + 52, big + 52, 1000 - 52) == 0); /* only the field changed */
    CHECK(virt.clients[1].rx_csum_completed == 1 && virt.clients[0].rx_csum_completed == 0);
    /* An odd length, and CSUM_VALID: kept for client 0, not passed to client 1. */
    make_tcp(big, 1001, bcast, mac[0], 0x0A0A0A0Au, 80, 7);
    CHECK(wire_in_chain(big, 1001, NET_DESC_CSUM_PARTIAL, 34, 16, 0));
    CHECK(wire_in_chain(big, 1001, NET_DESC_CSUM_VALID, 0, 0, 0));
    net_virt_poll(&virt);
    CHECK(client_take_frame(1, &m, &n) == 1001 && m.flags == 0 && tcp_checksum_right(got, 1001));
    CHECK(client_take_frame(1, &m, &n) == 1001 && m.flags == 0 && memcmp(got, big, 1001) == 0);
    CHECK(client_take_frame(0, &m, &n) == 1001 && m.flags == NET_DESC_CSUM_PARTIAL);
    CHECK(client_take_frame(0, &m, &n) == 1001 && m.flags == NET_DESC_CSUM_VALID);
}

static void net_virt_client_short_of_buffers_loses_whole_frame(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    net_set_rx_offloads(&cli_rx[0], ALL_RX);
    /* A 9000-byte frame needs NET_BUFFERS_FOR(9000) buffers (3 with 4 KiB buffers);
     * the client offers one fewer. */
    _Static_assert(NET_BUFFERS_FOR(9000) > 1, "the client must offer some buffers, too few");
    client_offer_rx(0, (int)NET_BUFFERS_FOR(9000) - 1);
    make_tcp(big, 9000, mac[0], bcast, 0x0A0A0A0Au, 80, 8);
    CHECK(wire_in_chain(big, 9000, GSO_FLAGS, 34, 16, 1448));
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(client_take_frame(0, &m, &n) == -1); /* nothing of it */
    CHECK(virt.clients[0].rx_dropped == 1 && virt.clients[0].rx_frames == 0);
    /* The ones it offered stay on its free ring, none taken: the virtualiser
     * holds no client buffer between events, which the client's restart
     * relies on (net_link.h). With one more, the next frame fits. */
    ddf_ring_err_t count_err;
    CHECK(virt.clients[0].rx_spare_count == 0 &&
          ddf_ring_count(&cli_rx[0].free, &count_err) == NET_BUFFERS_FOR(9000) - 1 && count_err == DDF_RING_OK);
    CHECK(net_enqueue_free(&cli_rx[0], (uint64_t)(NET_BUFFERS_FOR(9000) - 1) * NET_BUFFER_SIZE, 0) == DDF_RING_OK);
    make_tcp(big, 9000, mac[0], bcast, 0x0A0A0A0Au, 80, 9);
    CHECK(wire_in_chain(big, 9000, GSO_FLAGS, 34, 16, 1448));
    net_virt_poll(&virt);
    CHECK(client_take_frame(0, &m, &n) == 9000 && n == NET_BUFFERS_FOR(9000) && memcmp(got, big, 9000) == 0);
    CHECK(virt.clients[0].rx_spare_count == 0 && rx_dma_all_at_driver());
}

/* The driver publishes a raw descriptor, flags and all. */
static void driver_publish_raw(net_buff_desc_t d)
{
    uint32_t slot = 0;
    CHECK(ddf_ring_reserve(&drv_rx.active, &slot) == DDF_RING_OK);
    drv_rx.active_slots[slot] = d;
    ddf_ring_publish(&drv_rx.active);
}

static void net_virt_refuses_broken_frames_from_driver(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    net_set_rx_offloads(&cli_rx[0], ALL_RX);
    client_offer_rx(0, 16);
    net_buff_desc_t a = {0}, b = {0};
    CHECK(net_dequeue_free(&drv_rx, &a) == DDF_RING_OK && net_dequeue_free(&drv_rx, &b) == DDF_RING_OK);
    make_tcp(rx_dma + a.offset + 12, 2000, mac[0], bcast, 0x0A0A0A0Au, 80, 1);
    /* A chain the ring's end cuts short. */
    driver_publish_raw((net_buff_desc_t){.offset = a.offset + 12, .len = 2000, .flags = NET_DESC_MORE | GSO_FLAGS,
                                         .csum_start = 34, .csum_offset = 16, .gso_size = 1448});
    net_virt_poll(&virt);
    CHECK(virt.rx_broken_chains == 1);
    /* A chain without GSO, a piece in a buffer never lent, an unknown flag. */
    CHECK(net_dequeue_free(&drv_rx, &a) == DDF_RING_OK);
    make_tcp(rx_dma + a.offset + 12, 2000, mac[0], bcast, 0x0A0A0A0Au, 80, 1);
    driver_publish_raw((net_buff_desc_t){.offset = a.offset + 12, .len = 2000, .flags = NET_DESC_MORE});
    driver_publish_raw((net_buff_desc_t){.offset = b.offset, .len = 100});
    CHECK(net_dequeue_free(&drv_rx, &a) == DDF_RING_OK);
    make_tcp(rx_dma + a.offset + 12, 2000, mac[0], bcast, 0x0A0A0A0Au, 80, 1);
    driver_publish_raw((net_buff_desc_t){.offset = a.offset + 12, .len = 2000, .flags = NET_DESC_MORE | GSO_FLAGS,
                                         .csum_start = 34, .csum_offset = 16, .gso_size = 1448});
    driver_publish_raw((net_buff_desc_t){.offset = (uint64_t)DATA * 2, .len = 100});
    CHECK(net_dequeue_free(&drv_rx, &a) == DDF_RING_OK);
    make_tcp(rx_dma + a.offset, 100, mac[0], bcast, 0x0A0A0A0Au, 80, 1);
    driver_publish_raw((net_buff_desc_t){.offset = a.offset, .len = 100, .flags = 0x40});
    net_virt_poll(&virt);
    CHECK(virt.rx_bad_offload == 2 && virt.bad_driver_descs == 1);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(client_take_frame(0, &m, &n) == -1 && virt.clients[0].rx_frames == 0);
    CHECK(rx_dma_all_at_driver()); /* every buffer lent came back and went out again */
    CHECK(wire_in(mac[0], 4, 60));
    net_virt_poll(&virt);
    CHECK(client_take(0) == 4);
}

/* ---------------------------------------------------- transmit offloads -- */

static void driver_offers(uint32_t offloads)
{
    net_set_tx_offloads(&drv_tx, offloads);
    net_virt_poll(&virt);
}

static void net_virt_offload_word_reaches_clients(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    CHECK(net_tx_offloads(&cli_tx[0]) == 0 && net_tx_offloads(&cli_tx[1]) == 0);
    CHECK(net_rx_offloads(&drv_rx) == ALL_RX);
    driver_offers(NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    CHECK(net_tx_offloads(&cli_tx[0]) == (NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4));
    CHECK(net_tx_offloads(&cli_tx[1]) == (NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4));
    driver_offers(NET_OFFLOAD_TX_CSUM | 0x80u); /* unknown bits are not passed on */
    CHECK(net_tx_offloads(&cli_tx[0]) == NET_OFFLOAD_TX_CSUM);
    CHECK(cli_tx[1].free.shared->producer_info == NET_OFFLOAD_TX_CSUM);
}

/* A client may send bytes that start inside their buffers (its stack's
 * segments, where TCP wrote them): each piece is taken as named, the frame
 * packed into full DMA buffers, and every descriptor handed back as it came. */
static void net_virt_client_pieces_inside_buffers(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    driver_offers(NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    enum { LEN = 20000, HDRS = 54, SKEW = 1000 };
    make_tcp(big, LEN, bcast, mac[1], 0x0A0A0A0Au, 80, 21);
    /* The headers in buffer 0, then the rest from 1000 bytes into buffer 1
     * on, cut where each buffer ends. */
    net_buff_desc_t d[NET_MAX_CHAIN] = {{.offset = 0, .len = HDRS, .flags = GSO_FLAGS, .csum_start = 34,
                                         .csum_offset = 16, .gso_size = 1448}};
    memcpy(cli_tx_data[0], big, HDRS);
    uint32_t n = 1;
    uint64_t off = NET_BUFFER_SIZE + SKEW;
    for (size_t at = HDRS; at < LEN; n++) {
        size_t room = NET_BUFFER_SIZE - off % NET_BUFFER_SIZE, take = LEN - at < room ? LEN - at : room;
        memcpy(cli_tx_data[0] + off, big + at, take);
        d[n] = (net_buff_desc_t){.offset = off, .len = (uint16_t)take};
        off += take;
        at += take;
    }
    CHECK(n == 1 + NET_BUFFERS_FOR(SKEW + LEN - HDRS));
    CHECK(net_enqueue_chain(&cli_tx[0], d, n) == DDF_RING_OK);
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t got_n = 0;
    CHECK(driver_take_frame(&m, &got_n) == LEN && got_n == NET_BUFFERS_FOR(LEN));
    CHECK(memcmp(got + 12, big + 12, LEN - 12) == 0 && memcmp(got + 6, mac[0], 6) == 0);
    CHECK((m.flags & ~NET_DESC_MORE) == GSO_FLAGS && m.gso_size == 1448);
    /* Handed back one by one, each as the client named it. */
    net_buff_desc_t r;
    for (uint32_t i = 0; i < n; i++) {
        CHECK(net_dequeue_free(&cli_tx[0], &r) == DDF_RING_OK && r.offset == d[i].offset);
    }
    CHECK(net_dequeue_free(&cli_tx[0], &r) == DDF_RING_EMPTY && virt.clients[0].bad_descs == 0);
    /* A piece running past its buffer's end is still refused. */
    d[1].len = (uint16_t)(NET_BUFFER_SIZE - SKEW + 1);
    CHECK(net_enqueue_chain(&cli_tx[0], d, n) == DDF_RING_OK);
    net_virt_poll(&virt);
    CHECK(driver_take_frame(&m, &got_n) == -1 && virt.clients[0].bad_descs == 1);
}

static void net_virt_client_gso_forwarded_only_with_tso4(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    driver_offers(NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    const uint32_t p30k = NET_BUFFERS_FOR(30000);
    make_tcp(big, 30000, bcast, mac[1], 0x0A0A0A0Au, 80, 11); /* client 0 writes client 1's MAC */
    CHECK(client_send_chain(0, 0, big, 30000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == p30k);
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(driver_take_frame(&m, &n) == 30000 && n == p30k);
    CHECK((m.flags & ~NET_DESC_MORE) == GSO_FLAGS && m.csum_start == 34 && m.csum_offset == 16 &&
          m.gso_size == 1448);
    CHECK(memcmp(got + 6, mac[0], 6) == 0); /* its own source MAC */
    CHECK(memcmp(got, big, 6) == 0 && memcmp(got + 12, big + 12, 30000 - 12) == 0);
    CHECK(client_tx_returned(0) == (int)p30k && virt.clients[0].tx_frames == 1 &&
          virt.clients[0].tx_gso_frames == 1);
    /* Small pieces, and a single-piece GSO frame, are frames too. */
    make_tcp(big, 3000, bcast, mac[0], 0x0A0A0A0Au, 80, 12);
    CHECK(client_send_chain(0, 0, big, 3000, 1000, GSO_FLAGS, 34, 16, 536) == 3);
    make_tcp(big + 40000, 1400, bcast, mac[0], 0x0A0A0A0Au, 80, 12);
    CHECK(client_send_chain(0, 3, big + 40000, 1400, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 536) == 1);
    net_virt_poll(&virt);
    /* Packed: the driver gets as few buffers as the frame's length needs. */
    CHECK(driver_take_frame(&m, &n) == 3000 && n == NET_BUFFERS_FOR(3000) && memcmp(got, big, 3000) == 0 &&
          m.gso_size == 536);
    CHECK(driver_take_frame(&m, &n) == 1400 && n == 1);
    CHECK(client_tx_returned(0) == 4);
    /* The driver stops offering TSO: GSO is refused, checksums still go. */
    driver_offers(NET_OFFLOAD_TX_CSUM);
    make_tcp(big, 30000, bcast, mac[0], 0x0A0A0A0Au, 80, 13);
    CHECK(client_send_chain(0, 0, big, 30000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == p30k);
    CHECK(client_send_chain(0, (int)p30k, big, 1000, NET_BUFFER_SIZE, NET_DESC_CSUM_PARTIAL, 34, 16, 0) == 1);
    net_virt_poll(&virt);
    CHECK(driver_take_frame(&m, &n) == 1000 && n == 1 && m.flags == NET_DESC_CSUM_PARTIAL);
    CHECK(driver_take_frame(&m, &n) == -1);
    CHECK(virt.clients[0].tx_offload_refused == 1 && client_tx_returned(0) == (int)p30k + 1);
    /* Nor checksums. */
    driver_offers(0);
    CHECK(client_send_chain(0, 0, big, 1000, NET_BUFFER_SIZE, NET_DESC_CSUM_PARTIAL, 34, 16, 0) == 1);
    net_virt_poll(&virt);
    CHECK(driver_take_frame(&m, &n) == -1 && virt.clients[0].tx_offload_refused == 2);
    CHECK(client_tx_returned(0) == 1 && virt.tx_idle_count == CAP);
}

/* The client publishes raw transmit descriptors, flags and all. */
static void client_publish_raw(int c, net_buff_desc_t d)
{
    uint32_t slot = 0;
    CHECK(ddf_ring_reserve(&cli_tx[c].active, &slot) == DDF_RING_OK);
    cli_tx[c].active_slots[slot] = d;
    ddf_ring_publish(&cli_tx[c].active);
}

/* One good GSO frame from client 0 goes out; true if the driver got it. */
static bool good_gso_still_forwarded(void)
{
    make_tcp(big, 5000, bcast, mac[0], 0x0A0A0A0Au, 80, 20);
    client_send_chain(0, 40, big, 5000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448);
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    long len = driver_take_frame(&m, &n);
    bool ok = len == 5000 && n == NET_BUFFERS_FOR(5000) && memcmp(got + 12, big + 12, 5000 - 12) == 0;
    net_virt_poll(&virt);
    return ok && client_tx_returned(0) == (int)NET_BUFFERS_FOR(5000);
}

static void net_virt_refuses_frames_breaking_offload_rules(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    driver_offers(NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    struct {
        const char *what;
        size_t len, piece;
        uint16_t flags;
        uint8_t csum_start, csum_offset;
        uint16_t gso_size;
        uint64_t *counter;
    } bad[] = {
        {"unknown flag", 1000, NET_BUFFER_SIZE, 0x10, 0, 0, 0, &virt.clients[0].tx_bad_offload},
        {"chain without GSO", 3000, 1500, NET_DESC_CSUM_PARTIAL, 34, 16, 0, &virt.clients[0].tx_bad_offload},
        {"GSO without CSUM_PARTIAL", 5000, NET_BUFFER_SIZE, NET_DESC_GSO_TCPV4, 0, 0, 1448,
         &virt.clients[0].tx_bad_offload},
        {"GSO without gso_size", 5000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 0,
         &virt.clients[0].tx_bad_offload},
        {"field past the first piece", 5000, 40, GSO_FLAGS, 34, 16, 1448, &virt.clients[0].tx_bad_offload},
        {"field in the IPv4 header", 1000, NET_BUFFER_SIZE, NET_DESC_CSUM_PARTIAL, 20, 0, 0,
         &virt.clients[0].tx_bad_offload},
        {"GSO checksum not TCP's", 5000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 6, 1448,
         &virt.clients[0].tx_bad_offload},
        {"GSO of more than 64 KiB", 66000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448,
         &virt.clients[0].tx_bad_offload},
        {"plain frame over 1514", 1515, NET_BUFFER_SIZE, 0, 0, 0, 0, &virt.clients[0].bad_descs},
    };
    /* The frame over 64 KiB is a whole chain (not cut at NET_MAX_CHAIN), so it
     * is refused for its length; the 3000-byte frame is a chain of two. */
    _Static_assert(NET_BUFFERS_FOR(66000) <= NET_MAX_CHAIN, "the frame over 64 KiB fits a chain");
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        uint64_t before = *bad[k].counter;
        make_tcp(big, bad[k].len, bcast, mac[0], 0x0A0A0A0Au, 80, (uint8_t)k);
        uint32_t n = client_send_chain(0, 0, big, bad[k].len, bad[k].piece, bad[k].flags, bad[k].csum_start,
                                       bad[k].csum_offset, bad[k].gso_size);
        net_virt_poll(&virt);
        net_buff_desc_t m;
        uint32_t pieces = 0;
        if (driver_take_frame(&m, &pieces) != -1 || *bad[k].counter != before + 1 ||
            client_tx_returned(0) != (int)n || !good_gso_still_forwarded()) {
            printf("# refused wrongly: %s\n", bad[k].what);
            CHECK(!"each broken frame is dropped, counted and its buffers returned");
        }
    }
    /* Headers the copy shows wrong: UDP under GSO, an IPv4 length not the
     * frame's, a fragment, a reset. */
    for (int k = 0; k < 4; k++) {
        uint64_t before = virt.clients[0].tx_bad_offload;
        make_tcp(big, 5000, bcast, mac[0], 0x0A0A0A0Au, 80, 30);
        if (k == 0) {
            big[23] = 17;
        } else if (k == 1) {
            big[17] ^= 1;
        } else if (k == 2) {
            big[20] = 0x20; /* MF */
        } else {
            big[47] = 0x14; /* ACK RST */
        }
        client_send_chain(0, 0, big, 5000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448);
        net_virt_poll(&virt);
        net_buff_desc_t m;
        uint32_t pieces = 0;
        CHECK(driver_take_frame(&m, &pieces) == -1 && virt.clients[0].tx_bad_offload == before + 1);
        CHECK(client_tx_returned(0) == (int)NET_BUFFERS_FOR(5000) && good_gso_still_forwarded());
    }
    /* A chain the ring's end cuts short: its buffer comes back, the next frame goes. */
    client_publish_raw(0, (net_buff_desc_t){.offset = 0, .len = NET_BUFFER_SIZE,
                                            .flags = NET_DESC_MORE | GSO_FLAGS, .csum_start = 34,
                                            .csum_offset = 16, .gso_size = 1448});
    net_virt_poll(&virt);
    CHECK(virt.clients[0].tx_broken_chains == 1 && client_tx_returned(0) == 1);
    CHECK(good_gso_still_forwarded());
    /* A chain with a piece outside the client's region: the rest come back. */
    client_publish_raw(0, (net_buff_desc_t){.offset = 0, .len = NET_BUFFER_SIZE,
                                            .flags = NET_DESC_MORE | GSO_FLAGS, .csum_start = 34,
                                            .csum_offset = 16, .gso_size = 1448});
    client_publish_raw(0, (net_buff_desc_t){.offset = DATA, .len = 100});
    net_virt_poll(&virt);
    CHECK(client_tx_returned(0) == 1 && virt.clients[0].bad_descs == 2);
    CHECK(good_gso_still_forwarded());
    CHECK(virt.tx_idle_count == CAP && virt.clients[0].tx_frames == 15);
}

/* A client's frame waits inside the virtualiser, not in pieces, while the
 * driver has no DMA buffers to spare; then it goes whole. */
static void net_virt_frame_waits_for_driver_room(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    setup();
    driver_offers(NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    /* The driver keeps as many 60000-byte frames as the DMA pool holds (4
     * with 4 KiB buffers): the buffers left are enough for client 1's small
     * frame but fewer than the 20000-byte frame needs. */
    const uint32_t big_pieces = NET_BUFFERS_FOR(60000), held = CAP / big_pieces, left = CAP - held * big_pieces;
    CHECK(left >= 1 && left < NET_BUFFERS_FOR(20000));
    make_tcp(big, 60000, bcast, mac[0], 0x0A0A0A0Au, 80, 40);
    for (uint32_t i = 0; i < held; i++) {
        CHECK(client_send_chain(0, 0, big, 60000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == big_pieces);
        net_virt_poll(&virt);
        CHECK(client_tx_returned(0) == (int)big_pieces);
    }
    CHECK(virt.tx_idle_count == left);
    make_tcp(big, 20000, bcast, mac[0], 0x0A0A0A0Au, 80, 41);
    CHECK(client_send_chain(0, 0, big, 20000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == NET_BUFFERS_FOR(20000));
    client_send(1, 20, 77, 60, NULL); /* client 1 is not held up by it */
    net_virt_poll(&virt);
    CHECK(client_tx_returned(0) == 0 && virt.clients[0].tx_pend_state != 0);
    CHECK(virt.clients[1].tx_frames == 1);
    net_buff_desc_t m;
    uint32_t n = 0;
    for (uint32_t i = 0; i < held; i++) {
        CHECK(driver_take_frame(&m, &n) == 60000);
    }
    CHECK(driver_take_frame(&m, &n) == 60 && n == 1);
    CHECK(driver_take_frame(&m, &n) == -1);
    net_virt_poll(&virt); /* the driver gave its buffers back */
    CHECK(driver_take_frame(&m, &n) == 20000 && n == NET_BUFFERS_FOR(20000) &&
          memcmp(got + 12, big + 12, 20000 - 12) == 0);
    net_virt_poll(&virt);
    CHECK(client_tx_returned(0) == (int)NET_BUFFERS_FOR(20000) && virt.tx_idle_count == CAP);
}

/* A granted client's GSO frame passes its filter on the headers; a port it
 * was not granted is refused, and a checksum field placed over the ports is
 * refused before the device could write there. */
static void net_virt_filters_granted_gso_and_csum(void)
{
    set_grant(0, NULL);
    set_grant(1, GRANT1);
    setup();
    driver_offers(NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    const uint32_t p10k = NET_BUFFERS_FOR(10000);
    make_tcp(big, 10000, bcast, granted_mac, 0x0A000210u, 8000, 50);
    CHECK(client_send_chain(1, 0, big, 10000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == p10k);
    make_tcp(big, 10000, bcast, granted_mac, 0x0A000210u, 22, 51);
    CHECK(client_send_chain(1, (int)p10k, big, 10000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == p10k);
    make_tcp(big, 10000, bcast, granted_mac, 0x0A000211u, 8000, 52);
    CHECK(client_send_chain(1, 2 * (int)p10k, big, 10000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == p10k);
    make_tcp(big, 1000, bcast, granted_mac, 0x0A000210u, 8000, 53);
    const int after = 3 * (int)p10k; /* the slot after the three GSO frames */
    CHECK(client_send_chain(1, after, big, 1000, NET_BUFFER_SIZE, NET_DESC_CSUM_PARTIAL, 34, 16, 0) == 1);
    CHECK(client_send_chain(1, after + 1, big, 1000, NET_BUFFER_SIZE, NET_DESC_CSUM_PARTIAL, 34, 0, 0) == 1);
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(driver_take_frame(&m, &n) == 10000 && n == p10k && got[35] == (8000 & 0xFF));
    CHECK(driver_take_frame(&m, &n) == 1000 && m.flags == NET_DESC_CSUM_PARTIAL);
    CHECK(driver_take_frame(&m, &n) == -1);
    CHECK(virt.clients[1].tx_filtered == 2 && virt.clients[1].tx_bad_offload == 1);
    net_virt_poll(&virt);
    CHECK(client_tx_returned(1) == after + 2 && virt.tx_idle_count == CAP);
    set_grant(1, NULL);
}


/* A chain longer than the driver's ring could ever take is refused at once,
 * not left waiting with the client's queue behind it. */
static void net_virt_chain_longer_than_driver_ring_refused(void)
{
    set_grant(0, NULL);
    set_grant(1, NULL);
    /* The largest driver ring (a power of two) that a 40000-byte chain is
     * longer than: 8 with 4 KiB buffers. A 20000-byte chain fits it. */
    uint32_t ring = 1;
    while (ring * 2 < NET_BUFFERS_FOR(40000)) {
        ring *= 2;
    }
    CHECK(NET_BUFFERS_FOR(40000) > ring && NET_BUFFERS_FOR(20000) <= ring);
    net_virt_cfg_t cfg = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                          .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                          .drv_capacity = ring, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                          .tx_dma_size = DATA, .client_count = 1};
    cfg.clients[0] = (net_virt_client_cfg_t){
        .rx_region = cli_rx_region[0], .rx_region_size = 4096, .tx_region = cli_tx_region[0],
        .tx_region_size = 4096, .capacity = CAP, .rx_data = cli_rx_data[0], .rx_data_size = DATA,
        .tx_data = cli_tx_data[0], .tx_data_size = DATA};
    memcpy(cfg.clients[0].mac, mac[0], 6);
    CHECK(net_virt_init(&virt, &cfg) == NET_VIRT_OK);
    CHECK(net_attach(&drv_tx, drv_tx_region, 4096, ring, false, false) == DDF_RING_OK);
    CHECK(net_attach(&cli_tx[0], cli_tx_region[0], 4096, CAP, true, false) == DDF_RING_OK);
    net_set_tx_offloads(&drv_tx, NET_OFFLOAD_TX_CSUM | NET_OFFLOAD_TX_TSO4);
    net_virt_poll(&virt);
    make_tcp(big, 40000, bcast, mac[0], 0x0A0A0A0Au, 80, 60);
    CHECK(client_send_chain(0, 0, big, 40000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16, 1448) == NET_BUFFERS_FOR(40000));
    make_tcp(big + 40000, 20000, bcast, mac[0], 0x0A0A0A0Au, 80, 61);
    CHECK(client_send_chain(0, (int)NET_BUFFERS_FOR(40000), big + 40000, 20000, NET_BUFFER_SIZE, GSO_FLAGS, 34, 16,
                            1448) == NET_BUFFERS_FOR(20000));
    net_virt_poll(&virt);
    net_buff_desc_t m;
    uint32_t n = 0;
    CHECK(driver_take_frame(&m, &n) == 20000 && n == NET_BUFFERS_FOR(20000) &&
          memcmp(got + 12, big + 40000 + 12, 20000 - 12) == 0);
    CHECK(virt.clients[0].tx_offload_refused == 1 &&
          client_tx_returned(0) == (int)(NET_BUFFERS_FOR(40000) + NET_BUFFERS_FOR(20000)));
}

int main(void)
{
    RUN("net_virt/demuxes-by-mac-and-broadcast", net_virt_demuxes_by_mac_and_broadcast);
    RUN("net_virt/flood-to-one-does-not-stall-other", net_virt_flood_to_one_does_not_stall_other);
    RUN("net_virt/transmit-is-fair-and-returns-buffers", net_virt_transmit_is_fair_and_returns_buffers);
    RUN("net_virt/refuses-hostile-client-descriptors", net_virt_refuses_hostile_client_descriptors);
    RUN("net_virt/refuses-driver-returning-foreign-buffers", net_virt_refuses_driver_returning_foreign_buffers);
    RUN("net_virt/grant-gives-mac", net_virt_grant_gives_mac);
    RUN("net_virt/filters-hostile-granted-client", net_virt_filters_hostile_granted_client);
    RUN("net_virt/bad-grant-disables-only-its-client", net_virt_bad_grant_disables_only_its_client);
    RUN("net_virt/dhcp-before-lease-only-dhcp-and-probes", net_virt_dhcp_before_lease_only_dhcp_and_probes);
    RUN("net_virt/dhcp-ack-teaches-lease", net_virt_dhcp_ack_teaches_lease);
    RUN("net_virt/dhcp-lease-ends-at-its-time", net_virt_dhcp_lease_ends_at_its_time);
    RUN("net_virt/dhcp-snoop-rejects-malformed", net_virt_dhcp_snoop_rejects_malformed);
    RUN("net_virt/three-clients-from-slots", net_virt_three_clients_from_slots);
    RUN("net_virt/signals-only-when-asked", net_virt_signals_only_when_asked);
    RUN("net_virt/slots-refuse-gaps-and-partial", net_virt_slots_refuse_gaps_and_partial);
    RUN("net_virt/gso-chain-reaches-gso-client-whole", net_virt_gso_chain_reaches_gso_client_whole);
    RUN("net_virt/gso-to-client-without-gso-dropped", net_virt_gso_to_client_without_gso_dropped);
    RUN("net_virt/csum-partial-completed-for-client-without-rx-csum",
        net_virt_csum_partial_completed_for_client_without_rx_csum);
    RUN("net_virt/client-short-of-buffers-loses-whole-frame", net_virt_client_short_of_buffers_loses_whole_frame);
    RUN("net_virt/refuses-broken-frames-from-driver", net_virt_refuses_broken_frames_from_driver);
    RUN("net_virt/offload-word-reaches-clients", net_virt_offload_word_reaches_clients);
    RUN("net_virt/client-gso-forwarded-only-with-tso4", net_virt_client_gso_forwarded_only_with_tso4);
    RUN("net_virt/client-pieces-inside-buffers", net_virt_client_pieces_inside_buffers);
    RUN("net_virt/refuses-frames-breaking-offload-rules", net_virt_refuses_frames_breaking_offload_rules);
    RUN("net_virt/frame-waits-for-driver-room", net_virt_frame_waits_for_driver_room);
    RUN("net_virt/filters-granted-gso-and-csum", net_virt_filters_granted_gso_and_csum);
    RUN("net_virt/chain-longer-than-driver-ring-refused", net_virt_chain_longer_than_driver_ring_refused);
    return ddf_test_failures ? 1 : 0;
}
