/*
 * A client of the filesystem PD for the QEMU power-cut test. It writes file
 * after file (names cycle through f0..f149, so the disk never fills), each
 * with content the host can recompute from its sequence number n,
 * queueing open, write, fsync and close as one batch of outstanding requests,
 * and prints "FSYNCED <pd name> <n> <size> <check>" once the fsync completed. The
 * host kills QEMU at a random moment and checks that every file printed is on
 * the disk, exact. It also proves its confinement: a path that climbs out of
 * its subtree must be refused. Several PDs run this same program; the name
 * the system description gives each PD tells their lines apart.
 */
#include <microkit.h>

#include "system/fs/fs_client.h"

#define FS_CHANNEL 0
#define CAPACITY 32
#define NAMES 150u

uintptr_t fs_control;
uintptr_t fs_data;
uint64_t fs_data_size;

static fs_client_t fsc;
static bool attached, started;

static uint32_t file_size(uint32_t n) { return 1 + (n * 7919u) % 70000u; }

static uint8_t file_byte(uint32_t n, uint32_t i) { return (uint8_t)(n * 31u + i * 7u + (i >> 9)); }

/* One console line per call, so lines of PDs that share the CPU do not mix. */
static char line[96];
static uint32_t line_len;

static void line_add(const char *s)
{
    while (*s && line_len + 1 < sizeof line)
        line[line_len++] = *s++;
    line[line_len] = 0;
}

static void line_add_dec(uint64_t v)
{
    char s[24], o[24];
    int k = 0;
    do {
        s[k++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < k; i++)
        o[i] = s[k - 1 - i];
    o[k] = 0;
    line_add(o);
}

static void line_say(const char *what)
{
    line_len = 0;
    line_add(what);
    line_add(" ");
    line_add(microkit_name);
}

static void line_end(void)
{
    line_add("\n");
    microkit_dbg_puts(line);
}

/* The filesystem PD runs above us: one notification and it has served the lot. */
static void notify_fs(void *ctx)
{
    (void)ctx;
    microkit_notify(FS_CHANNEL);
}

static uint32_t submit(fs_request_t rq)
{
    uint32_t id;
    while ((id = fs_client_submit(&fsc, &rq)) == 0)
        __asm__ volatile("pause");
    return id;
}

static fs_completion_t wait_for(uint32_t id) { return fs_client_wait(&fsc, id); }

static uint32_t put_path(uint64_t off, uint32_t n)
{
    char *p = (char *)fs_data + off;
    uint32_t len = 0;
    p[len++] = 'f';
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

static void run(void)
{
    /* Confinement first: climbing out must be refused. */
    char *p = (char *)fs_data;
    const char *escape = "../escape";
    uint32_t elen = 0;
    while (escape[elen]) {
        p[elen] = escape[elen];
        elen++;
    }
    fs_request_t rq = {FS_OP_OPEN, 0, 0, FS_OPEN_CREATE, 0, 0, 0, elen, 0, 0, 0, 0};
    fs_completion_t c = wait_for(submit(rq));
    /* The verdict goes on the disk, where the host reads it (console lines of
     * PDs that share the CPU can interleave). */
    const char *verdict = c.status == -22 ? "confined-ok" : "confinement-BROKEN";
    uint32_t vlen = 0;
    while (verdict[vlen]) {
        p[vlen] = verdict[vlen];
        vlen++;
    }
    fs_request_t mk = {FS_OP_OPEN, 0, 0, FS_OPEN_CREATE, 0, 0, 0, vlen, 0, 0, 0, 0};
    c = wait_for(submit(mk));
    fs_request_t cl0 = {FS_OP_CLOSE, 0, (uint32_t)c.result, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    if (c.status == 0)
        wait_for(submit(cl0));

    for (uint32_t n = 0;; n++) {
        uint32_t size = file_size(n);
        uint64_t data_off = 4096;
        if (data_off + size > fs_data_size)
            size = (uint32_t)(fs_data_size - data_off);
        uint8_t *d = (uint8_t *)fs_data + data_off;
        for (uint32_t i = 0; i < size; i++)
            d[i] = file_byte(n, i);
        uint32_t plen = put_path(0, n % NAMES);
        fs_request_t open = {FS_OP_OPEN, 0, 0, FS_OPEN_CREATE | FS_OPEN_TRUNC, 0, 0, 0, plen, 0, 0, 0, 0};
        uint32_t oid = submit(open);
        c = wait_for(oid);
        if (c.status) {
            line_say("WRITER open-failed");
            line_end();
            return;
        }
        uint32_t h = (uint32_t)c.result;
        /* Three requests outstanding at once: write, fsync, close. */
        fs_request_t w = {FS_OP_WRITE, 0, h, 0, 0, data_off, size, 0, 0, 0, 0, 0};
        fs_request_t s = {FS_OP_FSYNC, 0, h, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        fs_request_t cl = {FS_OP_CLOSE, 0, h, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        uint32_t wid = submit(w);
        uint32_t sid = submit(s);
        uint32_t cid = submit(cl);
        fs_completion_t wc = wait_for(wid), sc = wait_for(sid), cc = wait_for(cid);
        if (wc.status || wc.result != size || sc.status || cc.status) {
            line_say("WRITER write-failed");
            line_end();
            return;
        }
        /* The last field checks the line: the console may interleave
         * characters of PDs sharing the CPU, and the host drops bad lines. */
        line_say("FSYNCED");
        line_add(" ");
        line_add_dec(n);
        line_add(" ");
        line_add_dec(size);
        line_add(" ");
        line_add_dec(((uint64_t)n * 2654435761u + size) % 1000003u);
        line_end();
    }
}

void init(void)
{
    if (fs_client_init(&fsc, (void *)fs_control, fs_control_bytes(CAPACITY), CAPACITY, (void *)fs_data,
                       (size_t)fs_data_size, notify_fs, NULL) != 0) {
        line_say("WRITER bad-regions");
        line_end();
        return;
    }
    attached = true;
}

void notified(microkit_channel ch)
{
    /* The filesystem PD notifies once its rings are ready; then run for ever. */
    if (ch != FS_CHANNEL || started || !attached)
        return;
    started = true;
    run();
}
