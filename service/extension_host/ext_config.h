/*
 * The extension host's configuration, as its system description grants it:
 * text in a small read-only prefilled region, `key=value` words separated by
 * blanks or newlines, `#` to the end of a line a comment:
 *
 *     fs=0 capacity=8         # channel to the filesystem PD, its ring capacity
 *     dir=/extensions         # the directory extensions are loaded from
 *     max_bytes=65536         # a module file larger than this is refused
 *     ready=1                 # channel notified when a (re)load is done (optional)
 *
 * `fs`, `capacity` and `dir` are required; `max_bytes` defaults to
 * EXT_CONFIG_DEFAULT_MAX_BYTES. Channels are 0..61 and distinct; the capacity
 * is a power of two in 2..4096; `dir` is absolute and normalised (no empty,
 * `.` or `..` component, no trailing `/` except for `/` itself), at most
 * EXT_CONFIG_MAX_DIR bytes; max_bytes is 8..EXT_CONFIG_MAX_BYTES. Unknown or
 * repeated keys are errors: the configuration is used whole or not at all.
 */
#ifndef SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_CONFIG_H
#define SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EXT_CONFIG_MAX_TEXT 1024u
#define EXT_CONFIG_MAX_DIR 200u
#define EXT_CONFIG_MAX_BYTES (1u << 20)
#define EXT_CONFIG_DEFAULT_MAX_BYTES 65536u
#define EXT_CONFIG_NO_CHANNEL UINT32_MAX

typedef struct {
    uint32_t fs_channel;
    uint32_t capacity;
    uint32_t ready_channel; /* EXT_CONFIG_NO_CHANNEL if not given */
    uint32_t max_bytes;
    char dir[EXT_CONFIG_MAX_DIR + 1]; /* NUL-terminated */
    size_t dir_len;
} ext_config_t;

typedef struct {
    uint32_t line;    /* 1-based line at fault, 0 for the text as a whole */
    const char *what; /* a static string */
} ext_config_error_t;

/*
 * Parses up to `len` bytes (a NUL ends the text early), copying them out once
 * first. True and *out filled, or false with *err filled and *out untouched.
 */
bool ext_config_parse(const volatile char *text, size_t len, ext_config_t *out, ext_config_error_t *err);

#endif
