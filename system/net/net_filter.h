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
 *   - IPv4: the source address is the client's (with ip=dhcp, any address
 *     until the virtualiser learns the lease; 0.0.0.0 always for DHCP), and a
 *     first fragment of TCP or UDP comes from a granted local port
 *     (UDP 68 is implied for DHCP; a bare TCP reset may come from any port,
 *     as the stack's answer to a segment for a port it does not use);
 *   - any other EtherType (IPv6, VLAN tags, ...) is refused.
 */
#ifndef SUBSTRATE_NET_FILTER_H
#define SUBSTRATE_NET_FILTER_H

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

#endif
