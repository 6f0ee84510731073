/*
 * The network stack's secrets: TCP initial sequence numbers (RFC 6528) and
 * the generator behind LWIP_RAND (ephemeral ports, DHCP transaction ids, DNS
 * ids and ports).
 *
 * A per-boot master secret (32 bytes) is gathered by net_random_init():
 * RDSEED, then RDRAND, when CPUID offers them; always several TSC samples
 * taken around calls to the caller's clock, the caller's extra bytes (MAC,
 * timer readings), and the per-image seed the build may fill in
 * (NET_IMAGE_SEED, net_random.c). docs/net.md says how strong that is.
 *
 * Two keys are derived from the master secret with SipHash-2-4 as a PRF:
 *   - the ISN key: ISN = (time in 4 us ticks) + SipHash(key, local ip,
 *     local port, remote ip, remote port), so a connection's ISN cannot be
 *     guessed from another connection's, yet one 4-tuple's ISNs still
 *     advance with time (old duplicates stay behind the window);
 *   - the generator key: output i is SipHash(key, counter i), and the key is
 *     replaced by two of its own outputs every NET_RANDOM_REKEY outputs, so
 *     a key read from memory later does not reveal earlier outputs.
 * Freestanding; runs on the host for the tests.
 */
#ifndef SUBSTRATE_NET_RANDOM_H
#define SUBSTRATE_NET_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_RANDOM_KEY_LEN 32
#define NET_RANDOM_REKEY 64

/* Which sources the last net_random_init() found (bit set). */
#define NET_RANDOM_SRC_RDSEED 1u
#define NET_RANDOM_SRC_RDRAND 2u
#define NET_RANDOM_SRC_TSC 4u
#define NET_RANDOM_SRC_IMAGE 8u

/* Gathers a fresh master secret. `clock` (may be NULL) is read between TSC
 * samples so that its jitter enters the pool; `extra` is mixed in as well.
 * Returns the NET_RANDOM_SRC_* bits of the sources used. */
unsigned net_random_init(uint64_t (*clock)(void *ctx), void *ctx, const void *extra, size_t len);

/* Mixes more bytes into the master secret and re-derives both keys. */
void net_random_mix(const void *data, size_t len);

/* Tests only: sets the master secret exactly, with no other source. */
void net_random_set_secret(const uint8_t secret[NET_RANDOM_KEY_LEN]);

/* The keys derived from the current secret (tests check the formulas). */
void net_random_isn_key(uint8_t key[16]);

/* 32 random bits. The first call without net_random_init() gathers a
 * secret from the processor alone. */
uint32_t net_random_u32(void);

/* RFC 6528: the ISN for a connection (addresses host order) at `now_ns`. */
uint32_t net_random_isn(uint32_t local_ip, uint16_t local_port, uint32_t remote_ip, uint16_t remote_port,
                        uint64_t now_ns);

#endif
