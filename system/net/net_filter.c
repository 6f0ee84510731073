/*
 * The transmit filter (net_filter.h). Pure function of the grant and the
 * frame; reads each header field once from the caller's private copy, with
 * every offset checked against the frame length before it is read.
 */
#include "system/net/net_filter.h"

#define ETH_HLEN 14
#define ETHTYPE_ARP 0x0806
#define ETHTYPE_IPV4 0x0800
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define DHCP_CLIENT_PORT 68

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int mac_equal(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < 6; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

static net_filter_verdict_t check_arp(const net_config_t *g, const uint8_t *arp, size_t len)
{
    /* Ethernet/IPv4 ARP: htype 1, ptype 0x0800, hlen 6, plen 4. */
    if (len < 28) {
        return NET_FILTER_SHORT;
    }
    if (be16(arp) != 1 || be16(arp + 2) != ETHTYPE_IPV4 || arp[4] != 6 || arp[5] != 4) {
        return NET_FILTER_ARP_SPOOF;
    }
    uint32_t sender_ip = be32(arp + 14);
    if (!mac_equal(arp + 8, g->mac)) {
        return NET_FILTER_ARP_SPOOF;
    }
    if (sender_ip != 0 && !g->dhcp && sender_ip != g->ip) {
        return NET_FILTER_ARP_SPOOF;
    }
    return NET_FILTER_PASS;
}

static net_filter_verdict_t check_ipv4(const net_config_t *g, const uint8_t *ip, size_t len)
{
    if (len < 20) {
        return NET_FILTER_SHORT;
    }
    uint8_t ver_ihl = ip[0];
    size_t ihl = (size_t)(ver_ihl & 0x0F) * 4;
    if ((ver_ihl >> 4) != 4 || ihl < 20 || ihl > len) {
        return NET_FILTER_IP_HEADER;
    }
    uint16_t total = be16(ip + 2);
    if (total < ihl || total > len) {
        return NET_FILTER_IP_HEADER;
    }
    uint32_t src = be32(ip + 12);
    uint16_t frag = be16(ip + 6);
    uint8_t proto = ip[9];
    bool first_fragment = (frag & 0x1FFF) == 0;
    if (!g->dhcp && src != g->ip && src != 0) {
        return NET_FILTER_SRC_IP;
    }
    if (!first_fragment || (proto != IP_PROTO_TCP && proto != IP_PROTO_UDP)) {
        /* ICMP (ping replies), and later fragments whose first fragment was
         * checked. An address of 0 is only for DHCP, which is UDP. */
        return src == 0 ? NET_FILTER_SRC_IP : NET_FILTER_PASS;
    }
    if (total - ihl < 4) {
        return NET_FILTER_SHORT;
    }
    uint16_t sport = be16(ip + ihl);
    if (proto == IP_PROTO_UDP) {
        if (g->dhcp && sport == DHCP_CLIENT_PORT) {
            return NET_FILTER_PASS;
        }
        if (src == 0) {
            return NET_FILTER_SRC_IP;
        }
        return net_port_set_contains(&g->udp_ports, sport) ? NET_FILTER_PASS : NET_FILTER_PORT;
    }
    if (src == 0) {
        return NET_FILTER_SRC_IP;
    }
    /* A reset (RST without SYN) answers a segment to a port the client does
     * not use; it can only end a connection to the client itself. */
    if (total - ihl >= 14 && (ip[ihl + 13] & 0x06) == 0x04) {
        return NET_FILTER_PASS;
    }
    return net_port_set_contains(&g->tcp_ports, sport) ? NET_FILTER_PASS : NET_FILTER_PORT;
}

net_filter_verdict_t net_filter_tx(const net_config_t *grant, const uint8_t *frame, size_t len)
{
    if (grant == NULL || frame == NULL || len < ETH_HLEN) {
        return NET_FILTER_SHORT;
    }
    if (!mac_equal(frame + 6, grant->mac)) {
        return NET_FILTER_SRC_MAC;
    }
    uint16_t type = be16(frame + 12);
    if (type == ETHTYPE_ARP) {
        return check_arp(grant, frame + ETH_HLEN, len - ETH_HLEN);
    }
    if (type == ETHTYPE_IPV4) {
        return check_ipv4(grant, frame + ETH_HLEN, len - ETH_HLEN);
    }
    return NET_FILTER_ETHERTYPE;
}

const char *net_filter_reason(net_filter_verdict_t v)
{
    switch (v) {
    case NET_FILTER_PASS: return "pass";
    case NET_FILTER_SHORT: return "truncated frame";
    case NET_FILTER_SRC_MAC: return "source MAC not granted";
    case NET_FILTER_ETHERTYPE: return "EtherType not allowed";
    case NET_FILTER_ARP_SPOOF: return "ARP sender not the client";
    case NET_FILTER_IP_HEADER: return "malformed IPv4 header";
    case NET_FILTER_SRC_IP: return "source IP not granted";
    case NET_FILTER_PORT: return "source port not granted";
    }
    return "unknown";
}
