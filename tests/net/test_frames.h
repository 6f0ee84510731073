/*
 * Frames for the network tests: big-endian fields, the Internet checksum,
 * and an Ethernet + IPv4 + UDP frame around a payload. Header-only; every
 * function is static, so each test takes what it uses.
 */
#ifndef SUBSTRATE_TESTS_NET_TEST_FRAMES_H
#define SUBSTRATE_TESTS_NET_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

static inline uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
    return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* The ones' complement of the ones' complement sum of `n` bytes at `p`,
 * starting from `sum` (a pseudo-header's, or 0). */
static inline uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (uint32_t)(p[i] << 8 | p[i + 1]);
    }
    if (n & 1) {
        sum += (uint32_t)p[n - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xFFFF) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

/* Ethernet + IPv4 + UDP (no UDP checksum: allowed over IPv4) around
 * `payload` into `f`; returns the frame's length. */
static inline size_t udp_frame(uint8_t *f, const uint8_t *dst_mac, const uint8_t *src_mac, uint32_t src_ip,
                               uint32_t dst_ip, uint16_t sport, uint16_t dport, const uint8_t *payload,
                               size_t n)
{
    memcpy(f, dst_mac, 6);
    memcpy(f + 6, src_mac, 6);
    put16(f + 12, 0x0800);
    uint8_t *ip = f + 14;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)(20 + 8 + n));
    ip[8] = 64;
    ip[9] = 17;
    put32(ip + 12, src_ip);
    put32(ip + 16, dst_ip);
    put16(ip + 10, csum(ip, 20, 0));
    uint8_t *udp = ip + 20;
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)(8 + n));
    put16(udp + 6, 0);
    memcpy(udp + 8, payload, n);
    return 14 + 20 + 8 + n;
}

#endif
