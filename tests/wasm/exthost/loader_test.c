/*
 * Host test of loading extensions from a directory (service/extension_host/
 * ext_loader.c) under ASan/UBSan, through the real stack below it: the
 * filesystem client, the filesystem server on an in-memory disk, lib/wasm
 * allocating from the real arena. Numbering follows the names' byte order;
 * only regular *.wasm files count; the size limit is checked before reading
 * (a file of exactly the limit is read, one byte more is not); each bad file
 * is one refusal line with its reason while the others load; more modules
 * than the host holds keeps the first by name; a reload sees a new file; and
 * unloading gives the arena back.
 *
 * Usage: loader_test DIR   (DIR holds the example extensions' .wasm files)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/extension_host/ext_loader.h"
#include "system/fs/fs_server.h"
#include "tests/fs/memdev.h"
#include "tests/harness.h"

#define CAP 8
#define DATA_SIZE (FS_CLIENT_DATA_OFF + 8192)
#define LIMIT 4096u

static const char *dir;
static fs_t *fs;
static fs_server_client_t server;
static fs_client_t fsc;
static _Alignas(64) uint8_t control[16384];
static _Alignas(64) uint8_t data[DATA_SIZE];
static ext_arena_t arena;
static _Alignas(16) uint8_t arena_memory[4u << 20];
static char console_log[32768];

static void expect(const char *name, bool ok)
{
    char full[128];
    snprintf(full, sizeof full, "ext-loader/%s", name);
    test_verdict(full, ok ? NULL : "the outcome above was not the one asserted");
}

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

static void serve(void *ctx)
{
    (void)ctx;
    fs_server_process(fs, &server, 1024);
}

static bool put(const char *path, const void *bytes, size_t len)
{
    uint32_t h;
    if (fs_client_open(&fsc, path, strlen(path), FS_OPEN_CREATE | FS_OPEN_TRUNC, &h) != 0)
        return false;
    bool ok = fs_client_pwrite(&fsc, h, 0, bytes, len) == 0;
    return fs_client_close(&fsc, h) == 0 && ok;
}

static bool put_example(const char *path, const char *example)
{
    char host_path[1024];
    static uint8_t buf[65536];
    snprintf(host_path, sizeof host_path, "%s/%s.wasm", dir, example);
    FILE *f = fopen(host_path, "rb");
    if (!f)
        return false;
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return put(path, buf, len);
}

static bool mkdir_fs(const char *path)
{
    fs_request_t rq = {.op = FS_OP_MKDIR, .path_len = fs_client_put_path(&fsc, 0, path, strlen(path))};
    return fs_client_wait(&fsc, fs_client_submit(&fsc, &rq)).status == 0;
}

static size_t occurrences(const char *text, const char *what)
{
    size_t n = 0;
    for (const char *p = strstr(text, what); p; p = strstr(p + 1, what))
        n++;
    return n;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2)
        return 2;
    dir = argv[1];
    memdev_t dev;
    memdev_init(&dev, 4096);
    fs_mkfs(&dev.dev, 9);
    void *fs_arena;
    char err[200];
    int rc;
    fs = memdev_mount(&dev, 0, &fs_arena, err, sizeof err, &rc);
    if (!fs || fs_server_attach(fs, &server, control, sizeof control, CAP, data, DATA_SIZE, "/", 1) != 0 ||
        fs_client_init(&fsc, control, sizeof control, CAP, data, DATA_SIZE, serve, NULL) != 0) {
        printf("FAIL: ext-loader/setup %s\n", err);
        return 1;
    }
    ext_arena_init(&arena, arena_memory, sizeof arena_memory);
    wasm_set_allocator(arena_realloc, NULL);
    static ext_host_t host;
    static volatile int32_t kv[EXT_KV_SLOTS];
    ext_host_init(&host, EXT_GRANT_LOG | EXT_GRANT_KV, kv, console);
    ext_loader_t l = {&host, &fsc, &arena, "/mods", 5, LIMIT};

    expect("missing_directory_is_reported", !ext_loader_load_dir(&l) && host.count == 0 &&
                                                strstr(console_log, "cannot open the extension directory: "
                                                                    "no such file\n") != NULL);

    static uint8_t zeros[LIMIT + 1];
    const uint8_t corrupt[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x60};
    bool made = mkdir_fs("mods") && put_example("/mods/counter.wasm", "counter") &&
                put_example("/mods/crasher.wasm", "crasher") && put("/mods/corrupt.wasm", corrupt, sizeof corrupt) &&
                put("/mods/huge.wasm", zeros, LIMIT + 1) && put("/mods/exact.wasm", zeros, LIMIT) &&
                put("/mods/notes.txt", "text", 4) && put("/mods/.wasm", "x", 1) && mkdir_fs("mods/sub.wasm") &&
                put_example("/mods/a-name-longer-than-the-host-keeps.wasm", "doubler");
    expect("directory_made", made);
    memset(console_log, 0, sizeof console_log);
    bool listed = ext_loader_load_dir(&l);
    /* Byte order: a-name..., corrupt, counter, crasher, exact, huge. */
    expect("numbering_follows_name_order",
           listed && host.count == 6 && ext_host_find(&host, "corrupt", 7) == 1 &&
               ext_host_find(&host, "counter", 7) == 2 && ext_host_find(&host, "crasher", 7) == 3 &&
               ext_host_find(&host, "exact", 5) == 4 && ext_host_find(&host, "huge", 4) == 5);
    expect("only_regular_module_files_count", ext_host_find(&host, "notes", 5) < 0 &&
                                                  ext_host_find(&host, "sub", 3) < 0 &&
                                                  occurrences(console_log, "'sub'") == 0);
    expect("good_ones_run", ext_host_running(&host) == 2 && host.exts[2].state == EXT_RUNNING &&
                                host.exts[3].state == EXT_RUNNING);
    expect("too_big_refused_unread_with_sizes",
           host.exts[5].state == EXT_REFUSED &&
               occurrences(console_log, "ext-host: refused 'huge': too big: 4097 bytes, limit 4096\n") == 1);
    expect("exactly_the_limit_is_read_then_judged",
           host.exts[4].state == EXT_REFUSED && occurrences(console_log, "refused 'exact': too big") == 0 &&
               occurrences(console_log, "refused 'exact': ") == 1);
    expect("corrupt_refused_with_reason", host.exts[1].state == EXT_REFUSED &&
                                              occurrences(console_log, "ext-host: refused 'corrupt': ") == 1);
    expect("long_name_refused", host.exts[0].state == EXT_REFUSED && strstr(console_log, "name too long") != NULL);
    expect("one_line_per_refusal", occurrences(console_log, "refused") == 4 &&
                                       occurrences(console_log, "\n") == 2 + 4);
    int32_t r = 0;
    expect("loaded_ones_serve", ext_host_request(&host, 2, 5, &r) == EXT_REPLY_OK && r == 5 &&
                                    ext_host_request(&host, 3, 2, &r) == EXT_REPLY_TRAPPED);

    expect("reload_sees_a_new_file", put_example("/mods/doubler.wasm", "doubler") && ext_loader_load_dir(&l) &&
                                         ext_host_find(&host, "doubler", 7) == 4 &&
                                         ext_host_request(&host, 4, 21, &r) == EXT_REPLY_OK && r == 42 &&
                                         ext_host_request(&host, 3, 1, &r) == EXT_REPLY_OK && r == 10);

    /* More modules than the host holds: the first EXT_HOST_MAX by name load, whatever the directory order. */
    bool many = mkdir_fs("many");
    for (int i = EXT_HOST_MAX + 3; i >= 0 && many; i--) {
        char p[64];
        snprintf(p, sizeof p, "/many/m%02d.wasm", i);
        many = put_example(p, "doubler");
    }
    memset(console_log, 0, sizeof console_log);
    ext_loader_t lm = {&host, &fsc, &arena, "/many", 5, LIMIT};
    many = many && ext_loader_load_dir(&lm);
    char last[8];
    snprintf(last, sizeof last, "m%02d", EXT_HOST_MAX - 1);
    expect("too_many_keeps_the_first_by_name",
           many && host.count == EXT_HOST_MAX && ext_host_find(&host, "m00", 3) == 0 &&
               ext_host_find(&host, last, 3) == EXT_HOST_MAX - 1 &&
               strstr(console_log, "more modules than the host holds") != NULL);

    ext_host_unload_all(&host);
    expect("unload_gives_the_arena_back", arena.in_use == 0 && arena.bad_frees == 0 && ext_arena_check(&arena));
    ext_loader_t root = {&host, &fsc, &arena, "/", 1, LIMIT};
    expect("root_directory_works", ext_loader_load_dir(&root) && host.count == 0);

    fs_unmount(fs);
    free(fs_arena);
    memdev_free(&dev);
    return test_failures ? 1 : 0;
}
