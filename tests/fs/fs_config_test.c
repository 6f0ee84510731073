/*
 * The filesystem PD's configuration parser (system/fs/fs_config.h): good
 * texts give exactly the values written; each hostile text is refused with
 * the line at fault and a reason, and leaves the caller's result untouched.
 */
#include <stdio.h>
#include <string.h>

#include "system/fs/fs_config.h"

static int failures;

static void report(const char *name, int ok, const char *why)
{
    if (ok) {
        printf("PASS: %s\n", name);
    } else {
        printf("FAIL: %s %s\n", name, why);
        failures++;
    }
}

static const char good_text[] = "# the power-cut system\n"
                                "blk channel=0 capacity=16   # the virtualiser\n"
                                "\n"
                                "client channel=1 capacity=32 root=/a\r\n"
                                "\tclient   root=/b/c/d capacity=0x40 channel=61\n"
                                "cache nodes=256\n"
                                "format seed=0x5ab57a7e";

static void test_good(void)
{
    fs_config_t c;
    memset(&c, 0xa5, sizeof c);
    fs_config_error_t e = {99, "unset"};
    int ok = fs_config_parse(good_text, sizeof good_text - 1, &c, &e);
    report("config/good parses", ok && e.line == 0, e.what);
    report("config/good blk", c.blk_channel == 0 && c.blk_capacity == 16, "wrong blk values");
    report("config/good clients", c.client_count == 2 && c.clients[0].channel == 1 &&
                                      c.clients[0].capacity == 32 && strcmp(c.clients[0].root, "/a") == 0 &&
                                      c.clients[0].root_len == 2 && c.clients[1].channel == 61 &&
                                      c.clients[1].capacity == 64 && strcmp(c.clients[1].root, "/b/c/d") == 0,
           "wrong client values");
    report("config/good cache and seed", c.cache_nodes == 256 && c.format_seed == 0x5ab57a7eull,
           "wrong cache/seed");

    /* The minimum: one blk, one client at the root; defaults for the rest. A
     * NUL ends the text early, as in a zero-filled region. */
    static const char min[] = "blk channel=5 capacity=2\nclient channel=7 capacity=4096 root=/\0client junk";
    ok = fs_config_parse(min, sizeof min, &c, &e);
    report("config/minimal", ok && c.client_count == 1 && strcmp(c.clients[0].root, "/") == 0 &&
                                 c.cache_nodes == 0 && c.format_seed == 0 && c.blk_channel == 5,
           e.what);

    /* Four clients, and a 255-byte component (the limit). */
    char text[1024];
    char name[256];
    memset(name, 'n', 255);
    name[255] = '\0';
    int n = snprintf(text, sizeof text,
                     "blk channel=0 capacity=16\nclient channel=1 capacity=2 root=/%s\n"
                     "client channel=2 capacity=2 root=/x\nclient channel=3 capacity=2 root=/y\n"
                     "client channel=4 capacity=2 root=/z\n",
                     name);
    ok = n > 0 && (size_t)n < sizeof text && fs_config_parse(text, (size_t)n, &c, &e);
    report("config/four clients, 255-byte name", ok && c.client_count == 4 && c.clients[0].root_len == 256,
           e.what);
}

typedef struct {
    const char *name;
    const char *text;
    uint32_t line;
    const char *what; /* a part of the reason */
} bad_case_t;

static const bad_case_t bad_cases[] = {
    {"empty", "", 0, "no blk line"},
    {"only comments", "# nothing\n\n", 0, "no blk line"},
    {"no client", "blk channel=0 capacity=16\n", 0, "no client line"},
    {"no blk", "client channel=1 capacity=32 root=/a\n", 0, "no blk line"},
    {"unknown line", "blk channel=0 capacity=16\nnet channel=1\n", 2, "unknown line"},
    {"unknown key", "blk channel=0 capacity=16 colour=red\n", 1, "unknown key"},
    {"word without =", "blk channel=0 capacity\n", 1, "key=value"},
    {"channel 62", "blk channel=62 capacity=16\n", 1, "channel must be"},
    {"channel huge", "blk channel=99999999999999999999999 capacity=16\n", 1, "channel must be"},
    {"channel negative", "blk channel=-1 capacity=16\n", 1, "channel must be"},
    {"channel empty", "blk channel= capacity=16\n", 1, "channel must be"},
    {"channel 0x", "blk channel=0x capacity=16\n", 1, "channel must be"},
    {"channel twice", "blk channel=1 channel=2 capacity=16\n", 1, "twice"},
    {"channel shared", "blk channel=0 capacity=16\nclient channel=0 capacity=32 root=/a\n", 2, "in use"},
    {"two clients one channel",
     "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/a\nclient channel=1 capacity=32 root=/b\n", 3,
     "in use"},
    {"capacity 0", "blk channel=0 capacity=0\n", 1, "power of two"},
    {"capacity 1", "blk channel=0 capacity=1\n", 1, "power of two"},
    {"capacity 48", "blk channel=0 capacity=48\n", 1, "power of two"},
    {"capacity 8192", "blk channel=0 capacity=8192\n", 1, "power of two"},
    {"capacity missing", "blk channel=0\n", 1, "missing capacity"},
    {"root missing", "blk channel=0 capacity=16\nclient channel=1 capacity=32\n", 2, "missing root"},
    {"root on blk", "blk channel=0 capacity=16 root=/a\n", 1, "does not belong"},
    {"root relative", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=a\n", 2, "absolute"},
    {"root empty", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=\n", 2, "absolute"},
    {"root dotdot", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/a/../b\n", 2, "normalised"},
    {"root dotdot end", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/..\n", 2, "normalised"},
    {"root dot", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/a/.\n", 2, "normalised"},
    {"root double slash", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/a//b\n", 2, "empty"},
    {"root trailing slash", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/a/\n", 2, "end in"},
    {"root control char", "blk channel=0 capacity=16\nclient channel=1 capacity=32 root=/a\x01z\n", 2,
     "control"},
    {"second blk", "blk channel=0 capacity=16\nblk channel=1 capacity=16\n", 2, "second blk"},
    {"five clients",
     "blk channel=0 capacity=16\nclient channel=1 capacity=2 root=/a\nclient channel=2 capacity=2 root=/b\n"
     "client channel=3 capacity=2 root=/c\nclient channel=4 capacity=2 root=/d\n"
     "client channel=5 capacity=2 root=/e\n",
     6, "too many"},
    {"cache too big", "blk channel=0 capacity=16\ncache nodes=65537\n", 2, "nodes must be"},
    {"seed overflow", "blk channel=0 capacity=16\nformat seed=0x10000000000000000\n", 2, "64-bit"},
    {"second format", "blk channel=0 capacity=16\nformat seed=1\nformat seed=2\n", 3, "second format"},
    {"key on cache", "blk channel=0 capacity=16\ncache nodes=1 channel=3\n", 2, "does not belong"},
};

/* Byte for byte, padding included: a refused text must leave the result as it was. */
static int bytes_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i]) {
            return 0;
        }
    }
    return 1;
}

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case_t *b = &bad_cases[i];
        fs_config_t c, before;
        memset(&c, 0x5a, sizeof c);
        memcpy(&before, &c, sizeof c);
        fs_config_error_t e = {12345, NULL};
        int ok = fs_config_parse(b->text, strlen(b->text), &c, &e);
        char name[96], why[256];
        snprintf(name, sizeof name, "config/refuses %s", b->name);
        snprintf(why, sizeof why, "(got %s, line %u: %s; want line %u: ...%s...)", ok ? "success" : "refusal",
                 e.line, e.what ? e.what : "(null)", b->line, b->what);
        report(name,
               !ok && e.line == b->line && e.what && strstr(e.what, b->what) &&
                   bytes_equal(&c, &before, sizeof c),
               why);
    }
}

static void test_limits(void)
{
    /* A component of 256 bytes. */
    char text[FS_CONFIG_MAX_TEXT + 64];
    char name[257];
    memset(name, 'n', 256);
    name[256] = '\0';
    fs_config_t c;
    fs_config_error_t e;
    int n = snprintf(text, sizeof text, "blk channel=0 capacity=16\nclient channel=1 capacity=2 root=/%s\n", name);
    int ok = fs_config_parse(text, (size_t)n, &c, &e);
    report("config/refuses a 256-byte component", !ok && e.line == 2 && strstr(e.what, "255"), e.what);

    /* A root longer than FS_CONFIG_MAX_ROOT, in short components. */
    size_t at = (size_t)snprintf(text, sizeof text, "blk channel=0 capacity=16\nclient channel=1 capacity=2 root=");
    while (at < 80 + FS_CONFIG_MAX_ROOT) {
        text[at++] = '/';
        text[at++] = 'x';
    }
    ok = fs_config_parse(text, at, &c, &e);
    report("config/refuses a root over 1024 bytes", !ok && e.line == 2 && strstr(e.what, "too long"), e.what);

    /* Text of exactly the limit is fine; one byte more is not, whatever it is. */
    memset(text, ' ', sizeof text);
    static const char head[] = "blk channel=0 capacity=16\nclient channel=1 capacity=2 root=/a\n#";
    memcpy(text, head, sizeof head - 1);
    ok = fs_config_parse(text, FS_CONFIG_MAX_TEXT, &c, &e);
    report("config/text of 4096 bytes", ok, e.what);
    ok = fs_config_parse(text, FS_CONFIG_MAX_TEXT + 1, &c, &e);
    report("config/refuses text over 4096 bytes", !ok && e.line == 0 && strstr(e.what, "longer"), e.what);
    text[FS_CONFIG_MAX_TEXT] = '\0';
    ok = fs_config_parse(text, sizeof text, &c, &e);
    report("config/NUL at 4096 ends the text", ok, e.what);

    /* A NUL inside a line ends the text there: the rest is not read. */
    static const char cut[] = "blk channel=0 capacity=16\nclient channel=1 capacity=2 root=/a\0/../b\n";
    ok = fs_config_parse(cut, sizeof cut - 1, &c, &e);
    report("config/NUL ends the text", ok && strcmp(c.clients[0].root, "/a") == 0, e.what);

    /* Every prefix of the good text either parses or is refused cleanly (ASan watches). */
    int clean = 1;
    for (size_t len = 0; len <= sizeof good_text - 1; len++) {
        char exact[sizeof good_text];
        memcpy(exact, good_text, len);
        e.what = NULL;
        if (!fs_config_parse(exact, len, &c, &e) && e.what == NULL) {
            clean = 0;
        }
    }
    report("config/every prefix parses or is refused with a reason", clean, "a refusal without a reason");
}

int main(void)
{
    test_good();
    test_bad();
    test_limits();
    return failures ? 1 : 0;
}
