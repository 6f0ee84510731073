/*
 * The lwIP instance of one PD and its network interface glue.
 *
 * Owns: lwIP's global state, the single netif, the link operations and the
 * configuration the system description granted. Invariants:
 *   - lwIP is entered only from net_stack_* and sock_* calls on the PD's one
 *     thread, so NO_SYS needs no locking;
 *   - a received frame's length is checked before lwIP sees it; lwIP
 *     parses a copy, or, for frames the link lends (net_stack_input_lent),
 *     the link's buffer in place, which is then the PD's alone;
 *   - output that finds no transmit buffer is dropped by the link and lwIP's
 *     TCP keeps the segment queued; net_stack_poll() pushes it again.
 * Never: allocate outside lwIP's static pools, or block.
 */
#include "system/net/net_stack.h"

#include "ddf/net_csum.h"
#include "ddf/net_frame.h"
#include "system/net/net_random.h"

#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/inet_chksum.h"
#include "lwip/ip4_frag.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/icmp.h"
#include "lwip/raw.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define NET_MTU 1500
#define NET_IP_MAX 65535 /* netif->mtu: see net_ip_output */
#define NET_SMALL_FRAME 128

static struct netif net_if;
static net_link_ops_t net_link;
static net_config_t net_cfg;
static bool net_started;
static bool net_output_deferred;
static net_stack_stats_t net_stats;

/* lwIP's heap (LWIP_RAM_HEAP_POINTER): the link's tx_heap when it offers
 * one, else our own. */
_Static_assert(MEM_SIZE + 64 <= NET_STACK_HEAP_BYTES, "NET_STACK_HEAP_BYTES holds lwIP's heap");
static unsigned char net_heap_own[NET_STACK_HEAP_BYTES] __attribute__((aligned(MEM_ALIGNMENT)));
unsigned char *net_stack_heap = net_heap_own;
static bool net_heap_shared;
static void (*net_address_cb)(uint32_t ip, void *arg);
static void *net_address_arg;
static uint32_t net_last_ip;

/* The addresses we sent ARP requests for lately: only those may answer. */
#define NET_ARP_ASKED 16
#define NET_ARP_ASK_MS 10000u
static struct {
    uint32_t ip; /* network byte order */
    uint32_t at_ms;
} net_arp_asked[NET_ARP_ASKED];
static size_t net_arp_asked_next;

int net_stack_udp_port_allowed(unsigned port)
{
    if (net_cfg.udp_ports.count == 0) {
        /* Nothing granted: any port, so lwIP's search ends; the
         * virtualiser drops what leaves from it. */
        return port >= 1024;
    }
    return net_port_set_contains(&net_cfg.udp_ports, (uint16_t)port);
}

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

u32_t sys_now(void)
{
    if (net_link.now_ns == NULL) {
        return 0;
    }
    return (u32_t)(net_link.now_ns(net_link.ctx) / 1000000u);
}

/* LWIP_HOOK_TCP_ISN (lwipopts.h): the RFC 6528 ISN, clocked by the link's
 * time (the L2 timer in a PD). */
unsigned int net_stack_tcp_isn(const struct ip4_addr *local_ip, unsigned short local_port,
                               const struct ip4_addr *remote_ip, unsigned short remote_port)
{
    uint64_t now = net_link.now_ns != NULL ? net_link.now_ns(net_link.ctx) : 0;
    return net_random_isn(lwip_ntohl(ip4_addr_get_u32(local_ip)), local_port,
                          lwip_ntohl(ip4_addr_get_u32(remote_ip)), remote_port, now);
}

/*
 * TCP's checksum is finished here, not by lwIP (CHECKSUM_GEN_TCP is 0 in
 * lwipopts.h, so lwIP leaves the field 0 and copies data without summing
 * it): in our own copy of an IPv4 TCP frame the field gets the pseudo-header
 * sum and the metadata says where the sum starts (ddf/net.h,
 * NET_DESC_CSUM_PARTIAL). A device that offers checksum offload adds the
 * rest; for one that does not, net_linkoutput does, over the same copy.
 * Returns the length of the frame's headers, where TCP's data starts, or 0
 * for any other frame.
 */
static size_t tcp_csum_prepare(uint8_t *frame, size_t len, net_buff_desc_t *meta)
{
    /* The headers are all in the first buffer: only TCP reaches here, and
     * lwIP writes them in one piece. */
    size_t hlen = net_frame_tcp_headers_len(frame, len < NET_BUFFER_SIZE ? len : NET_BUFFER_SIZE);
    if (hlen == 0) {
        return 0;
    }
    const uint8_t *ip = frame + NET_ETH_HDR_LEN;
    size_t ihl = net_frame_ipv4_header_len(frame, hlen);
    if ((ip[6] & 0x3Fu) != 0 || ip[7] != 0) {
        return 0; /* a fragment: never ours for TCP, and summed whole */
    }
    size_t l4_len = len - NET_ETH_HDR_LEN - ihl;
    net_csum_t pseudo = {NET_IP_PROTO_TCP + l4_len, false}; /* protocol, TCP length, then the two addresses */
    net_csum_add(&pseudo, ip + 12, 8);
    uint16_t sum = net_csum_fold(pseudo.sum);
    uint8_t *field = frame + NET_ETH_HDR_LEN + ihl + NET_TCP_CSUM_OFFSET;
    field[0] = (uint8_t)(sum >> 8);
    field[1] = (uint8_t)sum;
    *meta = (net_buff_desc_t){.flags = NET_DESC_CSUM_PARTIAL,
                              .csum_start = (uint8_t)(NET_ETH_HDR_LEN + ihl),
                              .csum_offset = NET_TCP_CSUM_OFFSET};
    return hlen;
}

/*
 * A TCP segment longer than the MTU (the connection uses TCP segmentation
 * offload, net_stack_tcp_offload), already prepared by tcp_csum_prepare,
 * which found its `hlen` bytes of headers: the device cuts it into segments
 * of the wire's size and completes each checksum; the metadata says how long
 * each segment's payload is.
 */
static bool tso_prepare(size_t len, size_t hlen, net_buff_desc_t *meta)
{
    size_t ip_tcp = hlen - NET_ETH_HDR_LEN;
    if (len <= hlen || NET_MTU <= ip_tcp) {
        return false;
    }
    meta->flags |= NET_DESC_GSO_TCPV4;
    meta->gso_size = (uint16_t)(NET_MTU - ip_tcp);
    return true;
}

static uint32_t link_tx_offloads(void)
{
    return net_link.tx_offloads != NULL ? net_link.tx_offloads(net_link.ctx) : 0;
}

/* The pieces of `p` after its first `skip` bytes, or 0 when they are more
 * than `max`. Whether they lie in the heap the link shares is the link's
 * check (tx_commit_in_place), which owns the region. */
static size_t pieces_after(const struct pbuf *p, size_t skip, net_piece_t *piece, size_t max)
{
    size_t n = 0;
    for (; p != NULL; p = p->next) {
        if (skip >= p->len) {
            skip -= p->len;
            continue;
        }
        if (n == max) {
            return 0;
        }
        piece[n++] = (net_piece_t){(uint8_t *)p->payload + skip, p->len - skip};
        skip = 0;
    }
    return n;
}

/*
 * A TCP segment for the device to cut (TSO), sent from where TCP wrote it:
 * only its headers are copied, into a link buffer, where the checksum
 * field is prepared; the data goes as pieces of lwIP's heap, which the link
 * shares with its server. The segment's pbuf is held (one more reference)
 * until the server hands the frame back (net_stack_tx_done), so TCP neither
 * frees nor rewrites it meanwhile: lwIP retransmits no segment whose pbuf
 * another holds. ERR_ARG: not sendable in place, copy it instead.
 */
static err_t send_in_place(struct pbuf *p, size_t len)
{
    const uint8_t *f = p->payload;
    size_t hlen = net_frame_tcp_headers_len(f, p->len); /* lwIP wrote them in its first pbuf */
    net_piece_t piece[NET_MAX_CHAIN];
    size_t n = hlen != 0 && hlen < p->len ? pieces_after(p, hlen, piece, NET_MAX_CHAIN - 1) : 0;
    if (n == 0) {
        return ERR_ARG;
    }
    uint8_t *buf[NET_MAX_CHAIN];
    if (net_link.tx_reserve(net_link.ctx, hlen, buf) != 1) {
        net_stats.tx_no_buffer++;
        net_output_deferred = true;
        return ERR_MEM;
    }
    memcpy(buf[0], f, hlen);
    net_buff_desc_t meta = {0};
    if (tcp_csum_prepare(buf[0], len, &meta) == 0 || !tso_prepare(len, hlen, &meta)) {
        net_link.tx_commit(net_link.ctx, 0, NULL);
        return ERR_ARG;
    }
    switch (net_link.tx_commit_in_place(net_link.ctx, hlen, &meta, piece, n, p)) {
    case NET_TX_SENT:
        pbuf_ref(p);
        net_stats.tx_frames++;
        net_stats.tx_in_place++;
        return ERR_OK;
    case NET_TX_NO_ROOM:
        net_stats.tx_no_buffer++;
        net_output_deferred = true;
        return ERR_MEM;
    default:
        return ERR_ARG;
    }
}

void net_stack_tx_done(void *token)
{
    if (token != NULL) {
        pbuf_free(token);
    }
}

static err_t net_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    size_t len = p->tot_len;
    bool gso = len > NET_ETH_HDR_LEN + NET_MTU;
    uint32_t offloads = link_tx_offloads(); /* read once: the server may change it */
    if (gso && (offloads & (NET_OFFLOAD_TX_TSO4 | NET_OFFLOAD_TX_CSUM)) !=
                   (NET_OFFLOAD_TX_TSO4 | NET_OFFLOAD_TX_CSUM)) {
        /* The link took TSO back (its server restarted without it): TCP
         * retransmits, and the segment is lost each time. */
        net_stats.tx_no_offload++;
        return ERR_IF;
    }
    if (gso && net_heap_shared) {
        err_t err = send_in_place(p, len);
        if (err != ERR_ARG) {
            return err;
        }
    }
    uint8_t *buf[NET_MAX_CHAIN];
    size_t n = len <= (size_t)NET_MAX_CHAIN * NET_BUFFER_SIZE ? net_link.tx_reserve(net_link.ctx, len, buf) : 0;
    if (n == 0) {
        net_stats.tx_no_buffer++;
        net_output_deferred = true;
        return ERR_MEM;
    }
    net_piece_t piece[NET_MAX_CHAIN]; /* the frame in the link's buffers */
    for (size_t i = 0; i < n; i++) {
        size_t off = i * NET_BUFFER_SIZE;
        piece[i] = (net_piece_t){buf[i], len - off < NET_BUFFER_SIZE ? len - off : NET_BUFFER_SIZE};
        if (pbuf_copy_partial(p, buf[i], (u16_t)piece[i].len, (u16_t)off) != piece[i].len) {
            /* Cannot happen for a well-formed pbuf chain; send nothing. */
            net_link.tx_commit(net_link.ctx, 0, NULL);
            return ERR_BUF;
        }
    }
    net_buff_desc_t meta = {0};
    size_t tcp_hlen = tcp_csum_prepare(buf[0], len, &meta);
    bool tcp = tcp_hlen != 0;
    if (gso && !(tcp && tso_prepare(len, tcp_hlen, &meta))) {
        net_link.tx_commit(net_link.ctx, 0, NULL); /* only TCP is ever this long */
        return ERR_BUF;
    }
    if (tcp && !gso && (offloads & NET_OFFLOAD_TX_CSUM) == 0) {
        (void)net_csum_complete(piece, n, meta.csum_start, meta.csum_offset); /* the field is in piece 0 */
        meta.flags = 0;
    }
    /* Remember whom we asked (from our own copy, in our own memory). */
    uint8_t *f = buf[0];
    if (len >= NET_ETH_HDR_LEN + 28 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1) {
        net_arp_asked[net_arp_asked_next].ip = lwip_htonl(read_be32(f + NET_ETH_HDR_LEN + 24));
        net_arp_asked[net_arp_asked_next].at_ms = sys_now();
        net_arp_asked_next = (net_arp_asked_next + 1) % NET_ARP_ASKED;
    }
    net_link.tx_commit(net_link.ctx, len, meta.flags != 0 ? &meta : NULL);
    net_stats.tx_frames++;
    return ERR_OK;
}

/*
 * lwIP never splits a queued segment to fit the congestion window, so a
 * connection whose window is smaller than one segment waits for ever. Its
 * window never falls below one segment once it holds one (a timeout sets it
 * to pcb->mss, fast recovery to more), so only the initial window needs
 * raising: to one offload segment (16 KiB, about the 10 segments of RFC
 * 6928's initial window).
 */
void net_stack_tcp_offload(struct tcp_pcb *pcb)
{
    /* Only where the peer takes segments as large as our MTU gives: the
     * device cuts at NET_MTU, so a smaller peer MSS could not be kept. */
    if (pcb != NULL && pcb->state == ESTABLISHED && pcb->mss >= TCP_MSS &&
        (link_tx_offloads() & (NET_OFFLOAD_TX_TSO4 | NET_OFFLOAD_TX_CSUM)) ==
            (NET_OFFLOAD_TX_TSO4 | NET_OFFLOAD_TX_CSUM)) {
        pcb->mss = NET_STACK_TSO_MSS;
        if (pcb->cwnd < pcb->mss) {
            pcb->cwnd = pcb->mss;
        }
    }
}

/*
 * IP output. lwIP fragments every packet longer than netif->mtu before it
 * reaches the netif, which would also cut up the TCP segments we want the
 * device to cut (TSO). So the netif's MTU is IP's largest packet, TCP's MSS
 * still comes from TCP_MSS (the wire's), and the wire's MTU is kept here:
 * a TCP segment longer than it goes out whole for the device to segment (it
 * exists only on connections net_stack_tcp_offload enabled), anything else
 * longer than it is fragmented by lwIP at NET_MTU.
 */
static err_t net_ip_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *dest)
{
    if (p->tot_len <= NET_MTU || (p->len >= 20 && ((const uint8_t *)p->payload)[9] == IP_PROTO_TCP)) {
        return etharp_output(netif, p, dest);
    }
    netif->mtu = NET_MTU;
    err_t err = ip4_frag(p, netif, dest);
    netif->mtu = NET_IP_MAX;
    return err;
}

static void net_status_changed(struct netif *netif)
{
    uint32_t ip = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(netif)));
    if (ip != net_last_ip) {
        net_last_ip = ip;
        if (net_address_cb != NULL) {
            net_address_cb(ip, net_address_arg);
        }
    }
}

static err_t net_netif_init(struct netif *netif)
{
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = NET_IP_MAX;
    netif->hwaddr_len = ETH_HWADDR_LEN;
    for (int i = 0; i < ETH_HWADDR_LEN; i++) {
        netif->hwaddr[i] = net_cfg.mac[i];
    }
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = net_ip_output;
    netif->linkoutput = net_linkoutput;
    return ERR_OK;
}

static void ip_from_host(ip4_addr_t *out, uint32_t host_order)
{
    ip4_addr_set_u32(out, lwip_htonl(host_order));
}

net_err_t net_stack_init(const net_config_t *cfg, const net_link_ops_t *link)
{
    if (net_started) {
        return NET_ERR_STATE;
    }
    if (cfg == NULL || link == NULL || link->tx_reserve == NULL || link->tx_commit == NULL ||
        link->now_ns == NULL || !cfg->has_mac || (cfg->mac[0] & 1)) {
        return NET_ERR_CONFIG;
    }
    net_cfg = *cfg;
    net_link = *link;
    net_started = true;
    net_heap_shared = link->tx_heap != NULL && link->tx_heap_size >= NET_STACK_HEAP_BYTES &&
                      link->tx_commit_in_place != NULL;
    net_stack_heap = net_heap_shared ? link->tx_heap : net_heap_own;
    lwip_init();

    ip4_addr_t ip, mask, gw;
    ip_from_host(&ip, cfg->dhcp ? 0 : cfg->ip);
    ip_from_host(&mask, cfg->dhcp ? 0 : cfg->netmask);
    ip_from_host(&gw, cfg->dhcp ? 0 : cfg->gateway);
    if (netif_add(&net_if, &ip, &mask, &gw, NULL, net_netif_init, ethernet_input) == NULL) {
        return NET_ERR_NOMEM;
    }
    netif_set_default(&net_if);
    netif_set_status_callback(&net_if, net_status_changed);
    for (size_t i = 0; i < cfg->dns_count && i < 2; i++) {
        ip_addr_t server;
        ip_from_host(ip_2_ip4(&server), cfg->dns[i]);
        IP_SET_TYPE_VAL(server, IPADDR_TYPE_V4);
        dns_setserver((u8_t)i, &server);
    }
    netif_set_link_up(&net_if);
    netif_set_up(&net_if);
    if (cfg->dhcp && dhcp_start(&net_if) != ERR_OK) {
        return NET_ERR_NOMEM;
    }
    return NET_OK;
}

/*
 * ARP policy. lwIP lets any ARP packet overwrite an existing entry (even one
 * not addressed to us), learns from any reply addressed to us, and creates
 * an entry from any request addressed to us, so forged packets could
 * redirect our traffic. Before lwIP sees an ARP packet we decide:
 *   - refuse a packet whose sender claims an address we already map to
 *     another MAC (the entry stays until it ages out, ARP_MAXAGE, then is
 *     learned afresh), or claims our own address from another machine;
 *   - refuse a reply (gratuitous ones included) for an address we did not
 *     ask for in the last NET_ARP_ASK_MS, unless it only confirms what we
 *     know;
 *   - a request for our address from a sender we do not know never creates
 *     an entry: we answer it ourselves (arp_answer) and ask the sender's
 *     address back, so the entry comes from the owner's reply to our own
 *     request. Asking back is limited per address (not again within
 *     NET_ARP_ASKBACK_MS) and overall (NET_ARP_ASKBACK_BURST, refilled at
 *     one per NET_ARP_ASKBACK_REFILL_MS), so a flood of forged requests
 *     cannot make us flood the network.
 * A request from a sender whose entry matches only refreshes it (lwIP).
 * Reads only the private copy.
 */
typedef enum { ARP_PASS, ARP_REFUSE, ARP_ANSWER } arp_verdict_t;

#define NET_ARP_ASKBACK_MS 1000u
#define NET_ARP_ASKBACK_BURST 8u
#define NET_ARP_ASKBACK_REFILL_MS 100u
static uint32_t net_askback_tokens = NET_ARP_ASKBACK_BURST;
static uint32_t net_askback_refilled_ms;
static bool net_askback_started;

static bool arp_asked_within(uint32_t ip_net, uint32_t ms)
{
    uint32_t now = sys_now();
    for (size_t i = 0; i < NET_ARP_ASKED; i++) {
        if (ip_net != 0 && net_arp_asked[i].ip == ip_net && now - net_arp_asked[i].at_ms < ms) {
            return true;
        }
    }
    return false;
}

static arp_verdict_t arp_check(const uint8_t *frame, size_t len)
{
    if (len < NET_ETH_HDR_LEN + 28 || frame[12] != 0x08 || frame[13] != 0x06) {
        return ARP_PASS; /* not ARP, or too short: lwIP drops it itself */
    }
    const uint8_t *arp = frame + NET_ETH_HDR_LEN;
    const uint8_t *sender_mac = arp + 8;
    if (arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08 || arp[3] != 0 || arp[4] != 6 || arp[5] != 4) {
        return ARP_PASS; /* not Ethernet/IPv4 ARP: lwIP drops it */
    }
    bool reply = arp[6] == 0 && arp[7] == 2;
    bool request = arp[6] == 0 && arp[7] == 1;
    ip4_addr_t sender_ip, target_ip;
    ip4_addr_set_u32(&sender_ip, lwip_htonl(read_be32(arp + 14)));
    ip4_addr_set_u32(&target_ip, lwip_htonl(read_be32(arp + 24)));
    const ip4_addr_t *ours = netif_ip4_addr(&net_if);
    if (!ip4_addr_isany_val(sender_ip) && ip4_addr_cmp(&sender_ip, ours)) {
        return ARP_REFUSE;
    }
    struct eth_addr *known_mac;
    const ip4_addr_t *known_ip;
    if (etharp_find_addr(&net_if, &sender_ip, &known_mac, &known_ip) >= 0) {
        for (int i = 0; i < ETH_HWADDR_LEN; i++) {
            if (known_mac->addr[i] != sender_mac[i]) {
                return ARP_REFUSE;
            }
        }
        return ARP_PASS;
    }
    if (request) {
        if (ip4_addr_isany_val(sender_ip) || ip4_addr_isany_val(*ours) || !ip4_addr_cmp(&target_ip, ours)) {
            /* A probe (lwIP answers without learning), or not for us (lwIP
             * only updates existing entries, which matched above). */
            return ARP_PASS;
        }
        return (sender_mac[0] & 1u) != 0 ? ARP_REFUSE : ARP_ANSWER;
    }
    if (!reply) {
        return ARP_REFUSE;
    }
    return arp_asked_within(ip4_addr_get_u32(&sender_ip), NET_ARP_ASK_MS) ? ARP_PASS : ARP_REFUSE;
}

/* Answers a request for our address from an unknown sender without learning
 * from it, then asks the sender's address back (rate-limited). */
static void arp_answer(const uint8_t *frame)
{
    const uint8_t *arp = frame + NET_ETH_HDR_LEN;
    uint8_t *buf[NET_MAX_CHAIN];
    if (net_link.tx_reserve(net_link.ctx, NET_ETH_HDR_LEN + 28, buf) == 1) {
        uint8_t *out = buf[0];
        const uint8_t *ours = (const uint8_t *)&ip4_addr_get_u32(netif_ip4_addr(&net_if));
        for (int i = 0; i < 6; i++) {
            out[i] = arp[8 + i];      /* to the asker */
            out[6 + i] = net_cfg.mac[i];
        }
        out[12] = 0x08;
        out[13] = 0x06;
        uint8_t *r = out + NET_ETH_HDR_LEN;
        r[0] = 0;
        r[1] = 1;
        r[2] = 0x08;
        r[3] = 0;
        r[4] = 6;
        r[5] = 4;
        r[6] = 0;
        r[7] = 2;
        for (int i = 0; i < 6; i++) {
            r[8 + i] = net_cfg.mac[i];
            r[18 + i] = arp[8 + i];
        }
        for (int i = 0; i < 4; i++) {
            r[14 + i] = ours[i]; /* network byte order in memory */
            r[24 + i] = arp[14 + i];
        }
        net_link.tx_commit(net_link.ctx, NET_ETH_HDR_LEN + 28, NULL);
        net_stats.tx_frames++;
    } else {
        net_stats.tx_no_buffer++;
    }
    uint32_t now = sys_now();
    if (!net_askback_started) {
        net_askback_started = true;
        net_askback_refilled_ms = now;
    }
    uint32_t refills = (now - net_askback_refilled_ms) / NET_ARP_ASKBACK_REFILL_MS;
    if (refills > 0) {
        net_askback_tokens += refills;
        if (net_askback_tokens > NET_ARP_ASKBACK_BURST) {
            net_askback_tokens = NET_ARP_ASKBACK_BURST;
        }
        net_askback_refilled_ms += refills * NET_ARP_ASKBACK_REFILL_MS;
    }
    ip4_addr_t sender_ip;
    ip4_addr_set_u32(&sender_ip, lwip_htonl(read_be32(arp + 14)));
    if (net_askback_tokens == 0 || arp_asked_within(ip4_addr_get_u32(&sender_ip), NET_ARP_ASKBACK_MS)) {
        net_stats.rx_arp_refused++;
        return;
    }
    net_askback_tokens--;
    (void)etharp_request(&net_if, &sender_ip);
}

void net_stack_input(const uint8_t *frame, size_t len)
{
    const uint8_t *piece[1] = {frame};
    size_t piece_len[1] = {len};
    net_stack_input_frame(piece, piece_len, 1, 0);
}

/* An IPv4 fragment: its TCP/UDP checksum covers the whole datagram, which no
 * device has seen, so no device's word about it counts. */
static bool is_ip_fragment(const struct pbuf *p)
{
    uint8_t copy[NET_ETH_HDR_LEN + 8]; /* through the IPv4 fragment field */
    const uint8_t *f = p->payload;
    if (p->tot_len < NET_ETH_HDR_LEN + NET_IPV4_MIN_HEADER) {
        return false;
    }
    if (p->len < sizeof copy) { /* a first piece that short: only from a hostile server */
        (void)pbuf_copy_partial(p, copy, sizeof copy, 0);
        f = copy;
    }
    return f[12] == 0x08 && f[13] == 0x00 &&
           ((f[NET_ETH_HDR_LEN + 6] & 0x3Fu) != 0 || f[NET_ETH_HDR_LEN + 7] != 0);
}

/* The length of a frame in pieces, or 0 if it is not one the stack takes:
 * no pieces, too many, a piece longer than a buffer, shorter than an
 * Ethernet header, longer than its kind may be. */
static size_t frame_length(const size_t piece_len[], size_t n, uint16_t flags)
{
    if (n == 0 || n > NET_MAX_CHAIN) {
        return 0;
    }
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (piece_len[i] > NET_BUFFER_SIZE) {
            return 0;
        }
        len += piece_len[i];
    }
    size_t max = (flags & NET_DESC_GSO_TCPV4) ? NET_STACK_MAX_GSO_FRAME : NET_STACK_MAX_FRAME;
    return len < NET_ETH_HDR_LEN || len > max ? 0 : len;
}

/* Hands the received frame `p` (`len` bytes, receive flags `flags`) to lwIP,
 * which frees it. */
static void receive(struct pbuf *p, size_t len, uint16_t flags)
{
    net_stats.rx_frames++;
    /* A frame of one MTU is one pbuf (PBUF_POOL_BUFSIZE, one PBUF_RAM block,
     * or one lent buffer), so an ARP packet is contiguous. */
    if (p->next == NULL) {
        arp_verdict_t verdict = arp_check(p->payload, len);
        if (verdict != ARP_PASS) {
            if (verdict == ARP_ANSWER) {
                arp_answer(p->payload);
            } else {
                net_stats.rx_arp_refused++;
            }
            pbuf_free(p);
            return;
        }
    }
    /* The device checked the TCP/UDP checksum, or the frame comes from the
     * host's own stack with the sum not yet done (ddf/net.h): lwIP skips that
     * check for this frame alone. lwIP is not re-entered, and the checksums
     * it generates (ACKs sent from inside input) stay on. */
    bool vouched = (flags & (NET_DESC_CSUM_VALID | NET_DESC_CSUM_PARTIAL)) != 0 && !is_ip_fragment(p);
    if (vouched) {
        NETIF_SET_CHECKSUM_CTRL(&net_if, NETIF_CHECKSUM_ENABLE_ALL & ~(NETIF_CHECKSUM_CHECK_TCP |
                                                                        NETIF_CHECKSUM_CHECK_UDP));
        net_stats.rx_checksum_offloaded++;
    }
    if (net_if.input(p, &net_if) != ERR_OK) {
        pbuf_free(p);
    }
    if (vouched) {
        NETIF_SET_CHECKSUM_CTRL(&net_if, NETIF_CHECKSUM_ENABLE_ALL);
    }
}

/* Copies the frame (n pieces, `len` bytes, already checked by
 * frame_length) into lwIP's pool and hands it on. */
static void copy_in(const uint8_t *const piece[], const size_t piece_len[], size_t n, size_t len, uint16_t flags)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (p == NULL && len <= NET_SMALL_FRAME) {
        /* The pool is full of received data waiting for its readers, and
         * they may be waiting for an ACK so that they can send and then
         * read: small frames (ACKs, ARP) come from the heap instead, so
         * that wait always ends. */
        p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_RAM);
    }
    if (p == NULL) {
        /* Out of memory (a flood): drop, as a NIC would. */
        net_stats.rx_dropped_size++;
        return;
    }
    size_t at = 0;
    for (size_t i = 0; i < n; i++) {
        if (pbuf_take_at(p, piece[i], (u16_t)piece_len[i], (u16_t)at) != ERR_OK) {
            pbuf_free(p);
            return;
        }
        at += piece_len[i];
    }
    receive(p, len, flags);
}

void net_stack_input_frame(const uint8_t *const piece[], const size_t piece_len[], size_t n, uint16_t flags)
{
    if (!net_started) {
        return;
    }
    size_t len = frame_length(piece_len, n, flags);
    if (len == 0) {
        net_stats.rx_dropped_size++;
        return;
    }
    copy_in(piece, piece_len, n, len, flags);
}

/*
 * Lent receive buffers. lwIP holds each as a custom pbuf of type PBUF_REF
 * naming the link's buffer in place (PBUF_REF: lwIP never grows such a pbuf
 * towards its front unless it restores a header it took off, so it stays
 * inside the buffer), and freeing the pbuf gives the buffer back. The
 * records live with the rest of the stack's state, so a restarted PD starts
 * with none lent (the link takes its buffers back itself).
 */
typedef struct {
    struct pbuf_custom pc; /* first: lwIP's free hands back &pc.pbuf */
    uint32_t buffer;
    bool lent;
} net_lent_t;

static net_lent_t net_lent[NET_STACK_MAX_LENT];

static void lent_free(struct pbuf *p)
{
    net_lent_t *r = (net_lent_t *)(void *)p;
    r->lent = false;
    net_link.rx_release(net_link.ctx, r->buffer);
}

void net_stack_input_lent(uint8_t *const piece[], const size_t piece_len[], const uint32_t buffer[], size_t n,
                          uint16_t flags, bool may_keep)
{
    size_t len = net_started ? frame_length(piece_len, n, flags) : 0;
    if (net_started && len == 0) {
        net_stats.rx_dropped_size++;
    }
    bool keep = may_keep && len > NET_STACK_COPY_MAX && net_link.rx_release != NULL;
    for (size_t i = 0; keep && i < n; i++) {
        keep = buffer[i] < NET_STACK_MAX_LENT && !net_lent[buffer[i]].lent && piece_len[i] > 0;
    }
    if (!keep) {
        /* Small (an ACK, ARP), not to be kept, dropped, or not lendable:
         * copied, if at all, and every buffer back at once. */
        if (len != 0) {
            copy_in((const uint8_t *const *)piece, piece_len, n, len, flags);
        }
        for (size_t i = 0; i < n && net_link.rx_release != NULL; i++) {
            net_link.rx_release(net_link.ctx, buffer[i]);
        }
        return;
    }
    struct pbuf *head = NULL;
    for (size_t i = 0; i < n; i++) {
        net_lent_t *r = &net_lent[buffer[i]];
        r->pc.custom_free_function = lent_free;
        r->buffer = buffer[i];
        r->lent = true;
        struct pbuf *q = pbuf_alloced_custom(PBUF_RAW, (u16_t)piece_len[i], PBUF_REF, &r->pc, piece[i],
                                             (u16_t)piece_len[i]);
        if (q == NULL) { /* cannot happen: each piece fills its pbuf exactly */
            for (size_t j = i; j < n; j++) {
                net_lent[buffer[j]].lent = false;
                net_link.rx_release(net_link.ctx, buffer[j]);
            }
            if (head != NULL) {
                pbuf_free(head);
            }
            return;
        }
        if (head == NULL) {
            head = q;
        } else {
            pbuf_cat(head, q);
        }
    }
    if (head != NULL) { /* n > 0, since len > 0 */
        receive(head, len, flags);
    }
}

void net_stack_poll(void)
{
    if (!net_started) {
        return;
    }
    sys_check_timeouts();
    if (net_output_deferred) {
        net_output_deferred = false;
        for (struct tcp_pcb *pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
            if (pcb->unsent != NULL) {
                tcp_output(pcb);
            }
        }
    }
}

uint32_t net_stack_next_timeout_ms(void)
{
    if (!net_started) {
        return UINT32_MAX;
    }
    u32_t ms = sys_timeouts_sleeptime();
    return ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? UINT32_MAX : ms;
}

uint32_t net_stack_ip(void)
{
    if (!net_started) {
        return 0;
    }
    return lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(&net_if)));
}

bool net_stack_is_up(void)
{
    return net_started && net_stack_ip() != 0;
}

const net_config_t *net_stack_config(void)
{
    return &net_cfg;
}

net_stack_stats_t net_stack_stats(void)
{
    return net_stats;
}

void net_stack_on_address(void (*cb)(uint32_t ip, void *arg), void *arg)
{
    net_address_cb = cb;
    net_address_arg = arg;
}

/* ---------------------------------------------------------------- ping -- */

static struct raw_pcb *net_ping_pcb;
static uint32_t net_ping_replies;
static uint16_t net_ping_seq;
#define NET_PING_ID 0x5B57

static u8_t on_ping_reply(void *arg, struct raw_pcb *pcb, struct pbuf *p, const ip_addr_t *addr)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    /* The raw pcb sees every ICMP packet with its IP header; take only our
     * echo replies and let lwIP handle the rest. */
    struct icmp_echo_hdr hdr;
    if (p->tot_len >= IP_HLEN + sizeof hdr &&
        pbuf_copy_partial(p, &hdr, sizeof hdr, IP_HLEN) == sizeof hdr &&
        hdr.type == ICMP_ER && hdr.id == PP_HTONS(NET_PING_ID)) {
        net_ping_replies++;
        pbuf_free(p);
        return 1;
    }
    return 0;
}

bool net_stack_ping(uint32_t ip)
{
    if (!net_started) {
        return false;
    }
    if (net_ping_pcb == NULL) {
        net_ping_pcb = raw_new(IP_PROTO_ICMP);
        if (net_ping_pcb == NULL) {
            return false;
        }
        raw_recv(net_ping_pcb, on_ping_reply, NULL);
        raw_bind(net_ping_pcb, IP4_ADDR_ANY);
    }
    struct pbuf *p = pbuf_alloc(PBUF_IP, sizeof(struct icmp_echo_hdr) + 32, PBUF_RAM);
    if (p == NULL) {
        return false;
    }
    struct icmp_echo_hdr *hdr = p->payload;
    ICMPH_TYPE_SET(hdr, ICMP_ECHO);
    ICMPH_CODE_SET(hdr, 0);
    hdr->id = PP_HTONS(NET_PING_ID);
    hdr->seqno = lwip_htons(++net_ping_seq);
    hdr->chksum = 0;
    uint8_t *data = (uint8_t *)p->payload + sizeof *hdr;
    for (int i = 0; i < 32; i++) {
        data[i] = (uint8_t)i;
    }
    hdr->chksum = inet_chksum(hdr, p->len);
    ip_addr_t to;
    ip_addr_set_ip4_u32(&to, lwip_htonl(ip));
    err_t err = raw_sendto(net_ping_pcb, p, &to);
    pbuf_free(p);
    return err == ERR_OK;
}

uint32_t net_stack_ping_replies(void)
{
    return net_ping_replies;
}
