/*
 * libFuzzer target: fsck a hostile image. It must report, never crash, and
 * a clean verdict must mean the image mounts.
 */
#include "system/fs/fs_fsck.h"
#include "tests/fs/fuzz/fuzz_image.h"

static void ignore(void *ctx, bool problem, const char *msg)
{
    (void)ctx;
    (void)problem;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memdev_t m;
    fuzz_image(&m, data, size);
    fs_fsck_result_t res;
    int r = fs_fsck(&m.dev, ignore, NULL, &res);
    if (r == FS_OK) {
        void *arena;
        char err[200];
        int rc;
        fs_t *fs = memdev_mount(&m, 128, &arena, err, sizeof err, &rc);
        if (!fs)
            __builtin_trap(); /* fsck passed an image mount refuses */
        fs_unmount(fs);
        free(arena);
    }
    memdev_free(&m);
    return 0;
}
