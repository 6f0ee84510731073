/*
 * SipHash-2-4 (Aumasson and Bernstein), 64-bit output: a keyed
 * pseudorandom function for short inputs. Used for TCP initial sequence
 * numbers (RFC 6528) and as the core of the stack's random generator
 * (net_random.h). Freestanding; host-tested against the reference vectors.
 */
#ifndef SUBSTRATE_NET_SIPHASH_H
#define SUBSTRATE_NET_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

#define SIPHASH_KEY_LEN 16

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len);

#endif
