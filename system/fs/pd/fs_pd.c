/*
 * The filesystem protection domain: a thin wrapper that mounts the
 * filesystem library on a partition served by the block virtualiser and
 * serves its clients' request queues (system/fs/fs_protocol.h).
 *
 * Block I/O is synchronous from the library's point of view: a request goes
 * on the blk ring, the virtualiser is notified, and this PD polls the
 * response ring. That is sound because the system description gives the
 * virtualiser and the driver higher priorities than this PD: a notification
 * to them runs them at once, and the device's completion interrupt preempts
 * this PD's polling. Client PDs sit below this PD.
 *
 * Regions are bound by the builder (setvar_vaddr / setvar_size) to the
 * symbols below; a client whose regions are missing or too small is not
 * served. The configuration comes from the read-only region `fs_config`
 * (prefilled text, system/fs/fs_config.h); if it is missing or wrong in any
 * way this PD says which line and why, and serves no one. The library's arena is static, so the PD's memory is fixed.
 */
#include <microkit.h>

#include "ddf/blk.h"
#include "system/fs/fs.h"
#include "system/fs/fs_config.h"
#include "system/fs/fs_format.h"
#include "system/fs/fs_server.h"
#include "system/fs/pd/fs_pd.h"
#include "lib/text/text.h"

uintptr_t fs_config;
uint64_t fs_config_size;
uintptr_t blk_control;
uintptr_t blk_data;
uint64_t blk_control_size;
uint64_t blk_data_size;
uintptr_t client0_control, client1_control, client2_control, client3_control;
uint64_t client0_control_size, client1_control_size, client2_control_size, client3_control_size;
uintptr_t client0_data, client1_data, client2_data, client3_data;
uint64_t client0_data_size, client1_data_size, client2_data_size, client3_data_size;

#define ARENA_BYTES (3u << 20)
static uint8_t arena[ARENA_BYTES] __attribute__((aligned(4096)));
static blk_queue_t blk;
static uint32_t blk_seq;
static fs_t *fs;
static fs_server_client_t clients[FS_PD_MAX_CLIENTS];
static bool client_ok[FS_PD_MAX_CLIENTS];
static fs_config_t cfg;

static void say(const char *a, const char *b)
{
    microkit_dbg_puts("fs: ");
    microkit_dbg_puts(a);
    microkit_dbg_puts(b);
    microkit_dbg_puts("\n");
}

/* One blk request, waited for by polling (see the design comment). */
static int blk_one(uint32_t code, uint64_t block, uint32_t count)
{
    blk_req_t rq = {code, ++blk_seq, 0, block, count, 0};
    if (blk_req_enqueue(&blk, &rq) != DDF_RING_OK)
        return -1;
    microkit_notify(cfg.blk_channel);
    blk_resp_t rs;
    while (blk_resp_dequeue(&blk, &rs) != DDF_RING_OK)
        __asm__ volatile("pause");
    return rs.id == rq.id && rs.status == BLK_RESP_OK ? 0 : -1;
}

static uint32_t blk_max_blocks(void)
{
    uint64_t n = blk_data_size / BLK_TRANSFER_SIZE;
    uint32_t m = blk.info->max_count;
    if (m && n > m)
        n = m;
    return n ? (uint32_t)n : 1;
}

static int dev_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    (void)ctx;
    uint8_t *out = buf;
    while (count) {
        uint32_t n = count < blk_max_blocks() ? count : blk_max_blocks();
        if (blk_one(BLK_REQ_READ, block, n))
            return -1;
        fs_memcpy(out, (const void *)blk_data, (size_t)n * BLK_TRANSFER_SIZE);
        out += (size_t)n * BLK_TRANSFER_SIZE;
        block += n;
        count -= n;
    }
    return 0;
}

static int dev_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    (void)ctx;
    const uint8_t *in = buf;
    while (count) {
        uint32_t n = count < blk_max_blocks() ? count : blk_max_blocks();
        fs_memcpy((void *)blk_data, in, (size_t)n * BLK_TRANSFER_SIZE);
        if (blk_one(BLK_REQ_WRITE, block, n))
            return -1;
        in += (size_t)n * BLK_TRANSFER_SIZE;
        block += n;
        count -= n;
    }
    return 0;
}

static int dev_flush(void *ctx)
{
    (void)ctx;
    return blk_one(BLK_REQ_FLUSH, 0, 0);
}

static void client_regions(uint32_t i, uintptr_t *control, uint64_t *control_size, uintptr_t *data,
                           uint64_t *data_size)
{
    const uintptr_t controls[] = {client0_control, client1_control, client2_control, client3_control};
    const uint64_t control_sizes[] = {client0_control_size, client1_control_size, client2_control_size,
                                      client3_control_size};
    const uintptr_t datas[] = {client0_data, client1_data, client2_data, client3_data};
    const uint64_t data_sizes[] = {client0_data_size, client1_data_size, client2_data_size, client3_data_size};
    *control = controls[i];
    *control_size = control_sizes[i];
    *data = datas[i];
    *data_size = data_sizes[i];
}

static void say_number(uint32_t v)
{
    char buf[TEXT_DECIMAL_SIZE];
    microkit_dbg_puts(text_decimal(buf, v));
}

/* Reads the configuration region; false (after saying why) when it is unusable. */
static bool read_config(void)
{
    if (!fs_config || !fs_config_size) {
        say("no configuration region (fs_config)", "");
        return false;
    }
    fs_config_error_t e;
    if (!fs_config_parse((const volatile char *)fs_config, (size_t)fs_config_size, &cfg, &e)) {
        microkit_dbg_puts("fs: config");
        if (e.line) {
            microkit_dbg_puts(" line ");
            say_number(e.line);
            microkit_dbg_puts(": ");
        } else {
            microkit_dbg_puts(": ");
        }
        microkit_dbg_puts(e.what);
        microkit_dbg_puts("; serving no one\n");
        return false;
    }
    return true;
}

void init(void)
{
    static fs_blockdev_t dev;
    if (!read_config())
        return;
    if (!blk_control || !blk_data || blk_attach(&blk, (void *)blk_control, blk_control_size ? blk_control_size : 0x10000,
                                                 cfg.blk_capacity, true, false) != DDF_RING_OK) {
        say("no block connection", "");
        return;
    }
    /* The virtualiser fills the storage information and sets ready last. */
    while (!__atomic_load_n(&blk.info->ready, __ATOMIC_ACQUIRE))
        __asm__ volatile("pause");
    dev = (fs_blockdev_t){NULL, blk.info->capacity, dev_read, dev_write, dev_flush};
    fs_mount_opts_t opts = {0};
    opts.cache_nodes = cfg.cache_nodes;
    size_t need = fs_arena_size(dev.block_count, opts.cache_nodes);
    if (need == 0 || need > sizeof arena) {
        say("partition too large for this PD's arena", "");
        return;
    }
    static char err[160];
    int r = fs_mount(&fs, &dev, &opts, arena, sizeof arena, err, sizeof err);
    if (r == FS_EINVAL) {
        say("no filesystem yet, formatting: ", err);
        r = fs_mkfs(&dev, cfg.format_seed);
        if (r == FS_OK)
            r = fs_mount(&fs, &dev, &opts, arena, sizeof arena, err, sizeof err);
    }
    if (r != FS_OK) {
        say("mount failed: ", err);
        fs = NULL;
        return;
    }
    say("mounted", "");
    for (uint32_t i = 0; i < cfg.client_count && i < FS_PD_MAX_CLIENTS; i++) {
        uintptr_t control, data;
        uint64_t control_size, data_size;
        client_regions(i, &control, &control_size, &data, &data_size);
        const char *root = cfg.clients[i].root;
        size_t root_len = cfg.clients[i].root_len;
        if (!control || !data ||
            fs_server_attach(fs, &clients[i], (void *)control, control_size, cfg.clients[i].capacity,
                             (void *)data, data_size, root, root_len) != FS_OK) {
            say("cannot serve a client confined to ", root);
            continue;
        }
        client_ok[i] = true;
        /* The rings are initialised: the client may start. */
        microkit_notify(cfg.clients[i].channel);
    }
}

void notified(microkit_channel ch)
{
    if (!fs)
        return;
    /* Any notification: serve every client until its queue is empty. */
    (void)ch;
    for (uint32_t i = 0; i < cfg.client_count && i < FS_PD_MAX_CLIENTS; i++) {
        if (!client_ok[i])
            continue;
        if (fs_server_process(fs, &clients[i], 1024))
            microkit_notify(cfg.clients[i].channel);
    }
}
