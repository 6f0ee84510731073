/*
 * The filesystem checker (host only: it allocates with malloc).
 *
 * It reads the image without mounting it, so it can describe damage that
 * keeps mount from succeeding. Every metadata checksum, every data
 * checksum, the tree's shape and key order, and the cross-references between
 * items (names to inodes, inode counts, parents, block ownership, space
 * accounting) are checked; each problem is reported on its own line, naming
 * the block, inode or name it concerns.
 */
#ifndef SUBSTRATE_SYSTEM_FS_FSCK_H
#define SUBSTRATE_SYSTEM_FS_FSCK_H

#include "system/fs/fs.h"

typedef struct {
    uint64_t generation;
    uint64_t nodes;
    uint64_t data_blocks;
    uint64_t inodes;
    uint64_t files;
    uint64_t dirs;
    uint64_t problems;
    uint64_t notes; /* not errors: e.g. a delete a power cut interrupted, which mount finishes */
} fs_fsck_result_t;

typedef void (*fs_fsck_report_fn)(void *ctx, bool problem, const char *msg);

/* Returns FS_OK when the image is clean; FS_EUCLEAN when any problem was found. */
int fs_fsck(const fs_blockdev_t *dev, fs_fsck_report_fn report, void *ctx, fs_fsck_result_t *result);

#endif
