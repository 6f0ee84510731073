/*
 * The extension-host protection domain: a thin wrapper around ext_host.
 *
 * Its grants come from its system description: each grant is a memory
 * region mapped into this PD whose address the builder patches into a
 * grant_*_vaddr variable; a grant the description does not map stays 0 and
 * is not offered. The kv grant's region also holds the key-value store, so
 * a PD that maps it can watch what extensions write.
 *
 * Where extensions come from: with a configuration region (`ext_config`,
 * text, service/extension_host/ext_config.h) and a connection to the
 * filesystem PD (`fs_control`, `fs_data`), they are the `*.wasm` files of the
 * configured directory, loaded (ext_loader.h) when the filesystem PD first
 * notifies (its rings are ready then) and again on every reload request.
 * Without a
 * configuration region the examples built into the image (extensions.S) are
 * loaded at init. A configuration that is present but wrong is reported and
 * nothing is loaded: a broken grant must not fall back to something else.
 *
 * Requests are protected procedure calls (ext_protocol.h). The filesystem
 * PD runs above this one, so a healthy one has answered before we poll at
 * all; the poll is bounded (EXT_FS_SPIN_LIMIT) so that a hung filesystem PD
 * makes its files unreadable here instead of stopping this PD for good.
 *
 * lib/wasm allocates from a fixed arena with a real free (ext_arena.h), so
 * unloading every extension gives all of their memory back for the reload.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <microkit.h>

#include "lib/text/text.h"
#include "service/extension_host/ext_arena.h"
#include "service/extension_host/ext_config.h"
#include "service/extension_host/ext_host.h"
#include "service/extension_host/ext_loader.h"
#include "service/extension_host/ext_protocol.h"
#include "system/fs/fs_client.h"

uintptr_t grant_log_vaddr;
uintptr_t grant_kv_vaddr;
uintptr_t ext_config;
uint64_t ext_config_size;
uintptr_t fs_control;
uint64_t fs_control_size;
uintptr_t fs_data;
uint64_t fs_data_size;

extern const uint8_t ext_counter_start[], ext_counter_end[];
extern const uint8_t ext_crasher_start[], ext_crasher_end[];
extern const uint8_t ext_looper_start[], ext_looper_end[];
extern const uint8_t ext_greedy_start[], ext_greedy_end[];

static const struct {
    const char *name;
    const uint8_t *start, *end;
} builtin[] = {
    {"counter", ext_counter_start, ext_counter_end},
    {"crasher", ext_crasher_start, ext_crasher_end},
    {"looper", ext_looper_start, ext_looper_end},
    {"greedy", ext_greedy_start, ext_greedy_end},
};

static ext_host_t host;
static ext_config_t cfg;
static fs_client_t fsc;
/* Empty polls before a filesystem request is given up as failed: seconds. */
#define EXT_FS_SPIN_LIMIT 200000000u
static bool from_fs;    /* configured to load from the filesystem, and attached */
static bool fs_ready;   /* the filesystem PD has notified: its rings are set up */

#define ARENA_SIZE (4u << 20)
static _Alignas(16) uint8_t arena_memory[ARENA_SIZE];
static ext_arena_t arena;

static void *arena_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return ext_arena_realloc(&arena, p, n);
}

/* ---- The C library functions lib/wasm uses that libmicrokit does not provide ---- */

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i-- > 0;)
            d[i] = s[i];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* ---- Console ---- */

static void console(const char *text) { microkit_dbg_puts(text); }

/* Appends NUL-terminated parts to a line buffer, truncating. */
static void append(char *line, size_t size, const char *part)
{
    size_t n = strlen(line);
    while (*part && n + 1 < size)
        line[n++] = *part++;
    line[n] = '\0';
}

/* ---- Loading from the filesystem ---- */

static void notify_fs(void *ctx)
{
    (void)ctx;
    microkit_notify(cfg.fs_channel);
}

static void say_summary(const char *what)
{
    char line[160] = "ext-host: ", num[TEXT_DECIMAL_SIZE];
    append(line, sizeof line, what);
    append(line, sizeof line, ": ");
    append(line, sizeof line, text_decimal(num, ext_host_running(&host)));
    append(line, sizeof line, " running, ");
    append(line, sizeof line, text_decimal(num, host.count - ext_host_running(&host)));
    append(line, sizeof line, " refused, arena ");
    append(line, sizeof line, text_decimal(num, arena.in_use));
    append(line, sizeof line, " bytes in use\n");
    microkit_dbg_puts(line);
}

/* (Re)loads everything from the directory. */
static void load_directory(const char *what)
{
    ext_loader_t loader = {&host, &fsc, &arena, cfg.dir, cfg.dir_len, cfg.max_bytes};
    ext_loader_load_dir(&loader);
    say_summary(what);
    if (cfg.ready_channel != EXT_CONFIG_NO_CHANNEL)
        microkit_notify(cfg.ready_channel);
}

/* ---- The PD ---- */

static void report_config_error(const ext_config_error_t *e)
{
    char line[160] = "ext-host: config", num[TEXT_DECIMAL_SIZE];
    if (e->line) {
        append(line, sizeof line, " line ");
        append(line, sizeof line, text_decimal(num, e->line));
    }
    append(line, sizeof line, ": ");
    append(line, sizeof line, e->what);
    append(line, sizeof line, "; loading nothing\n");
    microkit_dbg_puts(line);
}

void init(void)
{
    ext_arena_init(&arena, arena_memory, sizeof arena_memory);
    wasm_set_allocator(arena_realloc, NULL);
    uint32_t grants = (grant_log_vaddr ? EXT_GRANT_LOG : 0) | (grant_kv_vaddr ? EXT_GRANT_KV : 0);
    ext_host_init(&host, grants, (volatile int32_t *)grant_kv_vaddr, console);
    microkit_dbg_puts(grants & EXT_GRANT_LOG ? "ext-host: grant log\n" : "ext-host: no grant log\n");
    microkit_dbg_puts(grants & EXT_GRANT_KV ? "ext-host: grant kv\n" : "ext-host: no grant kv\n");
    if (!ext_config || !ext_config_size) {
        for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
            ext_host_load(&host, builtin[i].name, builtin[i].start, (size_t)(builtin[i].end - builtin[i].start));
        microkit_dbg_puts("ext-host: serving\n");
        return;
    }
    ext_config_error_t err;
    if (!ext_config_parse((const volatile char *)ext_config, (size_t)ext_config_size, &cfg, &err)) {
        report_config_error(&err);
        return;
    }
    if (!fs_control || !fs_data ||
        fs_client_init(&fsc, (void *)fs_control, fs_control_size ? (size_t)fs_control_size : 0,
                       cfg.capacity, (void *)fs_data, (size_t)fs_data_size, notify_fs, NULL) != 0) {
        microkit_dbg_puts("ext-host: no usable connection to the filesystem PD; loading nothing\n");
        return;
    }
    fs_client_set_spin_limit(&fsc, EXT_FS_SPIN_LIMIT);
    from_fs = true;
    microkit_dbg_puts("ext-host: loading from ");
    microkit_dbg_puts(cfg.dir);
    microkit_dbg_puts(" when the filesystem is ready\n");
}

void notified(microkit_channel ch)
{
    /* The filesystem PD's first notification says its rings are ready; later ones are
     * completions already collected by spinning. */
    if (!from_fs || fs_ready || ch != cfg.fs_channel)
        return;
    fs_ready = true;
    load_directory("loaded");
    microkit_dbg_puts("ext-host: serving\n");
}

static uint64_t name_words[EXT_PROTO_NAME_WORDS];

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    int32_t result = 0;
    uint64_t label = microkit_msginfo_get_label(msginfo);
    char name[EXT_PROTO_NAME_BYTES + 1];
    ext_reply_t status;
    if (label == EXT_LABEL_RELOAD) {
        if (!from_fs || !fs_ready)
            return microkit_msginfo_new(EXT_REPLY_STOPPED, 0);
        load_directory("reloaded");
        microkit_mr_set(0, ext_host_running(&host));
        microkit_mr_set(1, host.count - ext_host_running(&host));
        microkit_mr_set(2, arena.in_use);
        return microkit_msginfo_new(EXT_REPLY_OK, 3);
    }
    if (label == EXT_LABEL_FIND || label == EXT_LABEL_CALL_BY_NAME) {
        uint32_t first = label == EXT_LABEL_FIND ? 0 : 1;
        for (uint32_t w = 0; w < EXT_PROTO_NAME_WORDS; w++)
            name_words[w] = microkit_mr_get((seL4_Uint8)(first + w));
        int index = ext_host_find(&host, name, ext_proto_unpack_name(name_words, name));
        if (index < 0)
            return microkit_msginfo_new(EXT_REPLY_NO_SUCH, 1);
        if (label == EXT_LABEL_FIND) {
            microkit_mr_set(0, (seL4_Word)index);
            return microkit_msginfo_new(EXT_REPLY_OK, 1);
        }
        label = (uint64_t)index;
    }
    if (label >= EXT_LABEL_RELOAD)
        return microkit_msginfo_new(EXT_REPLY_NO_SUCH, 1);
    int32_t arg = (int32_t)microkit_mr_get(0);
    status = ext_host_request(&host, (uint32_t)label, arg, &result);
    microkit_mr_set(0, (uint32_t)result);
    return microkit_msginfo_new(status, 1);
}
