/*
 * Per-boot secrets for the stack (net_random.h).
 *
 * Owns: the master secret and the two keys derived from it, the generator's
 * counter. All of it lives in the stack's zero-initialised state, so a
 * restarted PD wipes it and gathers a new secret.
 */
#include "system/net/net_random.h"

#include "ddf/timer_clock.h"
#include "system/net/siphash.h"

/* A seed the build may fill in per image, e.g. with
 * -DNET_IMAGE_SEED=0x0123456789abcdefull (all zero when it does not). */
#ifndef NET_IMAGE_SEED
#define NET_IMAGE_SEED 0ull
#endif
static const volatile uint64_t net_image_seed = NET_IMAGE_SEED;

static uint8_t net_secret[NET_RANDOM_KEY_LEN];
static uint8_t net_isn_key[SIPHASH_KEY_LEN];
static uint8_t net_rng_key[SIPHASH_KEY_LEN];
static uint64_t net_rng_counter;
static bool net_random_ready;

static void store_le64(uint8_t *p, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        p[i] = (uint8_t)(v >> (8u * i));
    }
}

/* A 16-byte key from `key` and a one-byte label: two PRF outputs. */
static void derive(const uint8_t key[SIPHASH_KEY_LEN], uint8_t label, uint8_t out[SIPHASH_KEY_LEN])
{
    uint8_t in[2] = {label, 0};
    uint64_t a = siphash24(key, in, sizeof in);
    in[1] = 1;
    uint64_t b = siphash24(key, in, sizeof in);
    store_le64(out, a);
    store_le64(out + 8, b);
}

static void derive_keys(void)
{
    derive(net_secret, 'I', net_isn_key);
    derive(net_secret + 16, 'R', net_rng_key);
    net_rng_counter = 0;
    net_random_ready = true;
}

/* Absorbs up to 32 bytes: each half of the new secret is the PRF of the old
 * half on (label, the other old half, the input). */
static void absorb(const uint8_t *data, size_t len)
{
    uint8_t in[1 + 16 + 32];
    uint8_t next[NET_RANDOM_KEY_LEN] = {0};
    for (unsigned half = 0; half < 2; half++) {
        const uint8_t *key = net_secret + 16u * half;
        const uint8_t *other = net_secret + 16u * (1u - half);
        for (unsigned word = 0; word < 2; word++) {
            in[0] = (uint8_t)(half * 2u + word);
            for (size_t i = 0; i < 16; i++) {
                in[1 + i] = other[i];
            }
            for (size_t i = 0; i < len; i++) {
                in[17 + i] = data[i];
            }
            store_le64(next + 16u * half + 8u * word, siphash24(key, in, 17 + len));
        }
    }
    for (size_t i = 0; i < sizeof next; i++) {
        net_secret[i] = next[i];
    }
}

static void mix_bytes(const void *data, size_t len)
{
    const uint8_t *p = data;
    do {
        size_t n = len < 32 ? len : 32;
        absorb(p, n);
        p += n;
        len -= n;
    } while (len > 0);
}

void net_random_mix(const void *data, size_t len)
{
    if (data == NULL) {
        len = 0;
    }
    mix_bytes(data, len);
    derive_keys();
}

void net_random_set_secret(const uint8_t secret[NET_RANDOM_KEY_LEN])
{
    for (size_t i = 0; i < NET_RANDOM_KEY_LEN; i++) {
        net_secret[i] = secret[i];
    }
    derive_keys();
}

void net_random_isn_key(uint8_t key[16])
{
    if (!net_random_ready) {
        (void)net_random_init(NULL, NULL, NULL, 0);
    }
    for (size_t i = 0; i < SIPHASH_KEY_LEN; i++) {
        key[i] = net_isn_key[i];
    }
}

/* ------------------------------------------------------- the processor -- */

#if defined(__x86_64__)
static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
    __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* RDSEED/RDRAND may fail transiently (carry clear): a few retries. */
static bool hw_random(bool seed, uint64_t *out)
{
    for (int tries = 0; tries < 32; tries++) {
        uint64_t v;
        uint8_t ok;
        if (seed) {
            __asm__ volatile("rdseed %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
        } else {
            __asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok) : : "cc");
        }
        if (ok) {
            *out = v;
            return true;
        }
    }
    return false;
}

static unsigned gather_cpu(uint64_t (*clock)(void *ctx), void *ctx)
{
    unsigned sources = 0;
    uint32_t r[4];
    cpuid(0, 0, r);
    uint32_t max_leaf = r[0];
    cpuid(1, 0, r);
    bool has_rdrand = (r[2] >> 30) & 1u;
    bool has_rdseed = false;
    if (max_leaf >= 7) {
        cpuid(7, 0, r);
        has_rdseed = (r[1] >> 18) & 1u;
    }
    uint64_t words[4];
    for (int which = 0; which < 2; which++) {
        bool seed = which == 0;
        if (!(seed ? has_rdseed : has_rdrand)) {
            continue;
        }
        bool all = true;
        for (size_t i = 0; i < 4; i++) {
            all = all && hw_random(seed, &words[i]);
        }
        if (all) {
            mix_bytes(words, sizeof words);
            sources |= seed ? NET_RANDOM_SRC_RDSEED : NET_RANDOM_SRC_RDRAND;
        }
    }
    /* The TSC around clock reads (a protected call to the timer driver in a
     * PD): the low bits carry the jitter of everything in between. */
    for (int round = 0; round < 4; round++) {
        for (size_t i = 0; i < 4; i++) {
            words[i] = timer_clock_rdtsc();
            if (clock != NULL) {
                words[i] ^= clock(ctx) << 17;
            }
        }
        mix_bytes(words, sizeof words);
    }
    return sources | NET_RANDOM_SRC_TSC;
}
#else
static unsigned gather_cpu(uint64_t (*clock)(void *ctx), void *ctx)
{
    uint64_t t = clock != NULL ? clock(ctx) : 0;
    mix_bytes(&t, sizeof t);
    return 0;
}
#endif

unsigned net_random_init(uint64_t (*clock)(void *ctx), void *ctx, const void *extra, size_t len)
{
    unsigned sources = gather_cpu(clock, ctx);
    uint64_t image = net_image_seed;
    if (image != 0) {
        mix_bytes(&image, sizeof image);
        sources |= NET_RANDOM_SRC_IMAGE;
    }
    if (extra != NULL && len > 0) {
        mix_bytes(extra, len);
    }
    derive_keys();
    return sources;
}

uint32_t net_random_u32(void)
{
    if (!net_random_ready) {
        (void)net_random_init(NULL, NULL, NULL, 0);
    }
    if (net_rng_counter == NET_RANDOM_REKEY) {
        /* Fast key erasure: the old key is gone once replaced. */
        uint8_t next[SIPHASH_KEY_LEN];
        derive(net_rng_key, 'K', next);
        for (size_t i = 0; i < SIPHASH_KEY_LEN; i++) {
            net_rng_key[i] = next[i];
        }
        net_rng_counter = 0;
    }
    uint8_t in[8];
    store_le64(in, net_rng_counter++);
    return (uint32_t)siphash24(net_rng_key, in, sizeof in);
}

uint32_t net_random_isn(uint32_t local_ip, uint16_t local_port, uint32_t remote_ip, uint16_t remote_port,
                        uint64_t now_ns)
{
    if (!net_random_ready) {
        (void)net_random_init(NULL, NULL, NULL, 0);
    }
    uint8_t tuple[12] = {
        (uint8_t)(local_ip >> 24),  (uint8_t)(local_ip >> 16),  (uint8_t)(local_ip >> 8),  (uint8_t)local_ip,
        (uint8_t)(local_port >> 8), (uint8_t)local_port,
        (uint8_t)(remote_ip >> 24), (uint8_t)(remote_ip >> 16), (uint8_t)(remote_ip >> 8), (uint8_t)remote_ip,
        (uint8_t)(remote_port >> 8), (uint8_t)remote_port,
    };
    return (uint32_t)(now_ns / 4000u) + (uint32_t)siphash24(net_isn_key, tuple, sizeof tuple);
}
