/*
 * ddf/net_csum.h: the Internet checksum (RFC 1071) over a frame held in
 * several pieces, for servers that complete a NET_DESC_CSUM_PARTIAL frame in
 * software (ddf/net.h) when their device cannot.
 *
 * Freestanding, like the rest of ddf/.
 */
#ifndef SUBSTRATE_DDF_NET_CSUM_H
#define SUBSTRATE_DDF_NET_CSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A running sum of big-endian 16-bit words. `odd` says the bytes added so far
 * are odd in number, so the next byte is the low half of a word: pieces may
 * end anywhere. */
typedef struct {
    uint64_t sum;
    bool odd;
} net_csum_t;

static inline void net_csum_add(net_csum_t *c, const uint8_t *p, size_t len)
{
    size_t i = 0;
    if (c->odd && len > 0) {
        c->sum += p[0];
        c->odd = false;
        i = 1;
    }
    for (; i + 1 < len; i += 2) {
        c->sum += (uint32_t)p[i] << 8 | p[i + 1];
    }
    if (i < len) {
        c->sum += (uint32_t)p[i] << 8;
        c->odd = true;
    }
}

static inline uint16_t net_csum_fold(uint64_t sum)
{
    while (sum >> 16) {
        sum = (sum & 0xFFFFu) + (sum >> 16);
    }
    return (uint16_t)sum;
}

typedef struct {
    uint8_t *bytes;
    size_t len;
} net_piece_t;

/*
 * Completes a CSUM_PARTIAL frame held in pieces p[0..n-1]: sums from
 * csum_start to the end (the field holds the pseudo-header sum, so it is
 * summed in) and stores the complement there, big-endian. A result of zero
 * is sent as 0xFFFF (the same value in ones' complement; for UDP, zero would
 * mean "no checksum"). Returns false, changing nothing, when the field is not
 * inside the first piece.
 */
static inline bool net_csum_complete(const net_piece_t *p, size_t n, size_t csum_start, size_t csum_offset)
{
    size_t field = csum_start + csum_offset;
    if (n == 0 || field + 2 > p[0].len) {
        return false;
    }
    net_csum_t c = {0, false};
    net_csum_add(&c, p[0].bytes + csum_start, p[0].len - csum_start);
    for (size_t i = 1; i < n; i++) {
        net_csum_add(&c, p[i].bytes, p[i].len);
    }
    uint16_t sum = (uint16_t)~net_csum_fold(c.sum);
    if (sum == 0) {
        sum = 0xFFFFu;
    }
    p[0].bytes[field] = (uint8_t)(sum >> 8);
    p[0].bytes[field + 1] = (uint8_t)sum;
    return true;
}

#endif
