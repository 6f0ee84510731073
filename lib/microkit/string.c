/*
 * memcpy and memset for PDs that have no C library: the compiler emits calls
 * to them, and the network and file paths copy every byte they move with
 * them. Weak, so a PD that links a C library gets that library's.
 *
 * Eight bytes at a time, eight words per turn. Not `rep movsb`: under QEMU's
 * software emulation, where every test and benchmark here runs, each byte of
 * a rep string instruction is one trip through the emulator's loop, about ten
 * times the cost of a word move; on hardware the two are close for the
 * frame-sized copies PDs make.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n) __attribute__((weak));
void *memset(void *dst, int c, size_t n) __attribute__((weak));

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    for (; n >= 64; d += 64, s += 64, n -= 64) {
        uint64_t w[8];
        __builtin_memcpy(w, s, 64);
        __builtin_memcpy(d, w, 64);
    }
    for (; n >= 8; d += 8, s += 8, n -= 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
    }
    for (; n > 0; n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    uint64_t w = 0x0101010101010101ull * (unsigned char)c;
    for (; n >= 8; d += 8, n -= 8) {
        __builtin_memcpy(d, &w, 8);
    }
    for (; n > 0; n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}
