/*
 * The filesystem PD's configuration, as its system description grants it.
 *
 * The description fills a small read-only region (prefill_path) with text,
 * one item per line; `#` starts a comment, blank lines are ignored:
 *
 *     blk channel=0 capacity=16
 *     client channel=1 capacity=32 root=/a
 *     client channel=2 capacity=32 root=/b
 *     cache nodes=256
 *     format seed=0x5ab57a7e
 *
 * `blk` (exactly one) is the channel to the block virtualiser and its ring
 * capacity; each `client` (1..FS_CONFIG_MAX_CLIENTS, in the order of the
 * PD's client0.. region symbols) names its channel, its ring capacity and
 * the subtree it is confined to. `cache` and `format` are optional (the
 * metadata cache size, 0 for the library's default; the mkfs seed used when
 * the partition holds no filesystem yet). Channel ids are 0..61 and distinct;
 * capacities are powers of two in FS_CONFIG_MIN_CAPACITY..FS_CONFIG_MAX_CAPACITY;
 * a root is absolute and normalised: no empty, `.` or `..` component, no
 * trailing `/` (except `/` itself), components of at most FS_NAME_MAX bytes.
 * Unknown words, repeated keys and missing keys are errors: the configuration
 * is used whole or not at all.
 */
#ifndef SUBSTRATE_SYSTEM_FS_CONFIG_H
#define SUBSTRATE_SYSTEM_FS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_CONFIG_MAX_TEXT 4096u     /* bytes of configuration text */
#define FS_CONFIG_MAX_CLIENTS 4u
#define FS_CONFIG_MAX_ROOT 1024u     /* bytes of one root path */
#define FS_CONFIG_MAX_CHANNEL 61u
#define FS_CONFIG_MIN_CAPACITY 2u
#define FS_CONFIG_MAX_CAPACITY 4096u
#define FS_CONFIG_MAX_CACHE_NODES 65536u

typedef struct {
    uint32_t channel;                  /* the channel to this client */
    uint32_t capacity;                 /* its ring capacity */
    char root[FS_CONFIG_MAX_ROOT + 1]; /* its subtree, NUL-terminated */
    size_t root_len;
} fs_config_client_t;

typedef struct {
    uint32_t blk_channel;  /* to the block virtualiser */
    uint32_t blk_capacity; /* blk ring capacity */
    uint32_t client_count;
    fs_config_client_t clients[FS_CONFIG_MAX_CLIENTS];
    uint32_t cache_nodes; /* 0: the library's default */
    uint64_t format_seed;
} fs_config_t;

typedef struct {
    uint32_t line;    /* 1-based line at fault; 0 for the text as a whole */
    const char *what; /* what is wrong (a static string) */
} fs_config_error_t;

/*
 * Parses `len` bytes of text (a NUL ends it early). The text is copied out
 * once before it is looked at, so a writer changing it meanwhile cannot make
 * a checked value differ from the used one. Returns true and fills *out on
 * success; on error returns false, leaves *out untouched and fills *err.
 * Not reentrant (its working state is static, to spare a PD's stack).
 */
bool fs_config_parse(const volatile char *text, size_t len, fs_config_t *out, fs_config_error_t *err);

#endif
