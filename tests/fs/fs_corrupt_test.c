/*
 * Corruption test: damage an image in many ways and check that nothing ever
 * returns wrong bytes.
 *
 * For each trial a copy of a populated image is damaged (a flipped byte, a
 * zeroed block, two blocks swapped as a misdirected write would) and then:
 *   - mount either fails with a message, or succeeds;
 *   - after a successful mount every name still resolves and every file
 *     reads back exactly, or fails with FS_EIO; damage to one block can cost
 *     at most the files that block belongs to, the rest stays readable;
 *   - fsck reports a problem whenever mount failed or a read failed.
 *
 * Usage: fs_corrupt_test [TRIALS]
 */
#include "system/fs/fs_fsck.h"
#include "tests/fs/memdev.h"
#include "tests/fs/ops.h"

#define BLOCKS 2048
#define NFILES 8

static const char *const paths[NFILES] = {"small", "mid", "big", "d/sub/f", "d/other", "many/x-17", "many/x-250", "empty"};
static const size_t sizes[NFILES] = {100, 50000, 300000, 10000, 4096, 33, 70000, 0};
static uint8_t *contents[NFILES];

static void quiet(void *ctx, bool problem, const char *msg)
{
    (void)ctx;
    (void)problem;
    (void)msg;
}

static void build(memdev_t *m)
{
    memdev_init(m, BLOCKS);
    fs_mkfs(&m->dev, 99);
    void *arena;
    char err[200];
    int rc;
    fs_t *fs = memdev_mount(m, 0, &arena, err, sizeof err, &rc);
    fs_mkdir(fs, FS_ROOT_INO, "d", 1, NULL);
    fs_mkdir(fs, FS_ROOT_INO, "d/sub", 5, NULL);
    fs_mkdir(fs, FS_ROOT_INO, "many", 4, NULL);
    for (int i = 0; i < 400; i++) {
        char name[32];
        int n = snprintf(name, sizeof name, "many/x-%d", i);
        fs_create(fs, FS_ROOT_INO, name, (size_t)n, NULL);
    }
    for (int i = 0; i < NFILES; i++) {
        uint64_t ino;
        if (fs_lookup(fs, FS_ROOT_INO, paths[i], strlen(paths[i]), &ino) != FS_OK)
            fs_create(fs, FS_ROOT_INO, paths[i], strlen(paths[i]), &ino);
        contents[i] = malloc(sizes[i] + 1);
        op_fill(contents[i], (uint32_t)sizes[i], (uint32_t)i + 1);
        fs_write_all(fs, ino, 0, contents[i], sizes[i]);
    }
    fs_unmount(fs);
    free(arena);
}

typedef struct {
    int mount_failed, eio_files, exact_files;
} verdict_t;

/* Returns false if anything broke the rules. */
static bool check(memdev_t *m, const char *what, verdict_t *v)
{
    void *arena;
    char err[200];
    int rc;
    static uint8_t buf[FS_IO_MAX];
    fs_t *fs = memdev_mount(m, 0, &arena, err, sizeof err, &rc);
    fs_fsck_result_t res;
    int fsck = fs_fsck(&m->dev, quiet, NULL, &res);
    if (!fs) {
        v->mount_failed++;
        if (err[0] == 0) {
            printf("  %s: mount failed without saying why\n", what);
            return false;
        }
        if (fsck == FS_OK) {
            printf("  %s: mount failed (%s) but fsck found nothing\n", what, err);
            return false;
        }
        return true;
    }
    bool ok = true;
    int eio = 0;
    for (int i = 0; i < NFILES && ok; i++) {
        uint64_t ino;
        fs_stat_t st;
        if (fs_lookup(fs, FS_ROOT_INO, paths[i], strlen(paths[i]), &ino) != FS_OK ||
            fs_stat(fs, ino, &st) != FS_OK || st.size != sizes[i]) {
            printf("  %s: %s lost its name or size after a clean mount\n", what, paths[i]);
            ok = false;
            break;
        }
        size_t done = 0;
        bool failed = false;
        while (done < sizes[i]) {
            int64_t n = fs_pread(fs, ino, done, buf, sizes[i] - done);
            if (n == FS_EIO) {
                failed = true;
                break;
            }
            if (n <= 0 || memcmp(buf, contents[i] + done, (size_t)n) != 0) {
                printf("  %s: %s returned wrong bytes at %zu (rc %lld)\n", what, paths[i], done, (long long)n);
                ok = false;
                break;
            }
            done += (size_t)n;
        }
        eio += failed;
    }
    v->eio_files += eio;
    v->exact_files += NFILES - eio;
    if (ok && eio > 2) {
        printf("  %s: one damaged block cost %d files\n", what, eio);
        ok = false;
    }
    if (ok && eio && fsck == FS_OK) {
        printf("  %s: a read failed but fsck found nothing\n", what);
        ok = false;
    }
    /* The mounted filesystem keeps working beside the damage. */
    uint64_t ino;
    if (ok && fs_create(fs, FS_ROOT_INO, "new", 3, &ino) == FS_OK &&
        (fs_pwrite(fs, ino, 0, "abc", 3) != 3 || fs_sync(fs) != FS_OK)) {
        printf("  %s: the filesystem refused new work after damage elsewhere\n", what);
        ok = false;
    }
    fs_unmount(fs);
    free(arena);
    return ok;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int trials = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 400;
    memdev_t base;
    build(&base);
    static uint64_t used[BLOCKS];
    uint64_t nused = 0;
    for (uint64_t b = 2; b < BLOCKS; b++)
        if (base.block[b])
            used[nused++] = b;
    if (nused == 0)
        return 1;
    uint64_t rng = 12345;
    int failures = 0;
    verdict_t v = {0, 0, 0};
    const char *names[] = {"flip_one_byte", "zero_block", "swap_blocks", "flip_any_block"};
    for (int kind = 0; kind < 4; kind++) {
        int bad = 0;
        for (int t = 0; t < trials / 4 && bad < 5; t++) {
            memdev_t m;
            memdev_clone(&m, &base);
            char what[96];
            uint64_t b = used[rng_next(&rng) % nused], b2 = used[rng_next(&rng) % nused];
            uint32_t off = (uint32_t)(rng_next(&rng) % FS_BLOCK_SIZE);
            uint8_t x = (uint8_t)(1u << (rng_next(&rng) % 8));
            if (kind == 0) {
                memdev_block(&m, b)[off] ^= x;
                snprintf(what, sizeof what, "byte %u of block %llu flipped", off, (unsigned long long)b);
            } else if (kind == 1) {
                memset(memdev_block(&m, b), 0, FS_BLOCK_SIZE);
                snprintf(what, sizeof what, "block %llu zeroed", (unsigned long long)b);
            } else if (kind == 2) {
                uint8_t tmp[FS_BLOCK_SIZE];
                memcpy(tmp, memdev_block(&m, b), FS_BLOCK_SIZE);
                memcpy(memdev_block(&m, b), memdev_block(&m, b2), FS_BLOCK_SIZE);
                memcpy(memdev_block(&m, b2), tmp, FS_BLOCK_SIZE);
                snprintf(what, sizeof what, "blocks %llu and %llu swapped", (unsigned long long)b,
                         (unsigned long long)b2);
            } else {
                b = 2 + rng_next(&rng) % (BLOCKS - 2);
                memdev_block(&m, b)[off] ^= 0xff;
                snprintf(what, sizeof what, "byte %u of block %llu inverted", off, (unsigned long long)b);
            }
            if (!check(&m, what, &v))
                bad++;
            memdev_free(&m);
        }
        printf("%s: corrupt_%s_never_returns_wrong_bytes\n", bad ? "FAIL" : "PASS", names[kind]);
        failures += bad != 0;
    }
    /* Each superblock alone: damage to the newer falls back to the older commit or fails cleanly. */
    for (int slot = 0; slot < 2; slot++) {
        memdev_t m;
        memdev_clone(&m, &base);
        memdev_block(&m, (uint64_t)slot)[30] ^= 0x10;
        verdict_t sv = {0, 0, 0};
        void *arena;
        char err[200];
        int rc;
        fs_t *fs = memdev_mount(&m, 0, &arena, err, sizeof err, &rc);
        bool ok = fs ? true : err[0] != 0;
        if (fs) {
            fs_unmount(fs);
            free(arena);
        }
        (void)sv;
        printf("%s: corrupt_superblock_%d_mounts_older_or_fails_clearly\n", ok ? "PASS" : "FAIL", slot);
        failures += !ok;
        memdev_free(&m);
    }
    /* Both superblocks gone: mount names the problem. */
    {
        memdev_t m;
        memdev_clone(&m, &base);
        memset(memdev_block(&m, 0), 0, FS_BLOCK_SIZE);
        memset(memdev_block(&m, 1), 0xee, FS_BLOCK_SIZE);
        void *arena;
        char err[200];
        int rc;
        fs_t *fs = memdev_mount(&m, 0, &arena, err, sizeof err, &rc);
        bool ok = !fs && strstr(err, "superblock") != NULL;
        printf("%s: corrupt_both_superblocks_mount_says_why (%s)\n", ok ? "PASS" : "FAIL", err);
        failures += !ok;
        memdev_free(&m);
    }
    /* The test damaged real things: some trials failed mounts, some reads. */
    bool meaningful = v.mount_failed > 0 && v.eio_files > 0 && v.exact_files > 0;
    printf("%s: corrupt_trials_hit_metadata_and_data (%d mount failures, %d unreadable files, %d exact)\n",
           meaningful ? "PASS" : "FAIL", v.mount_failed, v.eio_files, v.exact_files);
    failures += !meaningful;
    for (int i = 0; i < NFILES; i++)
        free(contents[i]);
    memdev_free(&base);
    return failures ? 1 : 0;
}
