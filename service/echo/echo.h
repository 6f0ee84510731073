/*
 * The echo service (RFC 862) on the event socket API: TCP and UDP, one port.
 *
 * A plain library on system/net/sock.h, so the same code runs in the echo
 * PD (echo_pd.c) and in the host tests. TCP echo honours flow control: it
 * reads only as much as it can send, so a client that does not read its
 * echoes only stalls its own connection.
 */
#ifndef SUBSTRATE_SERVICE_ECHO_H
#define SUBSTRATE_SERVICE_ECHO_H

#include <stddef.h>
#include <stdint.h>

#include "system/net/sock.h"

typedef struct {
    uint64_t tcp_accepted, tcp_closed, tcp_bytes;
    uint64_t udp_datagrams, udp_bytes;
} echo_stats_t;

/* Listens on `port` for TCP and binds it for UDP. */
net_sock_err_t echo_start(uint16_t port);
echo_stats_t echo_stats(void);

#endif
