/*
 * Image files as block devices: pread/pwrite at offset + block * 4096, and
 * fdatasync for flush, so a commit's ordering holds on the host's disk too.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/fs/fs_image.h"

static int image_read(void *ctx, uint64_t block, uint32_t count, void *buf)
{
    fs_image_t *img = ctx;
    size_t len = (size_t)count * FS_BLOCK_SIZE, done = 0;
    if (block >= img->dev.block_count || count > img->dev.block_count - block)
        return -1;
    img->reads++;
    while (done < len) {
        ssize_t n = pread(img->fd, (char *)buf + done, len - done,
                          (off_t)(img->offset + block * FS_BLOCK_SIZE + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static int image_write(void *ctx, uint64_t block, uint32_t count, const void *buf)
{
    fs_image_t *img = ctx;
    size_t len = (size_t)count * FS_BLOCK_SIZE, done = 0;
    if (block >= img->dev.block_count || count > img->dev.block_count - block)
        return -1;
    img->writes++;
    while (done < len) {
        ssize_t n = pwrite(img->fd, (const char *)buf + done, len - done,
                           (off_t)(img->offset + block * FS_BLOCK_SIZE + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static int image_flush(void *ctx)
{
    fs_image_t *img = ctx;
    img->flushes++;
    return fdatasync(img->fd) == 0 ? 0 : -1;
}

int fs_image_open(fs_image_t *img, const char *path, uint64_t offset, uint64_t size, int create,
                  int read_only)
{
    struct stat st;
    img->fd = open(path, read_only ? O_RDONLY : (O_RDWR | (create ? O_CREAT : 0)), 0644);
    if (img->fd < 0)
        return -errno;
    if (fstat(img->fd, &st) != 0)
        goto fail;
    uint64_t have = (uint64_t)st.st_size;
    if (S_ISBLK(st.st_mode)) {
        off_t end = lseek(img->fd, 0, SEEK_END);
        if (end < 0)
            goto fail;
        have = (uint64_t)end;
    }
    if (size == 0) {
        if (have <= offset) {
            close(img->fd);
            return -EINVAL;
        }
        size = have - offset;
    } else if (have < offset + size) {
        if (!create || !S_ISREG(st.st_mode) || ftruncate(img->fd, (off_t)(offset + size)) != 0) {
            close(img->fd);
            return create ? -errno : -EINVAL;
        }
    }
    img->offset = offset;
    img->reads = img->writes = img->flushes = 0;
    img->dev.ctx = img;
    img->dev.block_count = size / FS_BLOCK_SIZE;
    img->dev.read = image_read;
    img->dev.write = image_write;
    img->dev.flush = image_flush;
    return 0;
fail:
    close(img->fd);
    return -errno;
}

void fs_image_close(fs_image_t *img)
{
    if (img->fd >= 0)
        close(img->fd);
    img->fd = -1;
}
