/*
 * libFuzzer target for the extension host's configuration parser
 * (service/extension_host/ext_config.c). Any text must be accepted or refused
 * without a crash; a refused text leaves the output untouched and says why;
 * an accepted one must obey every rule of ext_config.h, checked here
 * independently of the parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/extension_host/ext_config.h"

static bool dir_ok(const char *d, size_t n)
{
    if (n == 0 || n > EXT_CONFIG_MAX_DIR || d[0] != '/' || strlen(d) != n)
        return false;
    if (n == 1)
        return true;
    if (d[n - 1] == '/' || strstr(d, "//") || strstr(d, "/./") || strstr(d, "/../"))
        return false;
    if ((n >= 2 && strcmp(d + n - 2, "/.") == 0) || (n >= 3 && strcmp(d + n - 3, "/..") == 0))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)d[i] < 0x21 || (unsigned char)d[i] > 0x7e)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ext_config_t cfg;
    memset(&cfg, 0xa5, sizeof cfg);
    ext_config_error_t err = {0, NULL};
    if (!ext_config_parse((const char *)data, size, &cfg, &err)) {
        if (err.what == NULL || ((uint8_t *)&cfg)[0] != 0xa5 || ((uint8_t *)&cfg)[sizeof cfg - 1] != 0xa5)
            abort();
        return 0;
    }
    if (cfg.fs_channel > 61 || cfg.capacity < 2 || cfg.capacity > 4096 || (cfg.capacity & (cfg.capacity - 1)))
        abort();
    if (cfg.ready_channel != EXT_CONFIG_NO_CHANNEL && (cfg.ready_channel > 61 || cfg.ready_channel == cfg.fs_channel))
        abort();
    if (cfg.max_bytes < 8 || cfg.max_bytes > EXT_CONFIG_MAX_BYTES)
        abort();
    if (!dir_ok(cfg.dir, cfg.dir_len))
        abort();
    return 0;
}
