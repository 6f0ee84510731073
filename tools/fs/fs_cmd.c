/*
 * `substrate fs`: make, inspect and change filesystem images from the host.
 *
 *   substrate fs mkfs  IMAGE SIZE            make an empty filesystem
 *   substrate fs ls    IMAGE [PATH]          list a directory (or describe a file)
 *   substrate fs put   IMAGE HOSTFILE PATH   copy a host file in (replacing PATH)
 *   substrate fs get   IMAGE PATH HOSTFILE   copy a file out ("-" for stdout)
 *   substrate fs rm    IMAGE PATH            remove a file or an empty directory
 *   substrate fs mkdir IMAGE PATH            make a directory
 *   substrate fs fsck  IMAGE                 check everything; exit 1 on any problem
 * Options, anywhere: --offset BYTES (the filesystem starts there: a partition
 * of a disk image), --size BYTES (its length; default: to the end).
 * Sizes take K, M, G or T suffixes (powers of 1024).
 *
 * Every change is committed before the command exits; a command that fails
 * leaves the image as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "system/fs/fs.h"
#include "system/fs/fs_fsck.h"
#include "tools/fs/fs_image.h"
#include "tools/substrate/commands.h"

static int usage(FILE *out)
{
    fprintf(out,
            "usage: substrate fs COMMAND IMAGE [ARGS] [--offset BYTES] [--size BYTES]\n"
            "  mkfs  IMAGE SIZE            make an empty filesystem of SIZE bytes\n"
            "  ls    IMAGE [PATH]          list a directory, or describe a file\n"
            "  put   IMAGE HOSTFILE PATH   copy a host file in (replaces PATH)\n"
            "  get   IMAGE PATH HOSTFILE   copy a file out (\"-\": standard output)\n"
            "  rm    IMAGE PATH            remove a file or an empty directory\n"
            "  mkdir IMAGE PATH            make a directory\n"
            "  fsck  IMAGE                 check every checksum and structure\n"
            "--offset and --size select a partition of a larger image.\n");
    return out == stdout ? 0 : 2;
}

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || s[0] == '-')
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    case 't': case 'T': shift = 40; end++; break;
    default: return -1;
    }
    if (*end || (shift && v > (UINT64_MAX >> shift)))
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}

static uint64_t clock_ns(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct {
    fs_image_t img;
    fs_t *fs;
    void *arena;
} session_t;

static int open_fs(session_t *s, const char *image, uint64_t offset, uint64_t size, int read_only)
{
    int r = fs_image_open(&s->img, image, offset, size, 0, read_only);
    if (r) {
        fprintf(stderr, "substrate fs: %s: %s\n", image, strerror(-r));
        return 1;
    }
    fs_mount_opts_t opts = {0};
    opts.read_only = read_only;
    opts.now = clock_ns;
    size_t need = fs_arena_size(s->img.dev.block_count, 0);
    s->arena = need ? aligned_alloc(4096, (need + 4095) / 4096 * 4096) : NULL;
    if (!s->arena) {
        fprintf(stderr, "substrate fs: %s: too small or too large to be a filesystem\n", image);
        fs_image_close(&s->img);
        return 1;
    }
    char err[256];
    r = fs_mount(&s->fs, &s->img.dev, &opts, s->arena, need, err, sizeof err);
    if (r) {
        fprintf(stderr, "substrate fs: %s: cannot mount: %s (%s)\n", image, err, fs_strerror(r));
        free(s->arena);
        fs_image_close(&s->img);
        return 1;
    }
    return 0;
}

static int close_fs(session_t *s, const char *image)
{
    int r = fs_unmount(s->fs);
    free(s->arena);
    fs_image_close(&s->img);
    if (r) {
        fprintf(stderr, "substrate fs: %s: committing failed: %s\n", image, fs_strerror(r));
        return 1;
    }
    return 0;
}

static int fail(session_t *s, const char *what, const char *path, int r)
{
    fprintf(stderr, "substrate fs: %s %s: %s\n", what, path, fs_strerror(r));
    free(s->arena);
    fs_image_close(&s->img);
    return 1;
}

static int do_mkfs(const char *image, const char *size_arg, uint64_t offset)
{
    uint64_t size;
    if (parse_size(size_arg, &size) || size / FS_BLOCK_SIZE < 16) {
        fprintf(stderr, "substrate fs mkfs: bad size '%s' (at least 64K)\n", size_arg);
        return 2;
    }
    fs_image_t img;
    int r = fs_image_open(&img, image, offset, size, 1, 0);
    if (r) {
        fprintf(stderr, "substrate fs mkfs: %s: %s\n", image, strerror(-r));
        return 1;
    }
    uint64_t seed = clock_ns(NULL) ^ ((uint64_t)getpid() << 32);
    r = fs_mkfs(&img.dev, seed);
    fs_image_close(&img);
    if (r) {
        fprintf(stderr, "substrate fs mkfs: %s: %s\n", image, fs_strerror(r));
        return 1;
    }
    return 0;
}

static int do_ls(const char *image, const char *path, uint64_t offset, uint64_t size)
{
    session_t s;
    if (open_fs(&s, image, offset, size, 1))
        return 1;
    uint64_t ino;
    fs_stat_t st;
    int r = fs_lookup(s.fs, FS_ROOT_INO, path, strlen(path), &ino);
    if (!r)
        r = fs_stat(s.fs, ino, &st);
    if (r)
        return fail(&s, "ls", path, r);
    if (st.type == FS_TYPE_FILE) {
        printf("file %12llu  %s\n", (unsigned long long)st.size, path);
    } else {
        uint64_t cookie = 0;
        fs_dirent_t d;
        while ((r = fs_readdir(s.fs, ino, &cookie, &d)) == 1) {
            fs_stat_t cs;
            if (fs_stat(s.fs, d.ino, &cs) == 0 && cs.type == FS_TYPE_FILE)
                printf("file %12llu  %s\n", (unsigned long long)cs.size, d.name);
            else
                printf("dir  %12llu  %s/\n", (unsigned long long)cs.size, d.name);
        }
        if (r < 0)
            return fail(&s, "ls", path, r);
    }
    return close_fs(&s, image);
}

static int do_put(const char *image, const char *host, const char *path, uint64_t offset, uint64_t size)
{
    int fd = open(host, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "substrate fs put: %s: %s\n", host, strerror(errno));
        return 1;
    }
    session_t s;
    if (open_fs(&s, image, offset, size, 0)) {
        close(fd);
        return 1;
    }
    uint64_t ino;
    int r = fs_create(s.fs, FS_ROOT_INO, path, strlen(path), &ino);
    if (r == FS_EEXIST) {
        r = fs_lookup(s.fs, FS_ROOT_INO, path, strlen(path), &ino);
        if (!r)
            r = fs_truncate(s.fs, ino, 0);
    }
    if (r) {
        close(fd);
        return fail(&s, "put", path, r);
    }
    char *buf = malloc(FS_IO_MAX);
    uint64_t pos = 0;
    ssize_t n = 0;
    while (buf && (n = read(fd, buf, FS_IO_MAX)) > 0) {
        size_t done = 0;
        while (done < (size_t)n) {
            int64_t w = fs_pwrite(s.fs, ino, pos, buf + done, (size_t)n - done);
            if (w <= 0) {
                free(buf);
                close(fd);
                return fail(&s, "put", path, w ? (int)w : FS_EIO);
            }
            done += (size_t)w;
            pos += (uint64_t)w;
        }
    }
    free(buf);
    close(fd);
    if (n < 0 || !buf) {
        fprintf(stderr, "substrate fs put: reading %s failed\n", host);
        free(s.arena);
        fs_image_close(&s.img);
        return 1;
    }
    return close_fs(&s, image);
}

static int do_get(const char *image, const char *path, const char *host, uint64_t offset, uint64_t size)
{
    session_t s;
    if (open_fs(&s, image, offset, size, 1))
        return 1;
    uint64_t ino;
    fs_stat_t st;
    int r = fs_lookup(s.fs, FS_ROOT_INO, path, strlen(path), &ino);
    if (!r)
        r = fs_stat(s.fs, ino, &st);
    if (!r && st.type != FS_TYPE_FILE)
        r = FS_EISDIR;
    if (r)
        return fail(&s, "get", path, r);
    int fd = strcmp(host, "-") == 0 ? 1 : open(host, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        fprintf(stderr, "substrate fs get: %s: %s\n", host, strerror(errno));
        free(s.arena);
        fs_image_close(&s.img);
        return 1;
    }
    char *buf = malloc(FS_IO_MAX);
    uint64_t pos = 0;
    int status = buf ? 0 : 1;
    while (buf && pos < st.size) {
        int64_t n = fs_pread(s.fs, ino, pos, buf, FS_IO_MAX);
        if (n <= 0) {
            /* Damaged data fails loudly; the partial host file is removed. */
            fprintf(stderr, "substrate fs get: %s: at offset %llu: %s\n", path, (unsigned long long)pos,
                    fs_strerror(n ? (int)n : FS_EIO));
            status = 1;
            break;
        }
        if (write(fd, buf, (size_t)n) != n) {
            fprintf(stderr, "substrate fs get: writing %s: %s\n", host, strerror(errno));
            status = 1;
            break;
        }
        pos += (uint64_t)n;
    }
    free(buf);
    if (fd != 1)
        close(fd);
    if (status && fd != 1)
        unlink(host);
    if (close_fs(&s, image))
        return 1;
    return status;
}

static int do_change(const char *cmd, const char *image, const char *path, uint64_t offset, uint64_t size)
{
    session_t s;
    if (open_fs(&s, image, offset, size, 0))
        return 1;
    int r;
    if (strcmp(cmd, "mkdir") == 0) {
        r = fs_mkdir(s.fs, FS_ROOT_INO, path, strlen(path), NULL);
    } else {
        r = fs_unlink(s.fs, FS_ROOT_INO, path, strlen(path));
        if (r == FS_EISDIR)
            r = fs_rmdir(s.fs, FS_ROOT_INO, path, strlen(path));
    }
    if (r)
        return fail(&s, cmd, path, r);
    return close_fs(&s, image);
}

static void fsck_line(void *ctx, bool problem, const char *msg)
{
    (void)ctx;
    printf("%s: %s\n", problem ? "problem" : "note", msg);
}

static int do_fsck(const char *image, uint64_t offset, uint64_t size)
{
    fs_image_t img;
    int r = fs_image_open(&img, image, offset, size, 0, 1);
    if (r) {
        fprintf(stderr, "substrate fs fsck: %s: %s\n", image, strerror(-r));
        return 1;
    }
    fs_fsck_result_t res;
    r = fs_fsck(&img.dev, fsck_line, NULL, &res);
    fs_image_close(&img);
    printf("%s: generation %llu, %llu files, %llu directories, %llu metadata blocks, %llu data blocks: "
           "%llu problem%s\n",
           image, (unsigned long long)res.generation, (unsigned long long)res.files,
           (unsigned long long)res.dirs, (unsigned long long)res.nodes,
           (unsigned long long)res.data_blocks, (unsigned long long)res.problems,
           res.problems == 1 ? "" : "s");
    return r == FS_OK ? 0 : 1;
}

int cmd_fs(int argc, char **argv)
{
    const char *pos[4];
    int npos = 0;
    uint64_t offset = 0, size = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout);
        if (strcmp(argv[i], "--offset") == 0 || strcmp(argv[i], "--size") == 0) {
            uint64_t *dst = argv[i][2] == 'o' ? &offset : &size;
            if (i + 1 >= argc || parse_size(argv[i + 1], dst)) {
                fprintf(stderr, "substrate fs: %s needs a byte count\n", argv[i]);
                return 2;
            }
            i++;
            continue;
        }
        if (npos == 4)
            return usage(stderr);
        pos[npos++] = argv[i];
    }
    if (offset % 512) {
        fprintf(stderr, "substrate fs: --offset must be a multiple of 512\n");
        return 2;
    }
    if (npos < 2)
        return usage(stderr);
    const char *cmd = pos[0], *image = pos[1];
    if (strcmp(cmd, "mkfs") == 0 && npos == 3)
        return do_mkfs(image, pos[2], offset);
    if (strcmp(cmd, "ls") == 0 && npos <= 3)
        return do_ls(image, npos == 3 ? pos[2] : "/", offset, size);
    if (strcmp(cmd, "put") == 0 && npos == 4)
        return do_put(image, pos[2], pos[3], offset, size);
    if (strcmp(cmd, "get") == 0 && npos == 4)
        return do_get(image, pos[2], pos[3], offset, size);
    if ((strcmp(cmd, "rm") == 0 || strcmp(cmd, "mkdir") == 0) && npos == 3)
        return do_change(cmd, image, pos[2], offset, size);
    if (strcmp(cmd, "fsck") == 0 && npos == 2)
        return do_fsck(image, offset, size);
    return usage(stderr);
}
