/*
 * What a client may put on the wire: a check for the network virtualiser's
 * transmit path.
 *
 * A client PD runs its own lwIP, so it can write any bytes into a transmit
 * buffer. Its grants are enforced outside it, where the frame is copied: the
 * virtualiser calls net_filter_tx() on its private copy of each frame and
 * drops what fails. A frame passes only if
 *   - its source MAC is the client's;
 *   - ARP: the sender MAC is the client's and the sender IP its address
 *     (0.0.0.0 allowed for address probes);
 *   - IPv4: the source address is the client's, and a first fragment of TCP
 *     or UDP comes from a granted local port (a bare TCP reset may come from
 *     any port, as the stack's answer to a segment for a port it does not
 *     use); 0.0.0.0 only for DHCP (UDP 68 to 67);
 *   - ip=dhcp: the client's address is the lease the virtualiser learned by
 *     snooping the DHCPACK it delivered (net_dhcp_snoop_rx below, which
 *     writes it into the grant's `ip`). Until then (ip 0) only DHCP from
 *     0.0.0.0 (UDP 68 to 67) and ARP probes (sender 0.0.0.0) pass; after it,
 *     the lease is enforced like a static address, UDP 68 to 67 included;
 *   - any other EtherType (IPv6, VLAN tags, ...) is refused.
 */
#ifndef SUBSTRATE_NET_FILTER_H
#define SUBSTRATE_NET_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "system/net/net_config.h"

typedef enum {
    NET_FILTER_PASS = 0,
    NET_FILTER_SHORT,       /* truncated header */
    NET_FILTER_SRC_MAC,
    NET_FILTER_ETHERTYPE,
    NET_FILTER_ARP_SPOOF,
    NET_FILTER_IP_HEADER,   /* malformed IPv4 header */
    NET_FILTER_SRC_IP,
    NET_FILTER_PORT,
} net_filter_verdict_t;

net_filter_verdict_t net_filter_tx(const net_config_t *grant, const uint8_t *frame, size_t len);

const char *net_filter_reason(net_filter_verdict_t v);

/*
 * DHCP lease snooping, for a client with ip=dhcp. The virtualiser calls
 * net_dhcp_snoop_tx() on its private copy of each frame the client sent and
 * passed the filter, which remembers the transaction id of the client's
 * latest DHCP message, and net_dhcp_snoop_rx() on a private copy of each
 * frame it delivers to the client. A DHCPACK (RFC 2131: BOOTREPLY from UDP 67
 * to 68, Ethernet hardware type, chaddr the client's MAC, the magic cookie,
 * option 53 = 5, a unicast yiaddr) for that transaction id sets grant->ip to
 * yiaddr and lease_seconds to its option 51 (the lease time; NET_DHCP_FOREVER
 * when the ACK has none or says "infinite"); a DHCPNAK for it sets grant->ip
 * back to 0 (DHCP only). Everything is read from the caller's copy, every
 * offset and option length checked. When the lease runs out is the caller's
 * to track: the filter has no clock.
 */
#define NET_DHCP_FOREVER UINT32_MAX

typedef struct {
    uint32_t xid;           /* the client's latest DHCP transaction id */
    bool xid_valid;
    uint32_t lease_seconds; /* of the latest ACK */
    uint64_t leases, naks;  /* learned, withdrawn */
} net_dhcp_snoop_t;

typedef enum {
    NET_DHCP_NONE = 0,      /* not a DHCP reply for this client and transaction */
    NET_DHCP_ACK,
    NET_DHCP_NAK,
} net_dhcp_event_t;

void net_dhcp_snoop_tx(net_dhcp_snoop_t *s, const net_config_t *grant, const uint8_t *frame, size_t len);
net_dhcp_event_t net_dhcp_snoop_rx(net_dhcp_snoop_t *s, net_config_t *grant, const uint8_t *frame, size_t len);

#endif
