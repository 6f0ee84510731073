/*
 * Floating-point helpers with WebAssembly's semantics, written without the
 * C math library so the runtime stays freestanding: rounding to integral
 * values, and min/max, which (unlike fmin/fmax) propagate NaN and order -0
 * below +0. Values travel as bit patterns in 64-bit slots.
 */
#ifndef SUBSTRATE_LIB_WASM_WASM_FLOAT_H
#define SUBSTRATE_LIB_WASM_WASM_FLOAT_H

#include <stdint.h>
#include <string.h>

static inline float wf32_get(uint64_t v)
{
    uint32_t b = (uint32_t)v;
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint64_t wf32_put(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline double wf64_get(uint64_t v)
{
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

static inline uint64_t wf64_put(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static inline float wf32_copysign(float x, float sign)
{
    return wf32_get((wf32_put(x) & 0x7fffffffu) | (wf32_put(sign) & 0x80000000u));
}

static inline double wf64_copysign(double x, double sign)
{
    return wf64_get((wf64_put(x) & 0x7fffffffffffffffull) | (wf64_put(sign) & 0x8000000000000000ull));
}

/* |x| >= 2^23 (or NaN, or infinity): already integral. NaN is quietened by x + x. */
static inline int wf32_integral(float x) { return !(x > -8388608.0f && x < 8388608.0f); }
static inline int wf64_integral(double x) { return !(x > -4503599627370496.0 && x < 4503599627370496.0); }

static inline float wf32_trunc(float x)
{
    if (wf32_integral(x))
        return x != x ? x + x : x;
    return wf32_copysign((float)(int32_t)x, x);
}

static inline double wf64_trunc(double x)
{
    if (wf64_integral(x))
        return x != x ? x + x : x;
    return wf64_copysign((double)(int64_t)x, x);
}

static inline float wf32_floor(float x)
{
    if (wf32_integral(x))
        return x != x ? x + x : x;
    float t = wf32_copysign((float)(int32_t)x, x);
    return t > x ? t - 1.0f : t;
}

static inline double wf64_floor(double x)
{
    if (wf64_integral(x))
        return x != x ? x + x : x;
    double t = wf64_copysign((double)(int64_t)x, x);
    return t > x ? t - 1.0 : t;
}

static inline float wf32_ceil(float x)
{
    if (wf32_integral(x))
        return x != x ? x + x : x;
    float t = wf32_copysign((float)(int32_t)x, x);
    return t < x ? wf32_copysign(t + 1.0f, x) : t;
}

static inline double wf64_ceil(double x)
{
    if (wf64_integral(x))
        return x != x ? x + x : x;
    double t = wf64_copysign((double)(int64_t)x, x);
    return t < x ? wf64_copysign(t + 1.0, x) : t;
}

/* Round half to even: adding and subtracting 2^23 rounds in the default mode. */
static inline float wf32_nearest(float x)
{
    if (wf32_integral(x))
        return x != x ? x + x : x;
    volatile float big = 8388608.0f;
    float a = wf32_copysign(x, 1.0f);
    float r = (a + big) - big;
    return wf32_copysign(r, x);
}

static inline double wf64_nearest(double x)
{
    if (wf64_integral(x))
        return x != x ? x + x : x;
    volatile double big = 4503599627370496.0;
    double a = wf64_copysign(x, 1.0);
    double r = (a + big) - big;
    return wf64_copysign(r, x);
}

static inline float wf32_min(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return wf32_get(wf32_put(a) | wf32_put(b)); /* -0 wins */
    return a < b ? a : b;
}

static inline float wf32_max(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return wf32_get(wf32_put(a) & wf32_put(b)); /* +0 wins */
    return a > b ? a : b;
}

static inline double wf64_min(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return wf64_get(wf64_put(a) | wf64_put(b));
    return a < b ? a : b;
}

static inline double wf64_max(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return wf64_get(wf64_put(a) & wf64_put(b));
    return a > b ? a : b;
}

#endif
