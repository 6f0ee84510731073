/*
 * libFuzzer target: the filesystem PD's configuration text. Any input is
 * parsed or refused with a line and a reason; an accepted configuration obeys
 * every rule the parser promises (checked again here, independently).
 */
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs_config.h"
#include "system/fs/fs.h"

static int root_ok(const fs_config_client_t *c)
{
    if (c->root_len == 0 || c->root_len > FS_CONFIG_MAX_ROOT || c->root[0] != '/' ||
        strlen(c->root) != c->root_len) {
        return 0;
    }
    if (c->root_len > 1 && c->root[c->root_len - 1] == '/') {
        return 0;
    }
    if (strstr(c->root, "//") || strstr(c->root, "/./") || strstr(c->root, "/../")) {
        return 0;
    }
    size_t comp = 0;
    for (size_t i = 1; i < c->root_len; i++) {
        comp = c->root[i] == '/' ? 0 : comp + 1;
        if (comp > FS_NAME_MAX) {
            return 0;
        }
    }
    return 1;
}

static int cap_ok(uint32_t c)
{
    return c >= FS_CONFIG_MIN_CAPACITY && c <= FS_CONFIG_MAX_CAPACITY && (c & (c - 1)) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* exact size: ASan sees any read past it */
    if (!text) {
        return 0;
    }
    if (size) {
        memcpy(text, data, size);
    }
    fs_config_t c;
    fs_config_error_t e = {0, NULL};
    if (fs_config_parse(text, size, &c, &e)) {
        if (c.client_count == 0 || c.client_count > FS_CONFIG_MAX_CLIENTS ||
            c.blk_channel > FS_CONFIG_MAX_CHANNEL || !cap_ok(c.blk_capacity) ||
            c.cache_nodes > FS_CONFIG_MAX_CACHE_NODES) {
            abort();
        }
        for (uint32_t i = 0; i < c.client_count; i++) {
            if (c.clients[i].channel > FS_CONFIG_MAX_CHANNEL || c.clients[i].channel == c.blk_channel ||
                !cap_ok(c.clients[i].capacity) || !root_ok(&c.clients[i])) {
                abort();
            }
            for (uint32_t j = 0; j < i; j++) {
                if (c.clients[j].channel == c.clients[i].channel) {
                    abort();
                }
            }
        }
    } else if (e.what == NULL) {
        abort();
    }
    free(text);
    return 0;
}
