/*
 * Drives the extension host that loads from the filesystem, in QEMU. The
 * disk the host test made holds, in /extensions, the example extensions, a
 * corrupt module, an oversized one and a file that is not a module. This
 * client checks by name and by number that the good ones answer, the refused
 * ones do not, the crasher and the looper are stopped while the others keep
 * serving; then it writes a new module into the directory through the
 * filesystem PD, asks for a reload, and checks that the new one answers, the
 * stopped ones run again, and a second reload leaves the arena exactly as
 * full as the first (every byte of the unloaded extensions came back).
 * Reports KTEST CHECK lines and the verdict on QEMU's exit device.
 */
#include <stdbool.h>
#include <stdint.h>
#include <microkit.h>

#include "service/extension_host/ext_protocol.h"
#include "system/fs/fs_client.h"

#define EXT_HOST 1
#define FS 2
#define FS_CAPACITY 8
enum { OK = 0, TRAPPED = 1, STOPPED = 2, NO_SUCH = 3 };

uintptr_t kv_vaddr;
uintptr_t fs_control;
uint64_t fs_control_size;
uintptr_t fs_data;
uint64_t fs_data_size;
uint64_t exit_ioport_id;
uint64_t exit_ioport_addr;

extern const uint8_t new_module_start[];
extern const uint64_t new_module_size;

static fs_client_t fsc;
static bool fs_up, host_up, ran;
static int failures;

static void check(const char *name, bool ok)
{
    microkit_dbg_puts("KTEST CHECK ");
    microkit_dbg_puts(name);
    microkit_dbg_puts(ok ? " ok\n" : " FAIL unexpected reply\n");
    if (!ok)
        failures++;
}

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static bool reply_is(microkit_msginfo reply, uint64_t want_label, int32_t want_result)
{
    uint64_t label = microkit_msginfo_get_label(reply);
    return label == want_label && (want_label != OK || (int32_t)(uint32_t)microkit_mr_get(0) == want_result);
}

static microkit_msginfo call_name(const char *ext, int32_t arg)
{
    uint64_t words[EXT_PROTO_NAME_WORDS];
    ext_proto_pack_name(ext, length(ext), words);
    microkit_mr_set(0, (uint32_t)arg);
    for (uint32_t w = 0; w < EXT_PROTO_NAME_WORDS; w++)
        microkit_mr_set((seL4_Uint8)(1 + w), words[w]);
    return microkit_ppcall(EXT_HOST, microkit_msginfo_new(EXT_LABEL_CALL_BY_NAME, 1 + EXT_PROTO_NAME_WORDS));
}

static void by_name(const char *check_name, const char *ext, int32_t arg, uint64_t want_label, int32_t want)
{
    check(check_name, reply_is(call_name(ext, arg), want_label, want));
}

static int64_t find(const char *ext)
{
    uint64_t words[EXT_PROTO_NAME_WORDS];
    ext_proto_pack_name(ext, length(ext), words);
    for (uint32_t w = 0; w < EXT_PROTO_NAME_WORDS; w++)
        microkit_mr_set((seL4_Uint8)w, words[w]);
    microkit_msginfo reply = microkit_ppcall(EXT_HOST, microkit_msginfo_new(EXT_LABEL_FIND, EXT_PROTO_NAME_WORDS));
    return microkit_msginfo_get_label(reply) == OK ? (int64_t)microkit_mr_get(0) : -1;
}

static microkit_msginfo by_index(uint32_t index, int32_t arg)
{
    microkit_mr_set(0, (uint32_t)arg);
    return microkit_ppcall(EXT_HOST, microkit_msginfo_new(index, 1));
}

typedef struct {
    bool ok;
    uint64_t running, refused, arena;
} reload_t;

static reload_t reload(void)
{
    microkit_msginfo reply = microkit_ppcall(EXT_HOST, microkit_msginfo_new(EXT_LABEL_RELOAD, 0));
    reload_t r = {microkit_msginfo_get_label(reply) == OK, microkit_mr_get(0), microkit_mr_get(1),
                  microkit_mr_get(2)};
    return r;
}

static void notify_fs(void *ctx)
{
    (void)ctx;
    microkit_notify(FS);
}

/* Writes the new module into the extension directory (this client's root) and makes it durable. */
static bool write_module(void)
{
    uint32_t h;
    size_t len = (size_t)new_module_size;
    if (fs_client_open(&fsc, "doubler.wasm", 12, FS_OPEN_CREATE | FS_OPEN_TRUNC, &h) != 0)
        return false;
    bool ok = fs_client_pwrite(&fsc, h, 0, new_module_start, len) == 0 && fs_client_fsync(&fsc, h) == 0;
    return fs_client_close(&fsc, h) == 0 && ok;
}

static void run(void)
{
    volatile const int32_t *kv = (volatile const int32_t *)kv_vaddr;
    by_name("counter-first", "counter", 1, OK, 1);
    by_name("counter-second", "counter", 2, OK, 3);
    by_name("crasher-healthy", "crasher", 1, OK, 10);
    by_name("crasher-traps", "crasher", 2, TRAPPED, 0);
    by_name("crasher-stays-stopped", "crasher", 1, STOPPED, 0);
    by_name("looper-healthy", "looper", 1, OK, 101);
    by_name("looper-out-of-fuel", "looper", 2, TRAPPED, 0);
    by_name("looper-stays-stopped", "looper", 1, STOPPED, 0);
    by_name("greedy-was-refused", "greedy", 1, STOPPED, 0);
    by_name("corrupt-was-refused", "corrupt", 1, STOPPED, 0);
    by_name("huge-was-refused", "huge", 1, STOPPED, 0);
    by_name("non-module-file-ignored", "notes", 1, NO_SUCH, 0);
    by_name("no-such-name", "nobody", 1, NO_SUCH, 0);
    /* Numbering follows the names' byte order: corrupt counter crasher greedy huge looper. */
    int64_t counter = find("counter");
    check("find-numbers-in-name-order", counter == 1 && find("looper") == 5 && find("corrupt") == 0 &&
                                            find("doubler") < 0);
    check("counter-by-number", counter >= 0 && reply_is(by_index((uint32_t)counter, 3), OK, 6));
    check("no-such-number", reply_is(by_index(6, 1), NO_SUCH, 0) && reply_is(by_index(0xff, 1), NO_SUCH, 0));
    check("kv-region-holds-counter", kv[0] == 6);
    by_name("new-module-not-yet-there", "doubler", 21, NO_SUCH, 0);

    check("client-writes-module-through-fs", write_module());
    reload_t first = reload();
    check("reload-counts", first.ok && first.running == 4 && first.refused == 3);
    by_name("new-module-answers-after-reload", "doubler", 21, OK, 42);
    by_name("crasher-runs-again-after-reload", "crasher", 1, OK, 10);
    by_name("looper-runs-again-after-reload", "looper", 1, OK, 101);
    by_name("counter-keeps-kv-across-reload", "counter", 4, OK, 10);
    by_name("crasher-traps-again", "crasher", 2, TRAPPED, 0);
    by_name("huge-still-refused", "huge", 1, STOPPED, 0);
    reload_t second = reload();
    check("second-reload-same-counts", second.ok && second.running == 4 && second.refused == 3);
    check("reload-gives-every-byte-back", first.arena > 0 && second.arena == first.arena);
    by_name("crasher-healthy-after-second-reload", "crasher", 1, OK, 10);
    microkit_dbg_puts("KTEST END\n");
    microkit_x86_ioport_write_8(exit_ioport_id, exit_ioport_addr, failures ? 1 : 0);
}

void init(void)
{
    if (fs_client_init(&fsc, (void *)fs_control, (size_t)fs_control_size, FS_CAPACITY, (void *)fs_data,
                       (size_t)fs_data_size, notify_fs, NULL) != 0) {
        check("client-fs-regions", false);
        microkit_x86_ioport_write_8(exit_ioport_id, exit_ioport_addr, 1);
    }
}

void notified(microkit_channel ch)
{
    /* Start once the filesystem PD has set up our rings and the extension host has loaded. */
    if (ch == FS)
        fs_up = true;
    if (ch == EXT_HOST)
        host_up = true;
    if (fs_up && host_up && !ran) {
        ran = true;
        run();
    }
}
