/*
 * A filesystem block device over a host file (an image, or a partition of
 * one starting at a byte offset), for the host tool, tests and benchmarks.
 */
#ifndef SUBSTRATE_TOOLS_FS_IMAGE_H
#define SUBSTRATE_TOOLS_FS_IMAGE_H

#include <stdint.h>

#include "system/fs/fs.h"

typedef struct {
    int fd;
    uint64_t offset; /* byte offset of block 0 in the file */
    uint64_t reads, writes, flushes;
    fs_blockdev_t dev;
} fs_image_t;

/*
 * Opens `path`. size == 0 takes everything from offset to the end of the file;
 * otherwise the device is size bytes (rounded down to blocks), and with
 * `create` the file is created or extended to hold it.
 */
int fs_image_open(fs_image_t *img, const char *path, uint64_t offset, uint64_t size, int create,
                  int read_only);
void fs_image_close(fs_image_t *img);

#endif
