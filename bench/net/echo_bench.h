/*
 * The echo PD's benchmark ports (bench/net), the same as
 * bench/net/linux_echo's: TCP discard (port 9, RFC 863: reads and drops,
 * closes at the peer's end) for host -> guest throughput, and TCP source
 * (port 19: sends a fixed pattern until the peer closes, like chargen,
 * RFC 864) for guest -> host throughput. Built into the echo PD only with
 * ECHO_BENCH_PORTS (service/echo/echo_pd.c); a plain library on
 * system/net/sock.h, so it also runs in host tests.
 */
#ifndef SUBSTRATE_BENCH_NET_ECHO_BENCH_H
#define SUBSTRATE_BENCH_NET_ECHO_BENCH_H

#include "system/net/sock.h"

#define ECHO_BENCH_DISCARD_PORT 9
#define ECHO_BENCH_SOURCE_PORT 19

/* Listens on both ports; both must be granted. */
net_sock_err_t echo_bench_start(void);

#endif
