/*
 * Host test of the extension host's library (service/extension_host/ext_host.c)
 * under ASan/UBSan, with the real example extensions: grants decide what
 * loads, a trap or a runaway loop stops only the extension that did it, and
 * the key-value store sees what the good extension wrote.
 *
 * Usage: ext_host_test DIR   (DIR holds counter.wasm, crasher.wasm, looper.wasm, greedy.wasm)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/extension_host/ext_host.h"

static const char *dir;
static int failures;
static char console_log[8192];

static void console(const char *text)
{
    size_t have = strlen(console_log), n = strlen(text);
    if (have + n < sizeof console_log)
        memcpy(console_log + have, text, n + 1);
}

static uint8_t *read_wasm(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static uint8_t buf[65536];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    uint8_t *copy = malloc(*len ? *len : 1);
    if (copy)
        memcpy(copy, buf, *len);
    return copy;
}

static int load(ext_host_t *h, const char *name)
{
    size_t len = 0;
    uint8_t *bytes = read_wasm(name, &len);
    int i = bytes ? ext_host_load(h, name, bytes, len) : -1;
    free(bytes);
    return i;
}

static void expect(const char *name, bool ok)
{
    printf("%s: ext-host/%s\n", ok ? "PASS" : "FAIL", name);
    if (!ok)
        failures++;
}

static void free_host(ext_host_t *h)
{
    for (size_t i = 0; i < h->count; i++) {
        wasm_store_free(h->exts[i].store);
        wasm_module_free(h->exts[i].module);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    dir = argv[1];
    static ext_host_t h;
    static volatile int32_t kv[EXT_KV_SLOTS];
    int32_t r = 0;

    ext_host_init(&h, EXT_GRANT_LOG | EXT_GRANT_KV, kv, console);
    int counter = load(&h, "counter"), crasher = load(&h, "crasher"), looper = load(&h, "looper"),
        greedy = load(&h, "greedy");
    expect("all_four_examples_load_or_are_refused", counter == 0 && crasher == 1 && looper == 2 && greedy == 3);
    expect("ungranted_import_refused", h.exts[greedy].state == EXT_REFUSED &&
                                           strstr(console_log, "import not granted: spawn_process") != NULL);
    expect("good_extension_answers", ext_host_request(&h, 0, 5, &r) == EXT_REPLY_OK && r == 5);
    expect("crash_is_reported_and_stops_it", ext_host_request(&h, 1, 2, &r) == EXT_REPLY_TRAPPED &&
                                                 ext_host_request(&h, 1, 1, &r) == EXT_REPLY_STOPPED);
    expect("runaway_loop_is_stopped_by_fuel", ext_host_request(&h, 2, 2, &r) == EXT_REPLY_TRAPPED &&
                                                  strstr(console_log, "stopped 'looper': fuel exhausted") != NULL);
    expect("good_extension_still_answers", ext_host_request(&h, 0, 4, &r) == EXT_REPLY_OK && r == 9 && kv[0] == 9);
    expect("unknown_index_is_no_such", ext_host_request(&h, 42, 1, &r) == EXT_REPLY_NO_SUCH);
    free_host(&h);

    /* Without the kv grant, the counter (which imports kv_get/kv_put) must not load. */
    memset(console_log, 0, sizeof console_log);
    ext_host_init(&h, EXT_GRANT_LOG, NULL, console);
    counter = load(&h, "counter");
    int crasher2 = load(&h, "crasher");
    expect("grant_missing_means_refused", counter == 0 && h.exts[0].state == EXT_REFUSED &&
                                              ext_host_request(&h, 0, 1, &r) == EXT_REPLY_STOPPED);
    expect("extension_without_imports_loads", crasher2 == 1 && ext_host_request(&h, 1, 1, &r) == EXT_REPLY_OK &&
                                                  r == 10);
    free_host(&h);
    return failures ? 1 : 0;
}
