/*
 * A bounded reader over a byte range: LEB128 integers, fixed-width
 * little-endian values and single bytes. Every read checks the bytes left;
 * the first failure records why, and the caller unwinds.
 */
#ifndef SUBSTRATE_LIB_WASM_WASM_READER_H
#define SUBSTRATE_LIB_WASM_WASM_READER_H

#include "lib/wasm/wasm_impl.h"

typedef struct {
    const uint8_t *p, *end;
    wasm_result_t result;
    const char *error;
} wasm_reader_t;

static inline bool rd_fail(wasm_reader_t *r, wasm_result_t result, const char *error)
{
    if (r->result == WASM_OK) {
        r->result = result;
        r->error = error;
    }
    return false;
}

static inline bool rd_byte(wasm_reader_t *r, uint8_t *b)
{
    *b = 0;
    if (r->p >= r->end)
        return rd_fail(r, WASM_ERR_MALFORMED, "unexpected end");
    *b = *r->p++;
    return true;
}

/* Unsigned LEB128 of at most `bits` bits. */
static inline bool rd_uleb(wasm_reader_t *r, unsigned bits, uint64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    *out = 0;
    for (;;) {
        uint8_t b;
        if (shift >= bits || !rd_byte(r, &b))
            return shift >= bits ? rd_fail(r, WASM_ERR_MALFORMED, "integer representation too long") : false;
        if (shift + 7 >= bits) {
            /* The last byte allowed: no continuation, no bits beyond `bits`. */
            unsigned room = bits - shift;
            if ((b & 0x80) || (room < 7 && (b >> room) != 0))
                return rd_fail(r, WASM_ERR_MALFORMED, (b & 0x80) ? "integer representation too long"
                                                                  : "integer too large");
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    *out = v;
    return true;
}

static inline bool rd_sleb(wasm_reader_t *r, unsigned bits, int64_t *out)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0;
    *out = 0;
    for (;;) {
        if (shift >= bits || !rd_byte(r, &b))
            return shift >= bits ? rd_fail(r, WASM_ERR_MALFORMED, "integer representation too long") : false;
        if (shift + 7 >= bits) {
            /* Last byte: the unused high bits must all equal the sign bit. */
            unsigned room = bits - shift; /* 1..7 value bits in this byte */
            if (b & 0x80)
                return rd_fail(r, WASM_ERR_MALFORMED, "integer representation too long");
            if (room < 7) {
                int8_t sb = (int8_t)(b << 1) >> 1; /* sign-extend 7 bits */
                int8_t top = (int8_t)(sb >> (room - 1));
                if (top != 0 && top != -1)
                    return rd_fail(r, WASM_ERR_MALFORMED, "integer too large");
            }
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~(uint64_t)0 << shift;
    *out = (int64_t)v;
    return true;
}

static inline bool rd_u32(wasm_reader_t *r, uint32_t *out)
{
    uint64_t v = 0;
    *out = 0;
    if (!rd_uleb(r, 32, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

static inline bool rd_s32(wasm_reader_t *r, int32_t *out)
{
    int64_t v = 0;
    *out = 0;
    if (!rd_sleb(r, 32, &v))
        return false;
    *out = (int32_t)v;
    return true;
}

static inline bool rd_s64(wasm_reader_t *r, int64_t *out) { return rd_sleb(r, 64, out); }

static inline bool rd_fixed32(wasm_reader_t *r, uint32_t *out)
{
    *out = 0;
    if (r->end - r->p < 4)
        return rd_fail(r, WASM_ERR_MALFORMED, "unexpected end");
    *out = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
    r->p += 4;
    return true;
}

static inline bool rd_fixed64(wasm_reader_t *r, uint64_t *out)
{
    uint32_t lo = 0, hi = 0;
    *out = 0;
    if (!rd_fixed32(r, &lo) || !rd_fixed32(r, &hi))
        return false;
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

bool wasm_read_valtype(wasm_reader_t *r, uint8_t *t);

#endif
