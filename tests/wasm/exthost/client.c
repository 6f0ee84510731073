/*
 * Drives the extension host in QEMU: well-behaved, crashing, looping and
 * over-asking extensions, then the well-behaved one again, checking each
 * reply and the key-value store it can see. Reports KTEST CHECK lines and
 * the verdict on QEMU's exit device.
 */
#include <stdbool.h>
#include <stdint.h>
#include <microkit.h>

#define EXT_HOST 1
enum { COUNTER = 0, CRASHER = 1, LOOPER = 2, GREEDY = 3, MISSING = 7 };
enum { OK = 0, TRAPPED = 1, STOPPED = 2, NO_SUCH = 3 };

uintptr_t kv_vaddr;
uint64_t exit_ioport_id;
uint64_t exit_ioport_addr;

static int failures;

static void check(const char *name, uint64_t label, int64_t result, uint64_t want_label, int64_t want_result)
{
    bool ok = label == want_label && (want_label != OK || result == want_result);
    microkit_dbg_puts("KTEST CHECK ");
    microkit_dbg_puts(name);
    microkit_dbg_puts(ok ? " ok\n" : " FAIL unexpected reply\n");
    if (!ok)
        failures++;
}

static void request(const char *name, uint32_t ext, int32_t arg, uint64_t want_label, int32_t want_result)
{
    microkit_mr_set(0, (uint32_t)arg);
    microkit_msginfo reply = microkit_ppcall(EXT_HOST, microkit_msginfo_new(ext, 1));
    int32_t result = (int32_t)(uint32_t)microkit_mr_get(0);
    check(name, microkit_msginfo_get_label(reply), result, want_label, want_result);
}

void init(void)
{
    request("counter-first", COUNTER, 1, OK, 1);
    request("counter-second", COUNTER, 2, OK, 3);
    request("crasher-healthy", CRASHER, 1, OK, 10);
    request("crasher-traps", CRASHER, 2, TRAPPED, 0);
    request("crasher-stays-stopped", CRASHER, 1, STOPPED, 0);
    request("looper-healthy", LOOPER, 1, OK, 101);
    request("looper-out-of-fuel", LOOPER, 2, TRAPPED, 0);
    request("looper-stays-stopped", LOOPER, 1, STOPPED, 0);
    request("greedy-was-refused", GREEDY, 1, STOPPED, 0);
    request("no-such-extension", MISSING, 1, NO_SUCH, 0);
    request("counter-still-serving", COUNTER, 3, OK, 6);
    volatile const int32_t *kv = (volatile const int32_t *)kv_vaddr;
    check("kv-region-holds-counter", OK, kv[0], OK, 6);
    microkit_dbg_puts("KTEST END\n");
    microkit_x86_ioport_write_8(exit_ioport_id, exit_ioport_addr, failures ? 1 : 0);
}

void notified(microkit_channel ch) { (void)ch; }
