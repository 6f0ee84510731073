/*
 * Exhaustive power-cut test.
 *
 * A reference run performs a fixed workload of creates, writes, renames,
 * deletes, truncates and fsyncs, recording at every commit which device
 * write carried its superblock and what the visible tree was just before and
 * just after the operation during which the commit happened.
 *
 * Then, for every N from 0 to the number of writes, the workload is run
 * again from the freshly made filesystem on a device that drops every write
 * from the N-th on (and, in a second pass, tears write N in half). The
 * device is then "powered up": the filesystem must mount, fsck must find
 * nothing, and the visible tree must be exactly the tree of the last commit
 * whose superblock write completed. Every file fsynced before the cut is
 * therefore exact, and nothing half-done is visible.
 *
 * Usage: fs_powercut_test [OPS]
 */
#include "system/fs/fs_fsck.h"
#include "tests/fs/memdev.h"
#include "tests/fs/ops.h"

#define MAX_COMMITS 4096
#define CACHE 128
#define BLOCKS 1024

typedef struct {
    uint64_t sb_write; /* index of the device write that carried the superblock */
    int op;            /* operation during which it happened */
} commit_t;

static commit_t commits[MAX_COMMITS];
static model_t *before[MAX_COMMITS], *after[MAX_COMMITS];
static int ncommits;
static int cur_op;
static model_t *cur_model;
static memdev_t *cur_dev;
static bool recording;

static void on_commit(void *ctx, uint64_t generation)
{
    (void)ctx;
    (void)generation;
    if (!recording || ncommits == MAX_COMMITS)
        return;
    commits[ncommits].sb_write = cur_dev->writes - 1;
    commits[ncommits].op = cur_op;
    before[ncommits] = malloc(sizeof(model_t));
    model_copy(before[ncommits], cur_model);
    after[ncommits] = NULL;
    ncommits++;
}

static void quiet(void *ctx, bool problem, const char *msg)
{
    (void)ctx;
    if (problem)
        printf("  fsck: %s\n", msg);
}

static uint32_t dirty_limit;

static fs_t *mount_dev(memdev_t *dev, void **arena, bool hook)
{
    fs_mount_opts_t o;
    memset(&o, 0, sizeof o);
    o.dirty_limit = dirty_limit;
    o.cache_nodes = CACHE;
    o.on_commit = hook ? on_commit : NULL;
    size_t need = fs_arena_size(dev->blocks, CACHE);
    *arena = malloc(need);
    fs_t *fs = NULL;
    char err[200];
    int r = fs_mount(&fs, &dev->dev, &o, *arena, need, err, sizeof err);
    if (r) {
        printf("  mount failed: %s (%s)\n", err, fs_strerror(r));
        free(*arena);
        return NULL;
    }
    return fs;
}

static op_t *workload;
static bool verbose;
static int nops;

/* A fixed workload biased towards changes, with an fsync every few steps. */
static void make_workload(int n)
{
    uint64_t rng = 0xC0FFEEull;
    model_t sim;
    model_init(&sim);
    workload = calloc((size_t)n, sizeof *workload);
    nops = n;
    for (int i = 0; i < n; i++) {
        op_t *op = &workload[i];
        op_random_live(&rng, op, &sim, 100000);
        if (op->kind == OP_READ)
            op->kind = OP_WRITE;
        if (i % 4 == 3)
            op->kind = OP_FSYNC;
        /* Simulate on the model alone, so later operations pick live names. */
        static uint8_t buf[1 << 17];
        switch (op->kind) {
        case OP_CREATE: model_make(&sim, op->a, false); break;
        case OP_MKDIR: model_make(&sim, op->a, true); break;
        case OP_WRITE: model_write(&sim, op->a, op->off, buf, op->len); break;
        case OP_TRUNCATE: model_truncate(&sim, op->a, (size_t)op->off); break;
        case OP_UNLINK: model_remove(&sim, op->a, false); break;
        case OP_RMDIR: model_remove(&sim, op->a, true); break;
        case OP_RENAME: model_rename(&sim, op->a, op->b); break;
        default: break;
        }
    }
    model_free(&sim);
}

/* Runs the workload until the device has taken `stop_after` writes (or to the end). */
static void run_workload(fs_t *fs, memdev_t *dev, model_t *model, uint64_t stop_after)
{
    for (int i = 0; i < nops && dev->writes <= stop_after; i++) {
        int frc, mrc;
        int first = ncommits;
        cur_op = i;
        op_apply(fs, model, &workload[i], &frc, &mrc);
        if (verbose)
            printf("  op %d %s %s %s off %llu len %u: %d/%d writes %llu\n", i, op_names[workload[i].kind],
                   workload[i].a, workload[i].b, (unsigned long long)workload[i].off, workload[i].len, frc, mrc,
                   (unsigned long long)dev->writes);
        if (recording) {
            for (int c = first; c < ncommits; c++) {
                after[c] = malloc(sizeof(model_t));
                model_copy(after[c], model);
            }
        }
    }
}

/*
 * Deleting a file too large for one transaction spans several commits (see
 * free_chunks in fs.c). Cut the power at every write of such a delete: the
 * file must be wholly there or wholly gone, fsck clean, and once mount has
 * finished the delete, every one of its blocks free again.
 */
static int large_delete_cuts(void)
{
    /* One block in each of many chunks: more chunk items than one transaction may hold. */
    enum { BIG_BLOCKS = 2048, CHUNKS = 60 };
    memdev_t tmpl;
    memdev_init(&tmpl, BIG_BLOCKS);
    fs_mkfs(&tmpl.dev, 7);
    void *arena;
    fs_t *fs = mount_dev(&tmpl, &arena, false);
    fs_statfs_t sf0, sf;
    fs_statfs(fs, &sf0);
    uint64_t ino;
    static uint8_t buf[4096];
    memset(buf, 0xab, sizeof buf);
    fs_create(fs, FS_ROOT_INO, "big", 3, &ino);
    for (int i = 0; i < CHUNKS; i++)
        fs_write_all(fs, ino, (uint64_t)i * 65536, buf, sizeof buf);
    fs_create(fs, FS_ROOT_INO, "keep", 4, &ino);
    fs_write_all(fs, ino, 0, buf, 100);
    fs_unmount(fs);
    free(arena);
    fs = mount_dev(&tmpl, &arena, false);
    fs_statfs(fs, &sf);
    uint64_t free_with_big = sf.free_blocks;
    fs_unmount(fs);
    free(arena);

    /* Commit at every step, so the delete spans many commits. */
    dirty_limit = 1;
    memdev_t ref;
    memdev_clone(&ref, &tmpl);
    fs = mount_dev(&ref, &arena, false);
    fs_unlink(fs, FS_ROOT_INO, "big", 3);
    fs_unmount(fs);
    free(arena);
    uint64_t total = ref.writes;
    fs = mount_dev(&ref, &arena, false);
    fs_statfs(fs, &sf);
    uint64_t free_without_big = sf.free_blocks;
    fs_unmount(fs);
    free(arena);
    memdev_free(&ref);

    int bad = 0, gone = 0, there = 0;
    for (uint64_t n = 0; n <= total && bad < 5; n++) {
        memdev_t dev;
        memdev_clone(&dev, &tmpl);
        dev.cut_after = n;
        fs = mount_dev(&dev, &arena, false);
        fs_unlink(fs, FS_ROOT_INO, "big", 3);
        free(arena);
        dev.cut_after = UINT64_MAX;
        fs = mount_dev(&dev, &arena, false);
        bool ok = fs != NULL;
        if (ok) {
            fs_stat_t st;
            int r = fs_lookup(fs, FS_ROOT_INO, "big", 3, &ino);
            fs_statfs(fs, &sf);
            if (r == FS_ENOENT) {
                gone++;
                ok = sf.free_blocks == free_without_big;
            } else {
                there++;
                ok = r == FS_OK && fs_stat(fs, ino, &st) == FS_OK && st.size == (uint64_t)(CHUNKS - 1) * 65536 + sizeof buf &&
                     sf.free_blocks == free_with_big;
            }
            ok = ok && fs_lookup(fs, FS_ROOT_INO, "keep", 4, &ino) == FS_OK;
            fs_unmount(fs);
            free(arena);
            fs_fsck_result_t res;
            ok = ok && fs_fsck(&dev.dev, quiet, NULL, &res) == FS_OK;
        }
        if (!ok) {
            printf("  large delete cut at write %llu: wrong state after recovery (free %llu)\n",
                   (unsigned long long)n, (unsigned long long)sf.free_blocks);
            bad++;
        }
        memdev_free(&dev);
    }
    memdev_free(&tmpl);
    dirty_limit = 0;
    bool spans = gone > 1 && there > 0 && free_without_big > free_with_big && sf0.free_blocks > free_with_big;
    printf("%s: powercut_large_delete_is_all_or_nothing (%llu cut points, %d gone, %d intact)\n",
           bad || !spans ? "FAIL" : "PASS", (unsigned long long)total + 1, gone, there);
    return bad || !spans;
}

/* Whether `got` is the state of commit c: before or after the operation that made it. */
static bool matches(int c, model_t *empty, model_t *got)
{
    if (c < 0)
        return model_compare(empty, got, NULL) == 0;
    return model_compare(before[c], got, NULL) == 0 || (after[c] && model_compare(after[c], got, NULL) == 0);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    make_workload(argc > 1 ? (int)strtol(argv[1], NULL, 10) : 120);
    verbose = argc > 2;

    /* The template: a freshly made filesystem. */
    memdev_t tmpl;
    memdev_init(&tmpl, BLOCKS);
    fs_mkfs(&tmpl.dev, 42);

    /* Reference run. */
    memdev_t ref;
    memdev_clone(&ref, &tmpl);
    model_t model;
    model_init(&model);
    void *arena;
    cur_dev = &ref;
    cur_model = &model;
    recording = true;
    fs_t *fs = mount_dev(&ref, &arena, true);
    if (!fs)
        return 1;
    run_workload(fs, &ref, &model, UINT64_MAX);
    verbose = false;
    cur_op = nops;
    fs_unmount(fs);
    free(arena);
    recording = false;
    uint64_t total = ref.writes;
    printf("reference run: %d operations, %d commits, %llu block writes\n", nops, ncommits,
           (unsigned long long)total);
    model_t empty;
    model_init(&empty);

    int failures = 0;
    static const char *const modes[] = {"", " (torn)", " (unflushed writes reordered)"};
    static const char *const names[] = {"dropped", "torn", "unflushed_writes_reordered"};
    /* Three ways to lose power: later writes dropped; the write at the cut
     * torn in half; and a volatile write cache, where any subset of the
     * writes since the last flush lands, in any order. */
    for (int torn = 0; torn <= 2; torn++) {
        bool reorder = torn == 2;
        int bad = 0;
        for (uint64_t n = 0; n <= total; n++) {
            memdev_t dev;
            memdev_clone(&dev, &tmpl);
            dev.cut_after = n;
            dev.torn = torn == 1;
            dev.reorder = reorder;
            model_t m;
            model_init(&m);
            cur_dev = &dev;
            cur_model = &m;
            fs = mount_dev(&dev, &arena, false);
            if (fs) {
                run_workload(fs, &dev, &m, n);
                free(arena); /* the power is gone: no unmount */
            }
            model_free(&m);
            if (reorder)
                memdev_power_fail(&dev, n * 0x9E3779B97F4A7C15ull + 1);
            /* Power comes back. */
            dev.cut_after = UINT64_MAX;
            /* The last commit whose superblock reached the disk. A torn
             * superblock write may or may not have: its fields and crc sit
             * in the first sector, which a torn write keeps. */
            int last = -1, maybe = -1;
            for (int c = 0; c < ncommits; c++) {
                if (reorder ? commits[c].sb_write < n && memdev_write_landed(&dev, commits[c].sb_write)
                            : commits[c].sb_write < n)
                    last = c;
                if (torn == 1 && commits[c].sb_write == n)
                    maybe = c;
            }
            bool ok = false;
            fs = mount_dev(&dev, &arena, false);
            if (fs) {
                model_t got;
                model_init(&got);
                int r = model_from_fs(fs, &got, FS_ROOT_INO, "");
                char where[80];
                snprintf(where, sizeof where, "cut at write %llu%s", (unsigned long long)n, modes[torn]);
                if (r) {
                    printf("  %s: reading the tree failed: %s\n", where, fs_strerror(r));
                } else {
                    ok = matches(last, &empty, &got) || (maybe >= 0 && matches(maybe, &empty, &got));
                    if (!ok) {
                        printf("  %s: the tree is not the state of commit %d", where, last);
                        if (last >= 0 && commits[last].op < nops)
                            printf(" (op %d, %s)", commits[last].op, op_names[workload[commits[last].op].kind]);
                        printf("\n");
                        if (last >= 0)
                            model_compare(before[last], &got, where);
                    }
                }
                model_free(&got);
                /* The recovered filesystem takes new work. */
                uint64_t ino;
                if (ok && (fs_create(fs, FS_ROOT_INO, "after-cut", 9, &ino) != FS_OK ||
                           fs_pwrite(fs, ino, 0, "x", 1) != 1)) {
                    printf("  %s: the recovered filesystem refuses new files\n", where);
                    ok = false;
                }
                if (fs_unmount(fs) != FS_OK)
                    ok = false;
                free(arena);
                fs_fsck_result_t res;
                if (ok && fs_fsck(&dev.dev, quiet, NULL, &res) != FS_OK) {
                    printf("  %s: fsck found %llu problems\n", where, (unsigned long long)res.problems);
                    ok = false;
                }
            } else {
                printf("  cut at write %llu%s: mount failed\n", (unsigned long long)n, modes[torn]);
            }
            memdev_free(&dev);
            if (!ok && ++bad > 5)
                break;
        }
        printf("%s: powercut_every_write_%s (%llu cut points)\n", bad ? "FAIL" : "PASS", names[torn],
               (unsigned long long)total + 1);
        failures += bad != 0;
    }
    failures += large_delete_cuts();
    /* Sanity of the test itself: the workload committed often and wrote a lot. */
    bool busy = ncommits >= nops / 8 && total >= (uint64_t)nops;
    printf("%s: powercut_workload_commits_often (%d commits, %llu writes)\n", busy ? "PASS" : "FAIL",
           ncommits, (unsigned long long)total);
    failures += !busy;
    for (int c = 0; c < ncommits; c++) {
        model_free(before[c]);
        free(before[c]);
        if (after[c]) {
            model_free(after[c]);
            free(after[c]);
        }
    }
    model_free(&model);
    memdev_free(&ref);
    memdev_free(&tmpl);
    free(workload);
    return failures ? 1 : 0;
}
