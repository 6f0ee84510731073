/*
 * ddf/net_frame.h: where an Ethernet frame's IPv4 and TCP headers end, read
 * one way by every party that looks inside frames: the virtio-net driver and
 * the virtualiser, checking the offload metadata that comes with a frame, and
 * a client's stack, writing its own.
 *
 * Each caller reads a private copy (a value in shared memory is copied once,
 * then checked), and each answer covers only the first `len` bytes it is
 * given: 0 unless every header byte it counts lies there. Freestanding, like
 * the rest of ddf/.
 */
#ifndef SUBSTRATE_DDF_NET_FRAME_H
#define SUBSTRATE_DDF_NET_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "ddf/net.h"

#define NET_ETH_TYPE_IPV4 0x0800u
#define NET_IP_PROTO_TCP 6u
#define NET_IP_PROTO_UDP 17u
#define NET_IPV4_MIN_HEADER 20u
#define NET_TCP_MIN_HEADER 20u
#define NET_TCP_CSUM_OFFSET 16u
/* Ethernet, then IPv4 and TCP with the most options each allows. */
#define NET_FRAME_MAX_HEADERS (NET_ETH_HDR_LEN + 60u + 60u)

/* The IPv4 header's length in an IPv4 frame, else 0. */
static inline size_t net_frame_ipv4_header_len(const uint8_t *f, size_t len)
{
    if (len < NET_ETH_HDR_LEN + NET_IPV4_MIN_HEADER || (uint32_t)(f[12] << 8 | f[13]) != NET_ETH_TYPE_IPV4 ||
        (f[NET_ETH_HDR_LEN] >> 4) != 4) {
        return 0;
    }
    size_t ihl = (size_t)(f[NET_ETH_HDR_LEN] & 0x0Fu) * 4;
    return ihl >= NET_IPV4_MIN_HEADER && NET_ETH_HDR_LEN + ihl <= len ? ihl : 0;
}

/* The bytes of the Ethernet, IPv4 and TCP headers of a TCP/IPv4 frame, where
 * its data starts; else 0. */
static inline size_t net_frame_tcp_headers_len(const uint8_t *f, size_t len)
{
    size_t ihl = net_frame_ipv4_header_len(f, len);
    if (ihl == 0 || f[NET_ETH_HDR_LEN + 9] != NET_IP_PROTO_TCP ||
        NET_ETH_HDR_LEN + ihl + NET_TCP_MIN_HEADER > len) {
        return 0;
    }
    size_t doff = (size_t)(f[NET_ETH_HDR_LEN + ihl + 12] >> 4) * 4;
    size_t end = NET_ETH_HDR_LEN + ihl + doff;
    return doff >= NET_TCP_MIN_HEADER && end <= len ? end : 0;
}

#endif
