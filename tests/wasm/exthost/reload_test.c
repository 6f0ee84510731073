/*
 * Host test of reloading in the extension host's library under ASan/UBSan,
 * with lib/wasm allocating from the real arena (ext_arena) as in the PD:
 * every unload gives every byte back, many load/trap/unload cycles do not
 * creep, a stopped extension runs again after a reload, extensions are found
 * by name, and refusals of files the host never offered to lib/wasm say why
 * and keep their place in the numbering.
 *
 * Usage: reload_test DIR   (DIR holds the example extensions' .wasm files)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/extension_host/ext_arena.h"
#include "service/extension_host/ext_host.h"
#include "tests/harness.h"

static char console_log[16384];
static const char *dir;
static ext_arena_t arena;
static _Alignas(16) uint8_t arena_memory[4u << 20];

static void console(const char *text)
{
    size_t have = strlen(console_log), n = strlen(text);
    if (have + n < sizeof console_log)
        memcpy(console_log + have, text, n + 1);
}

static void *arena_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    return ext_arena_realloc(&arena, p, n);
}

/* One case, named under this suite's prefix. */
static void expect(const char *name, bool ok)
{
    char full[128];
    snprintf(full, sizeof full, "ext-reload/%s", name);
    test_verdict(full, ok ? NULL : "the outcome above was not the one asserted");
}

/* Loads DIR/file.wasm under `name`. */
static int load_as(ext_host_t *h, const char *name, const char *file)
{
    char path[1024];
    static uint8_t buf[65536];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, file);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return ext_host_load(h, name, buf, len);
}

static int load(ext_host_t *h, const char *name) { return load_as(h, name, name); }

/* The PD's load order: names sorted, refusals in place. */
static void load_all(ext_host_t *h)
{
    load(h, "counter");
    load(h, "crasher");
    load(h, "doubler");
    load(h, "greedy");
    ext_host_refuse(h, "huge", "too big: 100000 bytes, limit 65536", NULL);
    load(h, "looper");
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2)
        return 2;
    dir = argv[1];
    ext_arena_init(&arena, arena_memory, sizeof arena_memory);
    wasm_set_allocator(arena_realloc, NULL);
    static ext_host_t h;
    static volatile int32_t kv[EXT_KV_SLOTS];
    int32_t r = 0;
    ext_host_init(&h, EXT_GRANT_LOG | EXT_GRANT_KV, kv, console);

    load_all(&h);
    size_t loaded_bytes = arena.in_use;
    expect("loads_and_refusals_keep_name_order",
           h.count == 6 && ext_host_running(&h) == 4 && ext_host_find(&h, "huge", 4) == 4 &&
               h.exts[4].state == EXT_REFUSED && ext_host_find(&h, "looper", 6) == 5 &&
               strstr(console_log, "refused 'huge': too big: 100000 bytes, limit 65536\n") != NULL);
    expect("find_is_exact", ext_host_find(&h, "count", 5) < 0 && ext_host_find(&h, "counterx", 8) < 0 &&
                                ext_host_find(&h, "doubler", 7) == 2);
    expect("crasher_stops", ext_host_request(&h, 1, 2, &r) == EXT_REPLY_TRAPPED &&
                                ext_host_request(&h, 1, 1, &r) == EXT_REPLY_STOPPED);
    ext_host_unload_all(&h);
    expect("unload_gives_every_byte_back", h.count == 0 && arena.in_use == 0 && arena.live_blocks == 0 &&
                                               arena.bad_frees == 0 && ext_arena_check(&arena));

    bool same = true, revived = true;
    for (int cycle = 0; cycle < 25; cycle++) {
        load_all(&h);
        same = same && arena.in_use == loaded_bytes;
        revived = revived && ext_host_request(&h, 1, 1, &r) == EXT_REPLY_OK && r == 10;
        ext_host_request(&h, 1, 2, &r);  /* trap */
        ext_host_request(&h, 5, 2, &r);  /* out of fuel */
        ext_host_request(&h, 2, 21, &r); /* doubler */
        same = same && r == 42;
        ext_host_unload_all(&h);
        same = same && arena.in_use == 0;
    }
    expect("reload_cycles_do_not_creep", same && arena.bad_frees == 0 && ext_arena_check(&arena));
    expect("stopped_extension_runs_again_after_reload", revived);

    memset(console_log, 0, sizeof console_log);
    int i = load_as(&h, "a-name-that-is-much-too-long-for-the-host", "doubler");
    expect("overlong_name_refused_with_reason",
           i < 0 ? false : h.exts[i].state == EXT_REFUSED && strstr(console_log, "name too long") != NULL);
    ext_host_unload_all(&h);
    for (int k = 0; k < EXT_HOST_MAX; k++)
        load(&h, "doubler");
    memset(console_log, 0, sizeof console_log);
    expect("full_table_refuses_with_reason", load(&h, "doubler") < 0 &&
                                                 strstr(console_log, "too many extensions") != NULL);
    ext_host_unload_all(&h);
    expect("everything_back_at_the_end", arena.in_use == 0 && ext_arena_check(&arena));
    return test_failures ? 1 : 0;
}
