/*
 * Numbers as text, both ways: the parsing that every freestanding reader of
 * system-description text shares (PCI addresses, network grants, filesystem
 * configuration), and the decimal formatting every console line with a
 * number in it needs (kernel, libmicrokit, PDs). Header-only and libc-free,
 * so the kernel, protection domains and host tools can all include it.
 *
 * The parsers read strictly from left to right and stop at the first
 * character that does not belong, so a NUL-terminated string shorter than
 * the length asked for is refused rather than read past.
 */
#ifndef SUBSTRATE_TEXT_H
#define SUBSTRATE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The value of digit c in base 2..16 (either case), or -1; -1 for any
 * other base. */
static inline int text_digit(char c, unsigned base)
{
    int d;
    if (c >= '0' && c <= '9') {
        d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
    } else {
        return -1;
    }
    return base >= 2 && base <= 16 && (unsigned)d < base ? d : -1;
}

/*
 * Reads all of s[0..n) as one unsigned number of at most `max`, in `base`
 * (2..16), or with base 0 in decimal or, after "0x"/"0X", hexadecimal.
 * At least one digit is required. On any stray character, or a value above
 * max, returns false and leaves *out alone.
 */
static inline bool text_number(const char *s, size_t n, unsigned base, uint64_t max, uint64_t *out)
{
    size_t i = 0;
    if (base == 0) {
        base = 10;
        if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            i = 2;
        }
    }
    if (base < 2 || base > 16 || i == n) {
        return false;
    }
    uint64_t v = 0;
    for (; i < n; i++) {
        int d = text_digit(s[i], base);
        if (d < 0 || (uint64_t)d > max || v > (max - (uint64_t)d) / base) {
            return false;
        }
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return true;
}

/* Room for any uint64_t in decimal, with its NUL. */
#define TEXT_DECIMAL_SIZE 21

/* Writes v in decimal at the end of buf and returns where it starts. */
static inline const char *text_decimal(char buf[TEXT_DECIMAL_SIZE], uint64_t v)
{
    char *p = &buf[TEXT_DECIMAL_SIZE - 1];
    *p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return p;
}

#endif
