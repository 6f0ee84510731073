/*
 * Filesystem benchmark: the same workloads on our filesystem (in an image
 * file, flushed with fdatasync) and on the host's own filesystem (files in
 * the same directory, flushed with fdatasync/fsync), in one run, reported
 * side by side with the ratio ours/host.
 *
 *   seq write    64 MiB in 1 MiB writes, then fsync       MiB/s
 *   seq read     the same file, 1 MiB reads               MiB/s
 *   rand write   4 KiB writes at random aligned offsets   ops/s (fsync at the end)
 *   rand read    4 KiB reads at random aligned offsets    ops/s
 *   create       empty files in one directory, one sync   files/s
 *   delete       the same files, one sync                 files/s
 *   fsync        4 KiB write + fsync, repeated            median and p99 latency
 *
 * Reads on both sides come from memory the host has cached (the image file
 * and the host file alike), so they measure software cost, not the disk.
 *
 * Usage: fs_bench DIR [SCALE]   (SCALE 1 is the default size; 0.25 is quick)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "system/fs/fs.h"
#include "tools/fs/fs_image.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void row(const char *name, const char *unit, double ours, double host, int higher_better)
{
    double ratio = host > 0 ? ours / host : 0;
    printf("| %-28s | %12.1f | %12.1f | %s | %6.2f%s |\n", name, ours, host, unit, ratio,
           higher_better ? "" : " (lower is better)");
}

#define MIB (1024.0 * 1024.0)

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: fs_bench DIR [SCALE]\n");
        return 2;
    }
    const char *dir = argv[1];
    double scale = argc > 2 ? strtod(argv[2], NULL) : 1.0;
    if (scale <= 0)
        scale = 1.0;
    size_t file_bytes = (size_t)(64 * MIB * scale) & ~(size_t)0xfffff;
    if (file_bytes < (1u << 20))
        file_bytes = 1u << 20;
    int rand_ops = (int)(4000 * scale) + 100, files = (int)(3000 * scale) + 100, syncs = (int)(200 * scale) + 20;
    char img_path[512], host_path[512], host_dir[512];
    snprintf(img_path, sizeof img_path, "%s/bench.img", dir);
    snprintf(host_path, sizeof host_path, "%s/host-file", dir);
    snprintf(host_dir, sizeof host_dir, "%s/host-dir", dir);
    mkdir(dir, 0755);
    unlink(img_path);

    fs_image_t img;
    if (fs_image_open(&img, img_path, 0, (uint64_t)file_bytes * 2 + (256u << 20), 1, 0) || fs_mkfs(&img.dev, 1)) {
        fprintf(stderr, "fs_bench: cannot make %s\n", img_path);
        return 1;
    }
    size_t need = fs_arena_size(img.dev.block_count, 4096);
    void *arena = malloc(need);
    fs_mount_opts_t opts = {0};
    opts.cache_nodes = 4096;
    fs_t *fs;
    char err[200];
    if (fs_mount(&fs, &img.dev, &opts, arena, need, err, sizeof err)) {
        fprintf(stderr, "fs_bench: mount: %s\n", err);
        return 1;
    }
    uint8_t *buf = malloc(1 << 20);
    for (size_t i = 0; i < (1u << 20); i++)
        buf[i] = (uint8_t)next_rand();

    printf("| workload | substrate fs | host fs | unit | ratio |\n|---|---|---|---|---|\n");

    /* Sequential write. */
    uint64_t ino;
    fs_create(fs, FS_ROOT_INO, "seq", 3, &ino);
    double t0 = now_s();
    for (size_t off = 0; off < file_bytes; off += 1u << 20)
        for (size_t done = 0; done < (1u << 20);) {
            int64_t n = fs_pwrite(fs, ino, off + done, buf + done, (1u << 20) - done);
            if (n <= 0)
                return 1;
            done += (size_t)n;
        }
    fs_fsync(fs, ino);
    double ours = file_bytes / MIB / (now_s() - t0);
    int fd = open(host_path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    t0 = now_s();
    for (size_t off = 0; off < file_bytes; off += 1u << 20)
        if (pwrite(fd, buf, 1u << 20, (off_t)off) != (1 << 20))
            return 1;
    fdatasync(fd);
    double host = file_bytes / MIB / (now_s() - t0);
    row("sequential write (1 MiB)", "MiB/s", ours, host, 1);

    /* Sequential read. */
    t0 = now_s();
    for (size_t off = 0; off < file_bytes; off += 1u << 20)
        if (fs_pread(fs, ino, off, buf, 1u << 20) != (1 << 20))
            return 1;
    ours = file_bytes / MIB / (now_s() - t0);
    t0 = now_s();
    for (size_t off = 0; off < file_bytes; off += 1u << 20)
        if (pread(fd, buf, 1u << 20, (off_t)off) != (1 << 20))
            return 1;
    host = file_bytes / MIB / (now_s() - t0);
    row("sequential read (1 MiB)", "MiB/s", ours, host, 1);

    /* Random 4 KiB writes, then one fsync. */
    uint64_t blocks = file_bytes / 4096;
    uint64_t saved = rng;
    t0 = now_s();
    for (int i = 0; i < rand_ops; i++)
        fs_pwrite(fs, ino, (next_rand() % blocks) * 4096, buf, 4096);
    fs_fsync(fs, ino);
    ours = rand_ops / (now_s() - t0);
    rng = saved;
    t0 = now_s();
    for (int i = 0; i < rand_ops; i++)
        if (pwrite(fd, buf, 4096, (off_t)((next_rand() % blocks) * 4096)) != 4096)
            return 1;
    fdatasync(fd);
    host = rand_ops / (now_s() - t0);
    row("random 4 KiB write", "ops/s", ours, host, 1);

    /* Random 4 KiB reads. */
    saved = rng;
    t0 = now_s();
    for (int i = 0; i < rand_ops; i++)
        fs_pread(fs, ino, (next_rand() % blocks) * 4096, buf, 4096);
    ours = rand_ops / (now_s() - t0);
    rng = saved;
    t0 = now_s();
    for (int i = 0; i < rand_ops; i++)
        if (pread(fd, buf, 4096, (off_t)((next_rand() % blocks) * 4096)) != 4096)
            return 1;
    host = rand_ops / (now_s() - t0);
    row("random 4 KiB read", "ops/s", ours, host, 1);

    /* fsync latency: 4 KiB write + fsync. */
    double *lat_ours = calloc((size_t)syncs, sizeof(double)), *lat_host = calloc((size_t)syncs, sizeof(double));
    for (int i = 0; i < syncs; i++) {
        double t = now_s();
        fs_pwrite(fs, ino, (uint64_t)(i % 64) * 4096, buf, 4096);
        fs_fsync(fs, ino);
        lat_ours[i] = (now_s() - t) * 1e6;
        t = now_s();
        if (pwrite(fd, buf, 4096, (off_t)(i % 64) * 4096) != 4096)
            return 1;
        fdatasync(fd);
        lat_host[i] = (now_s() - t) * 1e6;
    }
    qsort(lat_ours, (size_t)syncs, sizeof(double), cmp_double);
    qsort(lat_host, (size_t)syncs, sizeof(double), cmp_double);
    row("fsync latency, median", "us   ", lat_ours[syncs / 2], lat_host[syncs / 2], 0);
    row("fsync latency, p99", "us   ", lat_ours[syncs * 99 / 100], lat_host[syncs * 99 / 100], 0);
    close(fd);
    unlink(host_path);

    /* Creates and deletes in one directory, one sync at the end. */
    fs_mkdir(fs, FS_ROOT_INO, "d", 1, NULL);
    mkdir(host_dir, 0755);
    char name[600];
    t0 = now_s();
    for (int i = 0; i < files; i++) {
        int n = snprintf(name, sizeof name, "d/file-%06d", i);
        fs_create(fs, FS_ROOT_INO, name, (size_t)n, NULL);
    }
    fs_sync(fs);
    ours = files / (now_s() - t0);
    t0 = now_s();
    for (int i = 0; i < files; i++) {
        snprintf(name, sizeof name, "%s/file-%06d", host_dir, i);
        int f = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (f < 0)
            return 1;
        close(f);
    }
    int dfd = open(host_dir, O_RDONLY);
    fsync(dfd);
    host = files / (now_s() - t0);
    row("create empty file", "files/s", ours, host, 1);
    t0 = now_s();
    for (int i = 0; i < files; i++) {
        int n = snprintf(name, sizeof name, "d/file-%06d", i);
        fs_unlink(fs, FS_ROOT_INO, name, (size_t)n);
    }
    fs_sync(fs);
    ours = files / (now_s() - t0);
    t0 = now_s();
    for (int i = 0; i < files; i++) {
        snprintf(name, sizeof name, "%s/file-%06d", host_dir, i);
        unlink(name);
    }
    fsync(dfd);
    close(dfd);
    host = files / (now_s() - t0);
    row("delete file", "files/s", ours, host, 1);
    rmdir(host_dir);

    printf("\n(%zu MiB file, %d random ops, %d files, %d fsyncs; device writes %llu, flushes %llu)\n",
           file_bytes >> 20, rand_ops, files, syncs, (unsigned long long)img.writes,
           (unsigned long long)img.flushes);
    fs_unmount(fs);
    free(arena);
    free(buf);
    free(lat_ours);
    free(lat_host);
    fs_image_close(&img);
    unlink(img_path);
    return 0;
}
