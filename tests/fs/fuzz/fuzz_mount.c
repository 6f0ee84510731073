/*
 * libFuzzer target: mount a hostile image, then use it. Mount may fail; if it
 * succeeds, listing, reading, writing, renaming, deleting and committing must
 * all keep to their contracts (checked by the sanitizers: no crash, no
 * out-of-bounds access, no undefined behaviour).
 */
#include "tests/fs/fuzz/fuzz_image.h"

static void walk_tree(fs_t *fs, uint64_t dir, int depth)
{
    uint64_t cookie = 0;
    fs_dirent_t d;
    static uint8_t buf[65536];
    for (int n = 0; n < 200 && fs_readdir(fs, dir, &cookie, &d) == 1; n++) {
        fs_stat_t st;
        if (fs_stat(fs, d.ino, &st) != FS_OK)
            continue;
        if (st.type == FS_TYPE_DIR && depth < 8)
            walk_tree(fs, d.ino, depth + 1);
        else if (st.type == FS_TYPE_FILE)
            fs_pread(fs, d.ino, 0, buf, sizeof buf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memdev_t m;
    fuzz_image(&m, data, size);
    void *arena;
    char err[200];
    int rc;
    fs_t *fs = memdev_mount(&m, 128, &arena, err, sizeof err, &rc);
    if (fs) {
        walk_tree(fs, FS_ROOT_INO, 0);
        uint64_t ino;
        static const uint8_t bytes[9000] = {1, 2, 3};
        if (fs_create(fs, FS_ROOT_INO, "fz", 2, &ino) == FS_OK)
            fs_pwrite(fs, ino, 100, bytes, sizeof bytes);
        if (fs_lookup(fs, FS_ROOT_INO, "dir/file", 8, &ino) == FS_OK) {
            fs_pwrite(fs, ino, 5, bytes, 20);
            fs_truncate(fs, ino, 7);
        }
        fs_rename(fs, FS_ROOT_INO, "tiny", 4, "dir/moved", 9);
        fs_unlink(fs, FS_ROOT_INO, "dir/n3", 6);
        fs_rmdir(fs, FS_ROOT_INO, "dir", 3);
        fs_mkdir(fs, FS_ROOT_INO, "dir/new", 7, NULL);
        fs_unmount(fs);
        free(arena);
    }
    memdev_free(&m);
    return 0;
}
