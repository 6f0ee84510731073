/*
 * wasm_simd: the lane arithmetic of every v128 instruction (see
 * wasm_simd.h for the slot model and the instruction layout).
 *
 * Each instruction reads its v128 operands out of the frame (low half in
 * the slot, high half in the parallel high stack) into a union of lane
 * arrays, computes the result lane by lane in plain C, and writes it back.
 * Integer lanes use unsigned arithmetic wherever WebAssembly wraps, so no
 * operation has undefined behaviour; float lanes use the scalar helpers of
 * wasm_float.h so NaN, -0 and rounding follow the specification.
 *
 * Memory accesses check address + offset + size against the memory size
 * in 64-bit arithmetic before touching memory, as the scalar loads do.
 * The compiler has validated every slot, lane index and global index.
 */
#include <string.h>

#include "lib/wasm/wasm_float.h"
#include "lib/wasm/wasm_simd.h"

typedef union {
    uint8_t u8[16];
    int8_t i8[16];
    uint16_t u16[8];
    int16_t i16[8];
    uint32_t u32[4];
    int32_t i32[4];
    uint64_t u64[2];
    int64_t i64[2];
    float f32[4];
    double f64[2];
} v128_t;

/* An 8-bit lane's value as a signed integer. */
static inline int32_t sext8(uint8_t v) { return (int32_t)(v ^ 0x80u) - 0x80; }

static inline int32_t sat_s(int32_t v, int32_t lo, int32_t hi) { return v < lo ? lo : v > hi ? hi : v; }

static inline float f32_pmin(float a, float b) { return b < a ? b : a; }
static inline float f32_pmax(float a, float b) { return a < b ? b : a; }
static inline double f64_pmin(double a, double b) { return b < a ? b : a; }
static inline double f64_pmax(double a, double b) { return a < b ? b : a; }

static inline int32_t trunc_sat_f32_s(float a)
{
    if (a != a)
        return 0;
    if (!(a > -2147483904.0f))
        return INT32_MIN;
    if (!(a < 2147483648.0f))
        return INT32_MAX;
    return (int32_t)a;
}

static inline uint32_t trunc_sat_f32_u(float a)
{
    if (a != a || !(a > -1.0f))
        return 0;
    if (!(a < 4294967296.0f))
        return UINT32_MAX;
    return (uint32_t)a;
}

static inline int32_t trunc_sat_f64_s(double a)
{
    if (a != a)
        return 0;
    if (!(a > -2147483649.0))
        return INT32_MIN;
    if (!(a < 2147483648.0))
        return INT32_MAX;
    return (int32_t)a;
}

static inline uint32_t trunc_sat_f64_u(double a)
{
    if (a != a || !(a > -1.0))
        return 0;
    if (!(a < 4294967296.0))
        return UINT32_MAX;
    return (uint32_t)a;
}

static inline uint8_t popcnt8(uint8_t x)
{
    uint8_t n = 0;
    for (; x; x &= (uint8_t)(x - 1))
        n++;
    return n;
}

/* Lane-wise loops over r = f(a, b). */
#define LANES(n, stmt)                                                                             \
    do {                                                                                           \
        for (int i = 0; i < (n); i++) {                                                            \
            stmt;                                                                                  \
        }                                                                                          \
    } while (0)
#define CMP(n, field, ufield, op) LANES(n, r.ufield[i] = 0 - (uint64_t)(a.field[i] op b.field[i]))

/* Integer comparisons for one lane width: eq ne lt_s lt_u gt_s gt_u le_s le_u ge_s ge_u. */
static bool int_compare(unsigned k, int w, const v128_t *pa, const v128_t *pb, v128_t *pr)
{
    v128_t a = *pa, b = *pb, r;
    switch (w) {
    case 8:
        switch (k) {
        case 0: CMP(16, u8, u8, ==); break;
        case 1: CMP(16, u8, u8, !=); break;
        case 2: CMP(16, i8, u8, <); break;
        case 3: CMP(16, u8, u8, <); break;
        case 4: CMP(16, i8, u8, >); break;
        case 5: CMP(16, u8, u8, >); break;
        case 6: CMP(16, i8, u8, <=); break;
        case 7: CMP(16, u8, u8, <=); break;
        case 8: CMP(16, i8, u8, >=); break;
        default: CMP(16, u8, u8, >=); break;
        }
        break;
    case 16:
        switch (k) {
        case 0: CMP(8, u16, u16, ==); break;
        case 1: CMP(8, u16, u16, !=); break;
        case 2: CMP(8, i16, u16, <); break;
        case 3: CMP(8, u16, u16, <); break;
        case 4: CMP(8, i16, u16, >); break;
        case 5: CMP(8, u16, u16, >); break;
        case 6: CMP(8, i16, u16, <=); break;
        case 7: CMP(8, u16, u16, <=); break;
        case 8: CMP(8, i16, u16, >=); break;
        default: CMP(8, u16, u16, >=); break;
        }
        break;
    default:
        switch (k) {
        case 0: CMP(4, u32, u32, ==); break;
        case 1: CMP(4, u32, u32, !=); break;
        case 2: CMP(4, i32, u32, <); break;
        case 3: CMP(4, u32, u32, <); break;
        case 4: CMP(4, i32, u32, >); break;
        case 5: CMP(4, u32, u32, >); break;
        case 6: CMP(4, i32, u32, <=); break;
        case 7: CMP(4, u32, u32, <=); break;
        case 8: CMP(4, i32, u32, >=); break;
        default: CMP(4, u32, u32, >=); break;
        }
        break;
    }
    *pr = r;
    return true;
}

/* The pure lane operations: v128 (and scalar) operands in, one result out. False if sub is not one. */
static bool lane_op(uint32_t sub, const v128_t *pa, const v128_t *pb, const v128_t *pc, uint64_t s, v128_t *out)
{
    v128_t a = *pa, b = *pb, c = *pc, r;
    memset(&r, 0, sizeof r);
    if (sub >= 0x23 && sub <= 0x40) {
        unsigned k = (sub - 0x23) % 10;
        int w = sub <= 0x2c ? 8 : sub <= 0x36 ? 16 : 32;
        return int_compare(k, w, pa, pb, out);
    }
    switch (sub) {
    /* splat: the scalar operand s */
    case 0x0f: LANES(16, r.u8[i] = (uint8_t)s); break;
    case 0x10: LANES(8, r.u16[i] = (uint16_t)s); break;
    case 0x11: LANES(4, r.u32[i] = (uint32_t)s); break;
    case 0x12: LANES(2, r.u64[i] = s); break;
    case 0x13: LANES(4, r.u32[i] = (uint32_t)s); break;
    case 0x14: LANES(2, r.u64[i] = s); break;
    case 0x0e: LANES(16, r.u8[i] = b.u8[i] < 16 ? a.u8[b.u8[i]] : 0); break;
    /* float comparisons */
    case 0x41: CMP(4, f32, u32, ==); break;
    case 0x42: CMP(4, f32, u32, !=); break;
    case 0x43: CMP(4, f32, u32, <); break;
    case 0x44: CMP(4, f32, u32, >); break;
    case 0x45: CMP(4, f32, u32, <=); break;
    case 0x46: CMP(4, f32, u32, >=); break;
    case 0x47: CMP(2, f64, u64, ==); break;
    case 0x48: CMP(2, f64, u64, !=); break;
    case 0x49: CMP(2, f64, u64, <); break;
    case 0x4a: CMP(2, f64, u64, >); break;
    case 0x4b: CMP(2, f64, u64, <=); break;
    case 0x4c: CMP(2, f64, u64, >=); break;
    /* bitwise */
    case 0x4d: LANES(2, r.u64[i] = ~a.u64[i]); break;
    case 0x4e: LANES(2, r.u64[i] = a.u64[i] & b.u64[i]); break;
    case 0x4f: LANES(2, r.u64[i] = a.u64[i] & ~b.u64[i]); break;
    case 0x50: LANES(2, r.u64[i] = a.u64[i] | b.u64[i]); break;
    case 0x51: LANES(2, r.u64[i] = a.u64[i] ^ b.u64[i]); break;
    case 0x52: LANES(2, r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i])); break;
    case 0x53: r.u64[0] = (a.u64[0] | a.u64[1]) != 0; break;
    /* float <-> float */
    case 0x5e: LANES(2, r.f32[i] = (float)a.f64[i]); break;
    case 0x5f: LANES(2, r.f64[i] = (double)a.f32[i]); break;
    /* i8x16 */
    case 0x60: LANES(16, r.u8[i] = a.i8[i] < 0 ? (uint8_t)(0u - a.u8[i]) : a.u8[i]); break;
    case 0x61: LANES(16, r.u8[i] = (uint8_t)(0u - a.u8[i])); break;
    case 0x62: LANES(16, r.u8[i] = popcnt8(a.u8[i])); break;
    case 0x63: r.u64[0] = 1; LANES(16, if (!a.u8[i]) r.u64[0] = 0); break;
    case 0x64: LANES(16, r.u64[0] |= (uint64_t)(a.u8[i] >> 7) << i); break;
    case 0x65:
        LANES(8, r.i8[i] = (int8_t)sat_s(a.i16[i], -128, 127));
        LANES(8, r.i8[i + 8] = (int8_t)sat_s(b.i16[i], -128, 127));
        break;
    case 0x66:
        LANES(8, r.u8[i] = (uint8_t)sat_s(a.i16[i], 0, 255));
        LANES(8, r.u8[i + 8] = (uint8_t)sat_s(b.i16[i], 0, 255));
        break;
    case 0x67: LANES(4, r.f32[i] = wf32_ceil(a.f32[i])); break;
    case 0x68: LANES(4, r.f32[i] = wf32_floor(a.f32[i])); break;
    case 0x69: LANES(4, r.f32[i] = wf32_trunc(a.f32[i])); break;
    case 0x6a: LANES(4, r.f32[i] = wf32_nearest(a.f32[i])); break;
    case 0x6b: LANES(16, r.u8[i] = (uint8_t)(a.u8[i] << (s & 7))); break;
    case 0x6c: LANES(16, r.i8[i] = (int8_t)(a.i8[i] >> (s & 7))); break;
    case 0x6d: LANES(16, r.u8[i] = (uint8_t)(a.u8[i] >> (s & 7))); break;
    case 0x6e: LANES(16, r.u8[i] = (uint8_t)(a.u8[i] + b.u8[i])); break;
    case 0x6f: LANES(16, r.i8[i] = (int8_t)sat_s(a.i8[i] + b.i8[i], -128, 127)); break;
    case 0x70: LANES(16, r.u8[i] = (uint8_t)sat_s(a.u8[i] + b.u8[i], 0, 255)); break;
    case 0x71: LANES(16, r.u8[i] = (uint8_t)(a.u8[i] - b.u8[i])); break;
    case 0x72: LANES(16, r.i8[i] = (int8_t)sat_s(a.i8[i] - b.i8[i], -128, 127)); break;
    case 0x73: LANES(16, r.u8[i] = (uint8_t)sat_s(a.u8[i] - b.u8[i], 0, 255)); break;
    case 0x74: LANES(2, r.f64[i] = wf64_ceil(a.f64[i])); break;
    case 0x75: LANES(2, r.f64[i] = wf64_floor(a.f64[i])); break;
    case 0x76: LANES(16, r.i8[i] = a.i8[i] < b.i8[i] ? a.i8[i] : b.i8[i]); break;
    case 0x77: LANES(16, r.u8[i] = a.u8[i] < b.u8[i] ? a.u8[i] : b.u8[i]); break;
    case 0x78: LANES(16, r.i8[i] = a.i8[i] > b.i8[i] ? a.i8[i] : b.i8[i]); break;
    case 0x79: LANES(16, r.u8[i] = a.u8[i] > b.u8[i] ? a.u8[i] : b.u8[i]); break;
    case 0x7a: LANES(2, r.f64[i] = wf64_trunc(a.f64[i])); break;
    case 0x7b: LANES(16, r.u8[i] = (uint8_t)((a.u8[i] + b.u8[i] + 1u) >> 1)); break;
    case 0x7c: LANES(8, r.i16[i] = (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1])); break;
    case 0x7d: LANES(8, r.u16[i] = (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1])); break;
    case 0x7e: LANES(4, r.i32[i] = a.i16[2 * i] + a.i16[2 * i + 1]); break;
    case 0x7f: LANES(4, r.u32[i] = (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1]); break;
    /* i16x8 */
    case 0x80: LANES(8, r.u16[i] = a.i16[i] < 0 ? (uint16_t)(0u - a.u16[i]) : a.u16[i]); break;
    case 0x81: LANES(8, r.u16[i] = (uint16_t)(0u - a.u16[i])); break;
    case 0x82: LANES(8, r.i16[i] = (int16_t)sat_s((a.i16[i] * b.i16[i] + 0x4000) >> 15, -32768, 32767)); break;
    case 0x83: r.u64[0] = 1; LANES(8, if (!a.u16[i]) r.u64[0] = 0); break;
    case 0x84: LANES(8, r.u64[0] |= (uint64_t)(a.u16[i] >> 15) << i); break;
    case 0x85:
        LANES(4, r.i16[i] = (int16_t)sat_s(a.i32[i], -32768, 32767));
        LANES(4, r.i16[i + 4] = (int16_t)sat_s(b.i32[i], -32768, 32767));
        break;
    case 0x86:
        LANES(4, r.u16[i] = (uint16_t)sat_s(a.i32[i], 0, 65535));
        LANES(4, r.u16[i + 4] = (uint16_t)sat_s(b.i32[i], 0, 65535));
        break;
    case 0x87: LANES(8, r.i16[i] = (int16_t)sext8(a.u8[i])); break;
    case 0x88: LANES(8, r.i16[i] = (int16_t)sext8(a.u8[i + 8])); break;
    case 0x89: LANES(8, r.u16[i] = a.u8[i]); break;
    case 0x8a: LANES(8, r.u16[i] = a.u8[i + 8]); break;
    case 0x8b: LANES(8, r.u16[i] = (uint16_t)(a.u16[i] << (s & 15))); break;
    case 0x8c: LANES(8, r.i16[i] = (int16_t)(a.i16[i] >> (s & 15))); break;
    case 0x8d: LANES(8, r.u16[i] = (uint16_t)(a.u16[i] >> (s & 15))); break;
    case 0x8e: LANES(8, r.u16[i] = (uint16_t)(a.u16[i] + b.u16[i])); break;
    case 0x8f: LANES(8, r.i16[i] = (int16_t)sat_s(a.i16[i] + b.i16[i], -32768, 32767)); break;
    case 0x90: LANES(8, r.u16[i] = (uint16_t)sat_s(a.u16[i] + b.u16[i], 0, 65535)); break;
    case 0x91: LANES(8, r.u16[i] = (uint16_t)(a.u16[i] - b.u16[i])); break;
    case 0x92: LANES(8, r.i16[i] = (int16_t)sat_s(a.i16[i] - b.i16[i], -32768, 32767)); break;
    case 0x93: LANES(8, r.u16[i] = (uint16_t)sat_s(a.u16[i] - b.u16[i], 0, 65535)); break;
    case 0x94: LANES(2, r.f64[i] = wf64_nearest(a.f64[i])); break;
    case 0x95: LANES(8, r.u16[i] = (uint16_t)((uint32_t)a.u16[i] * b.u16[i])); break;
    case 0x96: LANES(8, r.i16[i] = a.i16[i] < b.i16[i] ? a.i16[i] : b.i16[i]); break;
    case 0x97: LANES(8, r.u16[i] = a.u16[i] < b.u16[i] ? a.u16[i] : b.u16[i]); break;
    case 0x98: LANES(8, r.i16[i] = a.i16[i] > b.i16[i] ? a.i16[i] : b.i16[i]); break;
    case 0x99: LANES(8, r.u16[i] = a.u16[i] > b.u16[i] ? a.u16[i] : b.u16[i]); break;
    case 0x9b: LANES(8, r.u16[i] = (uint16_t)((a.u16[i] + b.u16[i] + 1u) >> 1)); break;
    case 0x9c: LANES(8, r.i16[i] = (int16_t)(a.i8[i] * b.i8[i])); break;
    case 0x9d: LANES(8, r.i16[i] = (int16_t)(a.i8[i + 8] * b.i8[i + 8])); break;
    case 0x9e: LANES(8, r.u16[i] = (uint16_t)(a.u8[i] * b.u8[i])); break;
    case 0x9f: LANES(8, r.u16[i] = (uint16_t)(a.u8[i + 8] * b.u8[i + 8])); break;
    /* i32x4 */
    case 0xa0: LANES(4, r.u32[i] = a.i32[i] < 0 ? 0u - a.u32[i] : a.u32[i]); break;
    case 0xa1: LANES(4, r.u32[i] = 0u - a.u32[i]); break;
    case 0xa3: r.u64[0] = 1; LANES(4, if (!a.u32[i]) r.u64[0] = 0); break;
    case 0xa4: LANES(4, r.u64[0] |= (uint64_t)(a.u32[i] >> 31) << i); break;
    case 0xa7: LANES(4, r.i32[i] = a.i16[i]); break;
    case 0xa8: LANES(4, r.i32[i] = a.i16[i + 4]); break;
    case 0xa9: LANES(4, r.u32[i] = a.u16[i]); break;
    case 0xaa: LANES(4, r.u32[i] = a.u16[i + 4]); break;
    case 0xab: LANES(4, r.u32[i] = a.u32[i] << (s & 31)); break;
    case 0xac: LANES(4, r.i32[i] = a.i32[i] >> (s & 31)); break;
    case 0xad: LANES(4, r.u32[i] = a.u32[i] >> (s & 31)); break;
    case 0xae: LANES(4, r.u32[i] = a.u32[i] + b.u32[i]); break;
    case 0xb1: LANES(4, r.u32[i] = a.u32[i] - b.u32[i]); break;
    case 0xb5: LANES(4, r.u32[i] = a.u32[i] * b.u32[i]); break;
    case 0xb6: LANES(4, r.i32[i] = a.i32[i] < b.i32[i] ? a.i32[i] : b.i32[i]); break;
    case 0xb7: LANES(4, r.u32[i] = a.u32[i] < b.u32[i] ? a.u32[i] : b.u32[i]); break;
    case 0xb8: LANES(4, r.i32[i] = a.i32[i] > b.i32[i] ? a.i32[i] : b.i32[i]); break;
    case 0xb9: LANES(4, r.u32[i] = a.u32[i] > b.u32[i] ? a.u32[i] : b.u32[i]); break;
    case 0xba:
        LANES(4, r.u32[i] = (uint32_t)(a.i16[2 * i] * b.i16[2 * i]) + (uint32_t)(a.i16[2 * i + 1] * b.i16[2 * i + 1]));
        break;
    case 0xbc: LANES(4, r.i32[i] = a.i16[i] * b.i16[i]); break;
    case 0xbd: LANES(4, r.i32[i] = a.i16[i + 4] * b.i16[i + 4]); break;
    case 0xbe: LANES(4, r.u32[i] = (uint32_t)a.u16[i] * b.u16[i]); break;
    case 0xbf: LANES(4, r.u32[i] = (uint32_t)a.u16[i + 4] * b.u16[i + 4]); break;
    /* i64x2 */
    case 0xc0: LANES(2, r.u64[i] = a.i64[i] < 0 ? 0u - a.u64[i] : a.u64[i]); break;
    case 0xc1: LANES(2, r.u64[i] = 0u - a.u64[i]); break;
    case 0xc3: r.u64[0] = a.u64[0] != 0 && a.u64[1] != 0; break;
    case 0xc4: LANES(2, r.u64[0] |= (a.u64[i] >> 63) << i); break;
    case 0xc7: LANES(2, r.i64[i] = a.i32[i]); break;
    case 0xc8: LANES(2, r.i64[i] = a.i32[i + 2]); break;
    case 0xc9: LANES(2, r.u64[i] = a.u32[i]); break;
    case 0xca: LANES(2, r.u64[i] = a.u32[i + 2]); break;
    case 0xcb: LANES(2, r.u64[i] = a.u64[i] << (s & 63)); break;
    case 0xcc: LANES(2, r.i64[i] = a.i64[i] >> (s & 63)); break;
    case 0xcd: LANES(2, r.u64[i] = a.u64[i] >> (s & 63)); break;
    case 0xce: LANES(2, r.u64[i] = a.u64[i] + b.u64[i]); break;
    case 0xd1: LANES(2, r.u64[i] = a.u64[i] - b.u64[i]); break;
    case 0xd5: LANES(2, r.u64[i] = a.u64[i] * b.u64[i]); break;
    case 0xd6: CMP(2, u64, u64, ==); break;
    case 0xd7: CMP(2, u64, u64, !=); break;
    case 0xd8: CMP(2, i64, u64, <); break;
    case 0xd9: CMP(2, i64, u64, >); break;
    case 0xda: CMP(2, i64, u64, <=); break;
    case 0xdb: CMP(2, i64, u64, >=); break;
    case 0xdc: LANES(2, r.i64[i] = (int64_t)a.i32[i] * b.i32[i]); break;
    case 0xdd: LANES(2, r.i64[i] = (int64_t)a.i32[i + 2] * b.i32[i + 2]); break;
    case 0xde: LANES(2, r.u64[i] = (uint64_t)a.u32[i] * b.u32[i]); break;
    case 0xdf: LANES(2, r.u64[i] = (uint64_t)a.u32[i + 2] * b.u32[i + 2]); break;
    /* f32x4; sign operations work on the bits so NaN payloads pass through */
    case 0xe0: LANES(4, r.u32[i] = a.u32[i] & 0x7fffffffu); break;
    case 0xe1: LANES(4, r.u32[i] = a.u32[i] ^ 0x80000000u); break;
    case 0xe3: LANES(4, r.f32[i] = __builtin_sqrtf(a.f32[i])); break;
    case 0xe4: LANES(4, r.f32[i] = a.f32[i] + b.f32[i]); break;
    case 0xe5: LANES(4, r.f32[i] = a.f32[i] - b.f32[i]); break;
    case 0xe6: LANES(4, r.f32[i] = a.f32[i] * b.f32[i]); break;
    case 0xe7: LANES(4, r.f32[i] = a.f32[i] / b.f32[i]); break;
    case 0xe8: LANES(4, r.f32[i] = wf32_min(a.f32[i], b.f32[i])); break;
    case 0xe9: LANES(4, r.f32[i] = wf32_max(a.f32[i], b.f32[i])); break;
    case 0xea: LANES(4, r.f32[i] = f32_pmin(a.f32[i], b.f32[i])); break;
    case 0xeb: LANES(4, r.f32[i] = f32_pmax(a.f32[i], b.f32[i])); break;
    /* f64x2 */
    case 0xec: LANES(2, r.u64[i] = a.u64[i] & 0x7fffffffffffffffull); break;
    case 0xed: LANES(2, r.u64[i] = a.u64[i] ^ 0x8000000000000000ull); break;
    case 0xef: LANES(2, r.f64[i] = __builtin_sqrt(a.f64[i])); break;
    case 0xf0: LANES(2, r.f64[i] = a.f64[i] + b.f64[i]); break;
    case 0xf1: LANES(2, r.f64[i] = a.f64[i] - b.f64[i]); break;
    case 0xf2: LANES(2, r.f64[i] = a.f64[i] * b.f64[i]); break;
    case 0xf3: LANES(2, r.f64[i] = a.f64[i] / b.f64[i]); break;
    case 0xf4: LANES(2, r.f64[i] = wf64_min(a.f64[i], b.f64[i])); break;
    case 0xf5: LANES(2, r.f64[i] = wf64_max(a.f64[i], b.f64[i])); break;
    case 0xf6: LANES(2, r.f64[i] = f64_pmin(a.f64[i], b.f64[i])); break;
    case 0xf7: LANES(2, r.f64[i] = f64_pmax(a.f64[i], b.f64[i])); break;
    /* conversions */
    case 0xf8: LANES(4, r.i32[i] = trunc_sat_f32_s(a.f32[i])); break;
    case 0xf9: LANES(4, r.u32[i] = trunc_sat_f32_u(a.f32[i])); break;
    case 0xfa: LANES(4, r.f32[i] = (float)a.i32[i]); break;
    case 0xfb: LANES(4, r.f32[i] = (float)a.u32[i]); break;
    case 0xfc: LANES(2, r.i32[i] = trunc_sat_f64_s(a.f64[i])); break;
    case 0xfd: LANES(2, r.u32[i] = trunc_sat_f64_u(a.f64[i])); break;
    case 0xfe: LANES(2, r.f64[i] = (double)a.i32[i]); break;
    case 0xff: LANES(2, r.f64[i] = (double)a.u32[i]); break;
    default:
        return false;
    }
    *out = r;
    return true;
}

/* Bytes a memory instruction touches: loads 0x00..0x0b, lane accesses, zero-extending loads. */
static unsigned access_size(uint32_t sub)
{
    switch (sub) {
    case 0x00: case 0x0b: return 16;
    case 0x01: case 0x02: case 0x03: case 0x04: case 0x05: case 0x06: return 8;
    case 0x07: case 0x54: case 0x58: return 1;
    case 0x08: case 0x55: case 0x59: return 2;
    case 0x09: case 0x56: case 0x5a: case 0x5c: return 4;
    default: return 8; /* 0x0a, 0x57, 0x5b, 0x5d */
    }
}

static bool is_memory_op(uint32_t sub) { return sub <= 0x0b || (sub >= 0x54 && sub <= 0x5d); }

static void memory_op(uint32_t sub, uint8_t *p, uint32_t lane, v128_t *v)
{
    v128_t r;
    memset(&r, 0, sizeof r);
    uint8_t raw[16];
    switch (sub) {
    case 0x00: memcpy(&r, p, 16); break;
    case 0x01: memcpy(raw, p, 8); LANES(8, r.i16[i] = (int16_t)sext8(raw[i])); break;
    case 0x02: memcpy(raw, p, 8); LANES(8, r.u16[i] = raw[i]); break;
    case 0x03: memcpy(raw, p, 8); LANES(4, { int16_t h; memcpy(&h, raw + 2 * i, 2); r.i32[i] = h; }); break;
    case 0x04: memcpy(raw, p, 8); LANES(4, { uint16_t h; memcpy(&h, raw + 2 * i, 2); r.u32[i] = h; }); break;
    case 0x05: memcpy(raw, p, 8); LANES(2, { int32_t w; memcpy(&w, raw + 4 * i, 4); r.i64[i] = w; }); break;
    case 0x06: memcpy(raw, p, 8); LANES(2, { uint32_t w; memcpy(&w, raw + 4 * i, 4); r.u64[i] = w; }); break;
    case 0x07: LANES(16, r.u8[i] = p[0]); break;
    case 0x08: { uint16_t h; memcpy(&h, p, 2); LANES(8, r.u16[i] = h); break; }
    case 0x09: { uint32_t w; memcpy(&w, p, 4); LANES(4, r.u32[i] = w); break; }
    case 0x0a: { uint64_t d; memcpy(&d, p, 8); LANES(2, r.u64[i] = d); break; }
    case 0x0b: memcpy(p, v, 16); return;
    case 0x54: r = *v; r.u8[lane] = p[0]; break;
    case 0x55: r = *v; memcpy(&r.u16[lane], p, 2); break;
    case 0x56: r = *v; memcpy(&r.u32[lane], p, 4); break;
    case 0x57: r = *v; memcpy(&r.u64[lane], p, 8); break;
    case 0x58: p[0] = v->u8[lane]; return;
    case 0x59: memcpy(p, &v->u16[lane], 2); return;
    case 0x5a: memcpy(p, &v->u32[lane], 4); return;
    case 0x5b: memcpy(p, &v->u64[lane], 8); return;
    case 0x5c: memcpy(&r.u32[0], p, 4); break;
    default: memcpy(&r.u64[0], p, 8); break; /* 0x5d */
    }
    *v = r;
}

static bool is_store(uint32_t sub) { return sub == 0x0b || (sub >= 0x58 && sub <= 0x5b); }

/* extract_lane: a scalar out of a vector. */
static uint64_t extract_lane(uint32_t sub, const v128_t *a, uint32_t lane)
{
    switch (sub) {
    case 0x15: return (uint32_t)(int32_t)a->i8[lane];
    case 0x16: return a->u8[lane];
    case 0x18: return (uint32_t)(int32_t)a->i16[lane];
    case 0x19: return a->u16[lane];
    case 0x1b: case 0x1f: return a->u32[lane];
    default: return a->u64[lane]; /* 0x1d, 0x21 */
    }
}

static void replace_lane(uint32_t sub, v128_t *a, uint32_t lane, uint64_t s)
{
    switch (sub) {
    case 0x17: a->u8[lane] = (uint8_t)s; break;
    case 0x1a: a->u16[lane] = (uint16_t)s; break;
    case 0x1c: case 0x20: a->u32[lane] = (uint32_t)s; break;
    default: a->u64[lane] = s; break; /* 0x1e, 0x22 */
    }
}

const wasm_cell_t *wasm_simd_step(const wasm_cell_t *pc, wasm_value_t *fp, wasm_value_t *hi,
                                  wasm_instance_t *inst, uint8_t *mem, uint64_t memsize)
{
    uint32_t sub = pc[1].u32[0], d = pc[1].u32[1];
    uint32_t sa = pc[2].u32[0], sb = pc[2].u32[1], sc = pc[3].u32[0], imm = pc[3].u32[1];
    v128_t a, b, c, r;
#define GETV(v, slot) ((v).u64[0] = fp[slot], (v).u64[1] = hi[slot])
#define PUTV(slot, v) (fp[slot] = (v).u64[0], hi[slot] = (v).u64[1])
    switch (sub) {
    case WASM_SIMD_X_COPY:
        fp[d] = fp[sa];
        hi[d] = hi[sa];
        return pc + WASM_SIMD_CELLS;
    case WASM_SIMD_X_GLOBAL_GET:
        fp[d] = inst->globals[imm]->value;
        hi[d] = inst->globals[imm]->value_hi;
        return pc + WASM_SIMD_CELLS;
    case WASM_SIMD_X_GLOBAL_SET:
        inst->globals[imm]->value = fp[sa];
        inst->globals[imm]->value_hi = hi[sa];
        return pc + WASM_SIMD_CELLS;
    case WASM_SIMD_X_ZERO_HI:
        hi[d] = 0;
        return pc + WASM_SIMD_CELLS;
    case WASM_SIMD_X_SELECT: {
        uint32_t from = (uint32_t)fp[sc] ? sa : sb;
        fp[d] = fp[from];
        hi[d] = hi[from];
        return pc + WASM_SIMD_CELLS;
    }
    case 0x0c: /* v128.const */
        fp[d] = pc[4].u64;
        hi[d] = pc[5].u64;
        return pc + WASM_SIMD_CELLS;
    case 0x0d: { /* i8x16.shuffle */
        uint8_t lanes[16], both[32];
        memcpy(lanes, &pc[4], 16);
        GETV(a, sa);
        GETV(b, sb);
        memcpy(both, &a, 16);
        memcpy(both + 16, &b, 16);
        for (int i = 0; i < 16; i++)
            r.u8[i] = both[lanes[i] & 31];
        PUTV(d, r);
        return pc + WASM_SIMD_CELLS;
    }
    case 0x15: case 0x16: case 0x18: case 0x19: case 0x1b: case 0x1d: case 0x1f: case 0x21:
        GETV(a, sa);
        fp[d] = extract_lane(sub, &a, imm);
        return pc + WASM_SIMD_CELLS;
    case 0x17: case 0x1a: case 0x1c: case 0x1e: case 0x20: case 0x22:
        GETV(a, sa);
        replace_lane(sub, &a, imm, fp[sb]);
        PUTV(d, a);
        return pc + WASM_SIMD_CELLS;
    default:
        break;
    }
    if (is_memory_op(sub)) {
        uint64_t ea = (uint64_t)(uint32_t)fp[sa] + pc[4].u64;
        if (ea + access_size(sub) > memsize)
            return NULL;
        GETV(b, sb);
        memory_op(sub, mem + ea, imm, &b);
        if (!is_store(sub))
            PUTV(d, b);
        return pc + WASM_SIMD_CELLS;
    }
    /* Lane operations: operand a may be a scalar (splat), b a scalar shift count. */
    uint64_t scalar = fp[sa];
    uint32_t hi_nibble = sub >> 4, lo_nibble = sub & 0x0f;
    bool shift = (hi_nibble == 0x6 || hi_nibble == 0x8 || hi_nibble == 0xa || hi_nibble == 0xc) && lo_nibble >= 0xb &&
                 lo_nibble <= 0xd;
    GETV(a, sa);
    GETV(b, sb);
    GETV(c, sc);
    if (shift)
        scalar = fp[sb];
    if (!lane_op(sub, &a, &b, &c, scalar, &r))
        memset(&r, 0, sizeof r); /* the compiler emits no other sub-opcode */
    PUTV(d, r);
    return pc + WASM_SIMD_CELLS;
#undef GETV
#undef PUTV
}
