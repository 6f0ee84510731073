/*
 * Model test: long random operation sequences run on the library and on an
 * in-memory reference filesystem, compared step by step. Every result code
 * must match; every read must return the model's bytes; every so often the
 * whole tree is compared, the filesystem is unmounted and mounted again, and
 * fsck must find nothing. A small cache forces evictions and commits in the
 * middle of sequences.
 *
 * Usage: fs_model_test [SEEDS] [OPS_PER_SEED]
 */
#include "system/fs/fs_fsck.h"
#include "tests/fs/memdev.h"
#include "tests/fs/ops.h"

static void quiet(void *ctx, bool problem, const char *msg)
{
    (void)ctx;
    if (problem)
        printf("  fsck: %s\n", msg);
}

static bool run_seed(uint64_t seed, int ops, uint32_t cache, uint64_t blocks)
{
    memdev_t dev;
    memdev_init(&dev, blocks);
    fs_mkfs(&dev.dev, seed * 7919);
    void *arena;
    char err[200];
    int rc;
    fs_t *fs = memdev_mount(&dev, cache, &arena, err, sizeof err, &rc);
    model_t model;
    model_init(&model);
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    bool ok = fs != NULL;
    /* Odd seeds start from a directory of many files, so the tree is deep
     * and random changes split, merge and re-root it. */
    for (int i = 0; ok && seed % 2 && i < 2500; i++) {
        char path[M_PATH];
        snprintf(path, sizeof path, "%s", i ? "z/filler-0000" : "z");
        if (i)
            snprintf(path, sizeof path, "z/filler-%04d", i);
        int frc = i ? fs_create(fs, FS_ROOT_INO, path, strlen(path), NULL)
                    : fs_mkdir(fs, FS_ROOT_INO, path, strlen(path), NULL);
        ok = frc == FS_OK && model_make(&model, path, i == 0) == FS_OK;
    }
    for (int i = 0; i < ops && ok; i++) {
        op_t op;
        op_random(&rng, &op, 200000);
        int frc, mrc;
        op_apply(fs, &model, &op, &frc, &mrc);
        if (frc != mrc) {
            printf("  seed %llu step %d: %s %s %s (off %llu len %u): filesystem says %d (%s), model %d\n",
                   (unsigned long long)seed, i, op_names[op.kind], op.a, op.b, (unsigned long long)op.off,
                   op.len, frc, frc == 1 ? "wrong bytes" : fs_strerror(frc), mrc);
            ok = false;
            break;
        }
        if (i % 97 == 96 || i == ops - 1) {
            model_t got;
            model_init(&got);
            int r = model_from_fs(fs, &got, FS_ROOT_INO, "");
            char where[64];
            snprintf(where, sizeof where, "seed %llu step %d", (unsigned long long)seed, i);
            if (r || model_compare(&model, &got, where)) {
                printf("  %s: tree differs (read rc %d)\n", where, r);
                ok = false;
            }
            model_free(&got);
        }
        if (ok && (i % 331 == 330 || i == ops - 1)) {
            /* Unmount, check the image, mount again. */
            fs_fsck_result_t res;
            ok = fs_unmount(fs) == FS_OK;
            free(arena);
            fs = NULL;
            if (ok && fs_fsck(&dev.dev, quiet, NULL, &res) != FS_OK) {
                printf("  seed %llu step %d: fsck found %llu problems\n", (unsigned long long)seed, i,
                       (unsigned long long)res.problems);
                ok = false;
            }
            if (ok) {
                fs = memdev_mount(&dev, cache, &arena, err, sizeof err, &rc);
                if (!fs) {
                    printf("  seed %llu step %d: remount failed: %s\n", (unsigned long long)seed, i, err);
                    ok = false;
                }
            }
        }
    }
    if (fs) {
        fs_unmount(fs);
        free(arena);
    }
    model_free(&model);
    memdev_free(&dev);
    return ok;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int seeds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 6;
    int ops = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3000;
    int failed = 0;
    for (int s = 1; s <= seeds; s++) {
        /* Alternate a tiny cache (constant eviction and auto-commit) with the default. */
        uint32_t cache = s % 2 ? FS_MIN_CACHE_NODES : 0;
        bool ok = run_seed((uint64_t)s, ops, cache, 8192);
        printf("%s: model_seed_%d_%d_ops_cache_%u\n", ok ? "PASS" : "FAIL", s, ops,
               cache ? cache : FS_DEFAULT_CACHE_NODES);
        failed += !ok;
    }
    return failed ? 1 : 0;
}
