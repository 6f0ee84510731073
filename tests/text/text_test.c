/*
 * lib/text: every character in every base, and numbers at and around each
 * limit, against a reference computed the slow, obvious way.
 */
#include <stdio.h>
#include <string.h>

#include "lib/text/text.h"
#include "tests/harness.h"

static int reference_digit(int c, unsigned base)
{
    const char *lower = "0123456789abcdef", *upper = "0123456789ABCDEF";
    for (unsigned d = 0; d < base; d++) {
        if (c == lower[d] || c == upper[d]) {
            return (int)d;
        }
    }
    return -1;
}

static void every_digit(void)
{
    bool ok = true;
    for (unsigned base = 0; base <= 17; base++) {
        for (int c = -128; c < 128; c++) {
            int want = base >= 2 && base <= 16 ? reference_digit(c, base) : -1;
            if (text_digit((char)c, base) != want) {
                ok = false;
            }
        }
    }
    TEST_EXPECT("every-character-in-every-base", ok);
}

static bool number(const char *s, unsigned base, uint64_t max, uint64_t *out)
{
    return text_number(s, strlen(s), base, max, out);
}

static void numbers(void)
{
    uint64_t v = 42;
    struct {
        const char *text;
        uint64_t max;
        uint64_t value;
        unsigned base;
        bool ok;
    } cases[] = {
        {"0", 0, 0, 10, true},
        {"1", 0, 0, 10, false},
        {"7", 5, 0, 10, false},       /* a digit above max */
        {"5", 5, 5, 10, true},
        {"255", 255, 255, 10, true},
        {"256", 255, 0, 10, false},
        {"18446744073709551615", UINT64_MAX, UINT64_MAX, 10, true},
        {"18446744073709551616", UINT64_MAX, 0, 10, false},
        {"99999999999999999999", UINT64_MAX, 0, 10, false},
        {"ffffffffffffffff", UINT64_MAX, UINT64_MAX, 16, true},
        {"10000000000000000", UINT64_MAX, 0, 16, false},
        {"0x1F", 31, 31, 0, true},
        {"0X1f", 30, 0, 0, false},
        {"0x", 100, 0, 0, false},     /* a prefix alone */
        {"0", 100, 0, 0, true},
        {"010", 100, 10, 0, true},    /* no octal: a leading zero is decimal */
        {"0x10", 100, 0, 16, false},  /* a prefix only where the base is open */
        {"", 100, 0, 10, false},
        {"12a", 1000, 0, 10, false},
        {" 12", 1000, 0, 10, false},
        {"-1", 1000, 0, 10, false},
        {"101", 10, 5, 2, true},
        {"102", 10, 0, 2, false},
        {"zz", UINT64_MAX, 0, 36, false}, /* bases above 16 are refused */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = 42;
        bool ok = number(cases[i].text, cases[i].base, cases[i].max, &v);
        char name[96];
        snprintf(name, sizeof(name), "number-%s-base-%u", cases[i].text, cases[i].base);
        bool right = ok == cases[i].ok && v == (ok ? cases[i].value : 42);
        TEST_EXPECT(name, right);
    }
    /* The length bounds the read: "123" with n = 2 is 12, and a string
     * shorter than n stops at its NUL. */
    v = 0;
    bool ok = text_number("123", 2, 10, 1000, &v) && v == 12 && !text_number("12", 5, 10, 1000, &v);
    TEST_EXPECT("length-bounds-the-read", ok);
    /* Every value up to 70000 round-trips in bases 2, 10 and 16 with max
     * exactly the value, and fails with max one below. */
    ok = true;
    for (uint64_t x = 0; x <= 70000; x++) {
        unsigned bases[] = {2, 10, 16};
        for (int b = 0; b < 3; b++) {
            char buf[80];
            size_t n = 0;
            uint64_t y = x;
            do {
                buf[n++] = "0123456789abcdef"[y % bases[b]];
                y /= bases[b];
            } while (y != 0);
            for (size_t i = 0; i < n / 2; i++) {
                char t = buf[i];
                buf[i] = buf[n - 1 - i];
                buf[n - 1 - i] = t;
            }
            uint64_t got = 0;
            if (!text_number(buf, n, bases[b], x, &got) || got != x ||
                (x > 0 && text_number(buf, n, bases[b], x - 1, &got))) {
                ok = false;
            }
        }
    }
    TEST_EXPECT("round-trip-and-limit", ok);
}

static void decimals(void)
{
    uint64_t values[] = {0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u, 10000000000000000000u, UINT64_MAX};
    const char *texts[] = {"0", "1", "9", "10", "99", "100", "4294967295", "4294967296",
                           "10000000000000000000", "18446744073709551615"};
    bool ok = true;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char buf[TEXT_DECIMAL_SIZE];
        const char *t = text_decimal(buf, values[i]);
        uint64_t back = 0;
        if (strcmp(t, texts[i]) != 0 || !text_number(t, strlen(t), 10, UINT64_MAX, &back) || back != values[i]) {
            ok = false;
        }
    }
    TEST_EXPECT("decimal-formatting", ok);
}

int main(void)
{
    every_digit();
    numbers();
    decimals();
    return test_failures ? 1 : 0;
}
