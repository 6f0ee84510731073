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
#define DHCP_SERVER_PORT 67

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
    /* With ip=dhcp, g->ip is the learned lease, 0 before it: probes only. */
    if (sender_ip != 0 && sender_ip != g->ip) {
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
    /* With ip=dhcp, g->ip is the learned lease (0 before it: no address
     * but 0.0.0.0 is anybody's). */
    if (src != 0 && src != g->ip) {
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
    uint16_t dport = be16(ip + ihl + 2);
    if (proto == IP_PROTO_UDP) {
        if (g->dhcp && sport == DHCP_CLIENT_PORT && dport == DHCP_SERVER_PORT) {
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

/* ------------------------------------------------------ DHCP snooping -- */

#define BOOTP_FIXED 236          /* op .. file, before the magic cookie */
#define DHCP_MAGIC 0x63825363u
#define DHCP_OPT_TYPE 53
#define DHCP_OPT_LEASE_TIME 51
#define DHCP_ACK 5
#define DHCP_NAK 6

/* The BOOTP message of a first-and-only-fragment IPv4/UDP frame between the
 * given ports, or NULL; *blen is its length as the UDP header bounds it. */
static const uint8_t *dhcp_payload(const uint8_t *frame, size_t len, uint16_t sport, uint16_t dport,
                                   size_t *blen)
{
    if (len < ETH_HLEN + 20 || be16(frame + 12) != ETHTYPE_IPV4) {
        return NULL;
    }
    const uint8_t *ip = frame + ETH_HLEN;
    size_t avail = len - ETH_HLEN;
    size_t ihl = (size_t)(ip[0] & 0x0F) * 4;
    uint16_t total = be16(ip + 2);
    if ((ip[0] >> 4) != 4 || ihl < 20 || total < ihl + 8 || total > avail || ip[9] != IP_PROTO_UDP ||
        (be16(ip + 6) & 0x3FFF) != 0) {
        return NULL; /* malformed, not UDP, or a fragment */
    }
    const uint8_t *udp = ip + ihl;
    uint16_t ulen = be16(udp + 4);
    if (be16(udp) != sport || be16(udp + 2) != dport || ulen < 8 || ulen > total - ihl) {
        return NULL;
    }
    *blen = (size_t)ulen - 8;
    return udp + 8;
}

void net_dhcp_snoop_tx(net_dhcp_snoop_t *s, const net_config_t *grant, const uint8_t *frame, size_t len)
{
    size_t blen;
    if (s == NULL || grant == NULL || frame == NULL || !grant->dhcp) {
        return;
    }
    const uint8_t *b = dhcp_payload(frame, len, DHCP_CLIENT_PORT, DHCP_SERVER_PORT, &blen);
    if (b == NULL || blen < BOOTP_FIXED + 4 || b[0] != 1) {
        return; /* not a BOOTREQUEST */
    }
    s->xid = be32(b + 4);
    s->xid_valid = true;
}

/* A unicast address a lease may name: not 0, not loopback, multicast,
 * reserved or broadcast. */
static bool lease_address_ok(uint32_t a)
{
    uint32_t top = a >> 24;
    return a != 0 && top != 0 && top != 127 && top < 224;
}

net_dhcp_event_t net_dhcp_snoop_rx(net_dhcp_snoop_t *s, net_config_t *grant, const uint8_t *frame, size_t len)
{
    size_t blen;
    if (s == NULL || grant == NULL || frame == NULL || !grant->dhcp || !s->xid_valid) {
        return NET_DHCP_NONE;
    }
    const uint8_t *b = dhcp_payload(frame, len, DHCP_SERVER_PORT, DHCP_CLIENT_PORT, &blen);
    if (b == NULL || blen < BOOTP_FIXED + 4) {
        return NET_DHCP_NONE;
    }
    /* BOOTREPLY, Ethernet, 6-byte addresses, our transaction, our MAC. */
    if (b[0] != 2 || b[1] != 1 || b[2] != 6 || be32(b + 4) != s->xid || !mac_equal(b + 28, grant->mac) ||
        be32(b + BOOTP_FIXED) != DHCP_MAGIC) {
        return NET_DHCP_NONE;
    }
    int type = -1;
    uint32_t lease = NET_DHCP_FOREVER;
    bool have_lease = false;
    size_t at = BOOTP_FIXED + 4;
    while (at < blen) {
        uint8_t code = b[at];
        if (code == 255) {
            break;
        }
        if (code == 0) {
            at++;
            continue;
        }
        if (at + 2 > blen || at + 2 + (size_t)b[at + 1] > blen) {
            return NET_DHCP_NONE; /* an option runs past the message */
        }
        uint8_t olen = b[at + 1];
        if (code == DHCP_OPT_TYPE) {
            if (olen != 1 || type != -1) {
                return NET_DHCP_NONE; /* malformed or repeated */
            }
            type = b[at + 2];
        } else if (code == DHCP_OPT_LEASE_TIME) {
            if (olen != 4 || have_lease) {
                return NET_DHCP_NONE; /* malformed or repeated */
            }
            lease = be32(b + at + 2);
            have_lease = true;
        }
        at += 2 + (size_t)olen;
    }
    if (type == DHCP_ACK) {
        uint32_t yiaddr = be32(b + 16);
        if (!lease_address_ok(yiaddr)) {
            return NET_DHCP_NONE;
        }
        grant->ip = yiaddr;
        s->lease_seconds = lease;
        s->leases++;
        return NET_DHCP_ACK;
    }
    if (type == DHCP_NAK) {
        grant->ip = 0;
        s->naks++;
        return NET_DHCP_NAK;
    }
    return NET_DHCP_NONE;
}
