/*
 * A client's network configuration, as its system description grants it.
 *
 * The description gives each client PD a small read-only text region (the
 * same text the network virtualiser may hold to enforce it), one setting per
 * word:
 *
 *     mac=52:54:00:12:34:57 ip=10.0.2.16/24 gw=10.0.2.2 dns=10.0.2.3
 *     tcp=7,8000-8010 udp=7
 *
 * or `ip=dhcp` for an address from a DHCP server. `queue=N` (a power of two,
 * 2..NET_CONFIG_MAX_QUEUE) is the ring capacity of the client's queues with
 * the virtualiser, which both ends read from this one text so that they
 * agree (without it each uses its built-in capacity). `tcp=` and `udp=` list the
 * local ports the client may bind or connect from (single ports or ranges,
 * comma separated, at most NET_CONFIG_MAX_RANGES each); without them a client
 * may use none. Unknown keys and malformed values are errors: a configuration
 * is used whole or not at all.
 */
#ifndef SUBSTRATE_NET_CONFIG_H
#define SUBSTRATE_NET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_CONFIG_MAX_RANGES 8
#define NET_CONFIG_MAX_TEXT 1024
#define NET_CONFIG_MAX_QUEUE 4096

typedef struct {
    uint16_t first, last; /* inclusive, host byte order */
} net_port_range_t;

typedef struct {
    net_port_range_t range[NET_CONFIG_MAX_RANGES];
    size_t count;
} net_port_set_t;

typedef struct {
    uint8_t mac[6];
    bool has_mac;
    bool dhcp;              /* address from DHCP; ip/netmask/gateway unused */
    uint32_t ip;            /* IPv4 addresses in host byte order */
    uint32_t netmask;
    uint32_t gateway;
    uint32_t dns[2];
    size_t dns_count;
    net_port_set_t tcp_ports;
    net_port_set_t udp_ports;
    uint32_t queue_capacity;  /* queue=: ring capacity of both queues, 0 if not given */
} net_config_t;

typedef enum {
    NET_CONFIG_OK = 0,
    NET_CONFIG_TOO_LONG,    /* text longer than NET_CONFIG_MAX_TEXT */
    NET_CONFIG_UNKNOWN_KEY,
    NET_CONFIG_BAD_VALUE,
    NET_CONFIG_MISSING,     /* no mac, or neither ip=dhcp nor a static ip */
} net_config_err_t;

/* Parses `len` bytes of text (a NUL ends it early). On error *out is left
 * untouched and *err_at (if not NULL) gets the offset of the offending word. */
net_config_err_t net_config_parse(const char *text, size_t len, net_config_t *out, size_t *err_at);

/* Whether a port is in a set. Port 0 is never allowed. */
bool net_port_set_contains(const net_port_set_t *set, uint16_t port);

const char *net_config_strerror(net_config_err_t err);

#endif
