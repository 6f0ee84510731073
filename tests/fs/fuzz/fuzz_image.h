/*
 * Shared by the mount and fsck fuzzers: a small valid image to mutate.
 *
 * Input is either a whole image (the first blocks of one; the rest zero) or,
 * when it starts with 'P', a list of patches applied to a valid populated
 * image: 4-byte little-endian position, then one byte to XOR there. Patches
 * reach deep states quickly; whole images let the fuzzer invent structure.
 */
#ifndef SUBSTRATE_TESTS_FS_FUZZ_IMAGE_H
#define SUBSTRATE_TESTS_FS_FUZZ_IMAGE_H

#include "tests/fs/memdev.h"
#include "tests/fs/ops.h"

#define FUZZ_BLOCKS 96

static memdev_t fuzz_base;
static bool fuzz_ready;

static void fuzz_build_base(void)
{
    if (fuzz_ready)
        return;
    memdev_init(&fuzz_base, FUZZ_BLOCKS);
    fs_mkfs(&fuzz_base.dev, 5);
    void *arena;
    char err[128];
    int rc;
    fs_t *fs = memdev_mount(&fuzz_base, 0, &arena, err, sizeof err, &rc);
    static uint8_t data[40000];
    op_fill(data, sizeof data, 3);
    uint64_t ino;
    fs_mkdir(fs, FS_ROOT_INO, "dir", 3, NULL);
    fs_create(fs, FS_ROOT_INO, "dir/file", 8, &ino);
    fs_write_all(fs, ino, 0, data, sizeof data);
    fs_create(fs, FS_ROOT_INO, "tiny", 4, &ino);
    fs_write_all(fs, ino, 0, data, 10);
    for (int i = 0; i < 60; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "dir/n%d", i);
        fs_create(fs, FS_ROOT_INO, name, (size_t)n, NULL);
    }
    fs_unmount(fs);
    free(arena);
    fuzz_ready = true;
}

/* The device the input describes; free with memdev_free. */
static void fuzz_image(memdev_t *m, const uint8_t *data, size_t size)
{
    fuzz_build_base();
    if (size > 0 && data[0] == 'P') {
        memdev_clone(m, &fuzz_base);
        for (size_t i = 1; i + 5 <= size; i += 5) {
            uint32_t pos = (uint32_t)data[i] | (uint32_t)data[i + 1] << 8 | (uint32_t)data[i + 2] << 16 |
                           (uint32_t)data[i + 3] << 24;
            pos %= FUZZ_BLOCKS * FS_BLOCK_SIZE;
            memdev_block(m, pos / FS_BLOCK_SIZE)[pos % FS_BLOCK_SIZE] ^= data[i + 4];
        }
        return;
    }
    memdev_init(m, FUZZ_BLOCKS);
    for (size_t off = 0; off < size && off < (size_t)FUZZ_BLOCKS * FS_BLOCK_SIZE; off += FS_BLOCK_SIZE) {
        size_t n = size - off < FS_BLOCK_SIZE ? size - off : FS_BLOCK_SIZE;
        memcpy(memdev_block(m, off / FS_BLOCK_SIZE), data + off, n);
    }
}

#endif
