/*
 * Host test of the extension host's configuration parser
 * (service/extension_host/ext_config.c) under ASan/UBSan: good texts give
 * exactly the values written, each kind of bad text is refused with its line
 * and reason, and a refused text leaves the previous configuration as it was.
 */
#include <stdio.h>
#include <string.h>

#include "service/extension_host/ext_config.h"
#include "tests/harness.h"


/* One case, named under this suite's prefix. */
static void expect(const char *name, bool ok)
{
    char full[128];
    snprintf(full, sizeof full, "ext-config/%s", name);
    test_verdict(full, ok ? NULL : "the outcome above was not the one asserted");
}

static bool refused(const char *text, uint32_t line, const char *what)
{
    ext_config_t cfg;
    memset(&cfg, 0x77, sizeof cfg);
    ext_config_error_t err = {0, NULL};
    bool ok = ext_config_parse(text, strlen(text), &cfg, &err);
    bool untouched = ((uint8_t *)&cfg)[0] == 0x77 && ((uint8_t *)&cfg)[sizeof cfg - 1] == 0x77;
    if (ok || !err.what || err.line != line || strstr(err.what, what) == NULL || !untouched) {
        printf("  '%s': got %s line %u '%s'\n", text, ok ? "accepted" : "refused", err.line,
               err.what ? err.what : "");
        return false;
    }
    return true;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    ext_config_t cfg;
    ext_config_error_t err;
    const char *full = "# the extension host\nfs=0 capacity=8\n  dir=/extensions   # where\nmax_bytes=0x10000 ready=1\n";
    bool ok = ext_config_parse(full, strlen(full), &cfg, &err);
    expect("full_text_gives_its_values", ok && cfg.fs_channel == 0 && cfg.capacity == 8 && cfg.ready_channel == 1 &&
                                             cfg.max_bytes == 65536 && cfg.dir_len == 11 &&
                                             strcmp(cfg.dir, "/extensions") == 0);
    const char *least = "dir=/ capacity=2 fs=61";
    ok = ext_config_parse(least, strlen(least), &cfg, &err);
    expect("defaults", ok && cfg.ready_channel == EXT_CONFIG_NO_CHANNEL &&
                           cfg.max_bytes == EXT_CONFIG_DEFAULT_MAX_BYTES && strcmp(cfg.dir, "/") == 0);
    char nul_ended[] = "fs=1 capacity=4 dir=/a\0garbage=1";
    ok = ext_config_parse(nul_ended, sizeof nul_ended, &cfg, &err);
    expect("nul_ends_the_text", ok && strcmp(cfg.dir, "/a") == 0);

    expect("missing_keys", refused("fs=1 capacity=4", 0, "required") && refused("", 0, "required") &&
                               refused("# nothing\n", 0, "required"));
    expect("unknown_key", refused("fs=1\ncapacity=4\nflavour=mint dir=/a", 3, "unknown key"));
    expect("repeated_key", refused("fs=1 capacity=4 dir=/a\nfs=2", 2, "repeated"));
    expect("not_key_value", refused("fs=1 capacity=4 dir=/a oops", 1, "key=value") &&
                                refused("=3", 1, "key=value"));
    expect("bad_numbers", refused("fs=62 capacity=4 dir=/a", 1, "0..61") &&
                              refused("fs=x capacity=4 dir=/a", 1, "0..61") &&
                              refused("fs=99999999999999999999999 capacity=4 dir=/a", 1, "0..61") &&
                              refused("fs=1 capacity=6 dir=/a", 1, "power of two") &&
                              refused("fs=1 capacity=8192 dir=/a", 1, "power of two") &&
                              refused("fs=1 capacity=4 dir=/a max_bytes=2000000", 1, "max_bytes") &&
                              refused("fs=1 capacity=4 dir=/a max_bytes=", 1, "max_bytes"));
    expect("bad_dirs", refused("fs=1 capacity=4 dir=ext", 1, "absolute") &&
                           refused("fs=1 capacity=4 dir=/a/../b", 1, "'..'") &&
                           refused("fs=1 capacity=4 dir=/a/./b", 1, "'.'") &&
                           refused("fs=1 capacity=4 dir=/a//b", 1, "empty") &&
                           refused("fs=1 capacity=4 dir=/a/", 1, "end in") && refused("dir=", 1, "absolute"));
    expect("same_channel_twice", refused("fs=3 ready=3 capacity=4 dir=/a", 0, "different"));
    static char big[EXT_CONFIG_MAX_TEXT + 10];
    memset(big, ' ', sizeof big - 1);
    expect("too_long_text", refused(big, 0, "too long"));
    return test_failures ? 1 : 0;
}
