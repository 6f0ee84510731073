/*
 * Minimal freestanding string functions for the network stack's PDs.
 *
 * We write these few rather than build picolibc: lwIP's core needs only the
 * functions below (no stdio, no malloc, no locale), and each fits in a few
 * lines. They are weak, so a PD runtime that provides its own (possibly
 * faster) versions takes precedence without a duplicate-symbol error.
 * memcpy and memset, which every PD needs, are libmicrokit's
 * (lib/microkit/string.c).
 */
#include "system/net/libc/string.h"
#include "system/net/libc/stdlib.h"

#define NET_LIBC_WEAK __attribute__((weak))

NET_LIBC_WEAK void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0) {
        return dst;
    }
    if (d < s || d >= s + n) {
        return memcpy(dst, src, n);
    }
    while (n-- > 0) {
        d[n] = s[n];
    }
    return dst;
}

NET_LIBC_WEAK int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return x[i] < y[i] ? -1 : 1;
        }
    }
    return 0;
}

NET_LIBC_WEAK size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

NET_LIBC_WEAK int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x != y) {
            return x < y ? -1 : 1;
        }
        if (x == '\0') {
            return 0;
        }
    }
    return 0;
}

NET_LIBC_WEAK int strcmp(const char *a, const char *b)
{
    return strncmp(a, b, (size_t)-1);
}

NET_LIBC_WEAK int atoi(const char *s)
{
    int v = 0;
    while (*s >= '0' && *s <= '9' && v < 100000000) {
        v = v * 10 + (*s++ - '0');
    }
    return v;
}
