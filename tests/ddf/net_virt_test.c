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

#define CAP 32u
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

static void setup(void)
{
    net_virt_cfg_t cfg = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                          .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                          .drv_capacity = CAP, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                          .tx_dma_size = DATA, .client_count = 2};
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
    ip[0] = 0x45;
    ip[3] = 60; /* total length: 20 IP + 40 of transport */
    ip[8] = 64;
    ip[9] = proto;
    for (int k = 0; k < 4; k++) {
        ip[12 + k] = (uint8_t)(src_ip >> (24 - 8 * k));
        ip[16 + k] = (uint8_t)(0x0A000202u >> (24 - 8 * k));
    }
    uint16_t sum = ip_checksum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
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
    uint16_t blen = 240 + 3 + 1;
    uint16_t total = (uint16_t)(20 + 8 + blen);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(total >> 8);
    ip[3] = (uint8_t)total;
    ip[8] = 64;
    ip[9] = 17;
    put_be32(ip + 12, src_ip);
    put_be32(ip + 16, dst_ip);
    uint16_t sum = ip_checksum(ip, 20);
    ip[10] = (uint8_t)(sum >> 8);
    ip[11] = (uint8_t)sum;
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
    b[243] = 255;
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
    RUN("net_virt/dhcp-snoop-rejects-malformed", net_virt_dhcp_snoop_rejects_malformed);
    RUN("net_virt/three-clients-from-slots", net_virt_three_clients_from_slots);
    RUN("net_virt/slots-refuse-gaps-and-partial", net_virt_slots_refuse_gaps_and_partial);
    return ddf_test_failures ? 1 : 0;
}
