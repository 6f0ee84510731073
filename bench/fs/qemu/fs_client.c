/*
 * The QEMU filesystem benchmark client: the workloads of bench/fs/fs_bench.c,
 * scaled down, through the filesystem PD's protocol, one request at a time.
 * Prints "FSB begin NAME" / "FSB end NAME COUNT UNIT" (the host times the
 * lines), then ends the run through the exit device. It takes turns with the
 * raw-partition baseline, workload by workload: it notifies the raw client,
 * which runs the same workload and notifies back, then runs its own.
 */
#include <microkit.h>

#include "system/fs/fs_protocol.h"
#include "lib/text/text.h"

#define FS_CH 0
#define RAW_CH 1
#define EXIT_IOPORT 0
#define CAPACITY 32
#define IO 65536u

uintptr_t fs_control;
uintptr_t fs_data;
uint64_t fs_data_size;

static fs_queue_t q;
static uint32_t next_id = 1;
static int ready;
static uint64_t rng = 0x2545F4914F6CDD1Dull;

static void put_dec(uint64_t v)
{
    char buf[TEXT_DECIMAL_SIZE];
    microkit_dbg_puts(text_decimal(buf, v));
}

static void mark(const char *what, const char *name, uint64_t count, const char *unit)
{
    microkit_dbg_puts("FSB ");
    microkit_dbg_puts(what);
    microkit_dbg_puts(" fs-");
    microkit_dbg_puts(name);
    if (unit) {
        microkit_dbg_puts(" ");
        put_dec(count);
        microkit_dbg_puts(" ");
        microkit_dbg_puts(unit);
    }
    microkit_dbg_puts("\n");
}

static fs_completion_t call(fs_request_t rq)
{
    uint32_t slot;
    rq.id = next_id++;
    while (ddf_ring_reserve(&q.req, &slot) != DDF_RING_OK)
        __asm__ volatile("pause");
    q.req_slots[slot] = rq;
    ddf_ring_publish(&q.req);
    microkit_notify(FS_CH);
    for (;;) {
        if (ddf_ring_peek(&q.cmp, &slot) == DDF_RING_OK) {
            fs_completion_t c = q.cmp_slots[slot];
            ddf_ring_release(&q.cmp);
            if (c.id == rq.id)
                return c;
            continue;
        }
        __asm__ volatile("pause");
    }
}

static uint32_t put_name(const char *prefix, uint32_t n)
{
    char *p = (char *)fs_data;
    uint32_t len = 0;
    while (prefix[len]) {
        p[len] = prefix[len];
        len++;
    }
    char d[12];
    int k = 0;
    do {
        d[k++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (k)
        p[len++] = d[--k];
    return len;
}

static int64_t open_path(const char *prefix, uint32_t n, uint32_t flags)
{
    fs_request_t rq = {FS_OP_OPEN, 0, 0, flags, 0, 0, 0, put_name(prefix, n), 0, 0, 0, 0};
    fs_completion_t c = call(rq);
    return c.status ? c.status : (int64_t)c.result;
}

static bool simple(uint32_t op, uint32_t h, uint64_t off, uint32_t len)
{
    fs_request_t rq = {op, 0, h, 0, off, 4096, len, 0, 0, 0, 0, 0};
    fs_completion_t c = call(rq);
    return c.status == 0;
}

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static bool ok = true;
static int64_t h = -1;
static uint32_t step;
static const uint64_t bytes = 8u << 20;

/* Workload `step` through the filesystem PD; false when there are no more. */
static bool run_step(void)
{
    uint64_t span = bytes / 4096;
    switch (step++) {
    case 0:
        h = open_path("seq", 0, FS_OPEN_CREATE | FS_OPEN_TRUNC);
        ok = h >= 0;
        mark("begin", "seqwrite", 0, 0);
        for (uint64_t off = 0; off < bytes && ok; off += IO)
            ok = simple(FS_OP_PWRITE, (uint32_t)h, off, IO);
        ok = ok && simple(FS_OP_FSYNC, (uint32_t)h, 0, 0);
        mark("end", "seqwrite", bytes, "bytes");
        return true;
    case 1:
        mark("begin", "seqread", 0, 0);
        for (uint64_t off = 0; off < bytes && ok; off += IO)
            ok = simple(FS_OP_PREAD, (uint32_t)h, off, IO);
        mark("end", "seqread", bytes, "bytes");
        return true;
    case 2:
        mark("begin", "randwrite", 0, 0);
        for (int i = 0; i < 500 && ok; i++)
            ok = simple(FS_OP_PWRITE, (uint32_t)h, (next_rand() % span) * 4096, 4096);
        ok = ok && simple(FS_OP_FSYNC, (uint32_t)h, 0, 0);
        mark("end", "randwrite", 500, "ops");
        return true;
    case 3:
        mark("begin", "randread", 0, 0);
        for (int i = 0; i < 1000 && ok; i++)
            ok = simple(FS_OP_PREAD, (uint32_t)h, (next_rand() % span) * 4096, 4096);
        mark("end", "randread", 1000, "ops");
        return true;
    case 4:
        mark("begin", "flush", 0, 0);
        for (int i = 0; i < 100 && ok; i++)
            ok = simple(FS_OP_PWRITE, (uint32_t)h, (uint64_t)(i % 16) * 4096, 4096) &&
                 simple(FS_OP_FSYNC, (uint32_t)h, 0, 0);
        mark("end", "flush", 100, "ops");
        ok = ok && simple(FS_OP_CLOSE, (uint32_t)h, 0, 0);
        return true;
    default:
        break;
    }
    /* Creates and deletes have no raw counterpart. The root is the empty path. */
    fs_request_t root = {FS_OP_OPEN, 0, 0, FS_OPEN_DIRECTORY, 0, 0, 0, 0, 0, 0, 0, 0};
    fs_completion_t rc = call(root);
    uint32_t dh = (uint32_t)rc.result;
    ok = ok && rc.status == 0;
    mark("begin", "create", 0, 0);
    for (uint32_t i = 0; i < 300 && ok; i++) {
        int64_t fh = open_path("c", i, FS_OPEN_CREATE | FS_OPEN_EXCL);
        ok = fh >= 0 && simple(FS_OP_CLOSE, (uint32_t)fh, 0, 0);
    }
    ok = ok && simple(FS_OP_FSYNC, dh, 0, 0);
    mark("end", "create", 300, "files");
    mark("begin", "delete", 0, 0);
    for (uint32_t i = 0; i < 300 && ok; i++) {
        fs_request_t rq = {FS_OP_UNLINK, 0, 0, 0, 0, 0, 0, put_name("c", i), 0, 0, 0, 0};
        ok = call(rq).status == 0;
    }
    ok = ok && simple(FS_OP_FSYNC, dh, 0, 0);
    mark("end", "delete", 300, "files");
    microkit_dbg_puts(ok ? "FSB fs done\n" : "FSB fs FAILED\n");
    microkit_x86_ioport_write_32(EXIT_IOPORT, 0xf4, ok ? 0 : 1);
    return false;
}

void init(void)
{
    if (fs_queue_attach(&q, (void *)fs_control, fs_control_bytes(CAPACITY), CAPACITY, true, false) != DDF_RING_OK)
        microkit_dbg_puts("FSB fs: bad control region\n");
}

void notified(microkit_channel ch)
{
    if (ch == FS_CH && !(ready & 1)) {
        ready |= 1;
    } else if (ch == RAW_CH && ready == 3) {
        /* The raw client finished workload `step`: run ours, then hand over. */
        if (run_step() && step < 5)
            microkit_notify(RAW_CH);
        else if (step == 5)
            run_step();
        return;
    } else if (ch == RAW_CH) {
        ready |= 2;
    } else {
        return;
    }
    if (ready == 3)
        microkit_notify(RAW_CH); /* both ready: the raw client goes first */
}
