/*
 * Behaviour of the filesystem library, one case per property the format
 * promises: operations and their error codes, limits (255-byte UTF-8 names,
 * thousands of entries per directory, files past 4 GiB), atomic rename
 * across directories, confinement to a base directory, persistence across
 * remounts and a full fsck after each case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs.h"
#include "system/fs/fs_format.h"
#include "system/fs/fs_fsck.h"
#include "tests/fs/memdev.h"
#include "tests/harness.h"

#define P(s) s, strlen(s)

static void fsck_print(void *ctx, bool problem, const char *msg)
{
    (void)ctx;
    if (problem)
        printf("  fsck: %s\n", msg);
}

static bool fsck_clean(memdev_t *m)
{
    fs_fsck_result_t res;
    return fs_fsck(&m->dev, fsck_print, NULL, &res) == FS_OK && res.problems == 0;
}

typedef struct {
    memdev_t m;
    void *arena;
    fs_t *fs;
} rig_t;

static void rig_up(rig_t *r, uint64_t blocks, uint32_t cache)
{
    memdev_init(&r->m, blocks);
    if (fs_mkfs(&r->m.dev, 0x1234abcdull) != FS_OK)
        abort();
    char err[200];
    int rc;
    r->fs = memdev_mount(&r->m, cache, &r->arena, err, sizeof err, &rc);
    if (!r->fs) {
        printf("mount: %s\n", err);
        abort();
    }
}

static bool rig_remount(rig_t *r)
{
    char err[200];
    int rc;
    if (fs_unmount(r->fs) != FS_OK)
        return false;
    free(r->arena);
    r->fs = memdev_mount(&r->m, 0, &r->arena, err, sizeof err, &rc);
    if (!r->fs)
        printf("  remount: %s\n", err);
    return r->fs != NULL;
}

static void rig_down(rig_t *r)
{
    if (r->fs)
        fs_unmount(r->fs);
    free(r->arena);
    memdev_free(&r->m);
}

/* Bit-at-a-time CRC32C, the definition both fast paths must agree with. */
static uint32_t crc_reference(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1)));
    }
    return ~c;
}

static void test_crc(void)
{
    static uint8_t buf[5000];
    uint64_t s = 1;
    for (size_t i = 0; i < sizeof buf; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(s >> 56);
    }
    TEST_EXPECT("crc32c_known_value", fs_crc32c(0, "123456789", 9) == 0xe3069283u);
    bool ok = true;
    for (int mode = 0; mode < 2; mode++) {
        fs_crc32c_use_table(mode == 1);
        for (size_t off = 0; off < 9 && ok; off++)
            for (size_t n = 0; n < 200 && ok; n += 7)
                ok = fs_crc32c(0, buf + off, n) == crc_reference(buf + off, n);
        ok = ok && fs_crc32c(0, buf, sizeof buf) == crc_reference(buf, sizeof buf);
    }
    fs_crc32c_use_table(false);
    TEST_EXPECT("crc32c_hardware_and_table_paths_match_reference", ok);
}

static void test_basic(void)
{
    rig_t r;
    rig_up(&r, 4096, 0);
    uint64_t ino, ino2;
    TEST_EXPECT("create_returns_inode", fs_create(r.fs, FS_ROOT_INO, P("hello"), &ino) == FS_OK);
    TEST_EXPECT("create_existing_is_eexist", fs_create(r.fs, FS_ROOT_INO, P("hello"), &ino2) == FS_EEXIST);
    TEST_EXPECT("write_returns_count", fs_pwrite(r.fs, ino, 0, "hello, world", 12) == 12);
    char buf[64] = {0};
    TEST_EXPECT("read_back", fs_pread(r.fs, ino, 0, buf, sizeof buf) == 12 && memcmp(buf, "hello, world", 12) == 0);
    TEST_EXPECT("pread_at_offset", fs_pread(r.fs, ino, 7, buf, 5) == 5 && memcmp(buf, "world", 5) == 0);
    TEST_EXPECT("pread_past_end_is_zero", fs_pread(r.fs, ino, 100, buf, 5) == 0);
    TEST_EXPECT("pwrite_middle", fs_pwrite(r.fs, ino, 7, "WORLD", 5) == 5);
    fs_stat_t st;
    TEST_EXPECT("stat_size", fs_stat(r.fs, ino, &st) == FS_OK && st.size == 12 && st.type == FS_TYPE_FILE);
    TEST_EXPECT("lookup_finds", fs_lookup(r.fs, FS_ROOT_INO, P("/hello"), &ino2) == FS_OK && ino2 == ino);
    TEST_EXPECT("lookup_missing_enoent", fs_lookup(r.fs, FS_ROOT_INO, P("nope"), &ino2) == FS_ENOENT);
    TEST_EXPECT("mkdir", fs_mkdir(r.fs, FS_ROOT_INO, P("d"), NULL) == FS_OK);
    TEST_EXPECT("mkdir_nested", fs_mkdir(r.fs, FS_ROOT_INO, P("d/e"), NULL) == FS_OK);
    TEST_EXPECT("create_in_missing_dir_enoent", fs_create(r.fs, FS_ROOT_INO, P("x/y"), &ino2) == FS_ENOENT);
    TEST_EXPECT("create_under_file_enotdir", fs_create(r.fs, FS_ROOT_INO, P("hello/y"), &ino2) == FS_ENOTDIR);
    TEST_EXPECT("rmdir_nonempty", fs_rmdir(r.fs, FS_ROOT_INO, P("d")) == FS_ENOTEMPTY);
    TEST_EXPECT("unlink_dir_eisdir", fs_unlink(r.fs, FS_ROOT_INO, P("d")) == FS_EISDIR);
    TEST_EXPECT("rmdir_file_enotdir", fs_rmdir(r.fs, FS_ROOT_INO, P("hello")) == FS_ENOTDIR);
    TEST_EXPECT("dotdot_rejected", fs_lookup(r.fs, FS_ROOT_INO, P("d/../hello"), &ino2) == FS_EINVAL);
    TEST_EXPECT("dot_rejected", fs_create(r.fs, FS_ROOT_INO, P("d/."), &ino2) == FS_EINVAL);
    TEST_EXPECT("write_to_dir_eisdir", fs_pwrite(r.fs, FS_ROOT_INO, 0, "x", 1) == FS_EISDIR);
    TEST_EXPECT("remount_keeps_data", rig_remount(&r) &&
                                     fs_lookup(r.fs, FS_ROOT_INO, P("hello"), &ino2) == FS_OK &&
                                     fs_pread(r.fs, ino2, 0, buf, 64) == 12 &&
                                     memcmp(buf, "hello, WORLD", 12) == 0);
    TEST_EXPECT("rmdir_empty", fs_rmdir(r.fs, FS_ROOT_INO, P("d/e")) == FS_OK &&
                              fs_rmdir(r.fs, FS_ROOT_INO, P("d")) == FS_OK);
    TEST_EXPECT("unlink_file", fs_unlink(r.fs, FS_ROOT_INO, P("hello")) == FS_OK &&
                              fs_lookup(r.fs, FS_ROOT_INO, P("hello"), &ino2) == FS_ENOENT);
    TEST_EXPECT("stale_handle_after_unlink", fs_pread(r.fs, ino, 0, buf, 4) == FS_ESTALE);
    fs_statfs_t sf;
    TEST_EXPECT("statfs_counts", fs_statfs(r.fs, &sf) == FS_OK && sf.files == 1 && sf.total_blocks == 4096 &&
                                sf.free_blocks > 4000);
    TEST_EXPECT("basic_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

static void test_names(void)
{
    rig_t r;
    rig_up(&r, 1024, 0);
    char name[300];
    memset(name, 'a', 255);
    uint64_t ino;
    TEST_EXPECT("name_255_bytes_ok", fs_create(r.fs, FS_ROOT_INO, name, 255, &ino) == FS_OK);
    TEST_EXPECT("name_256_bytes_enametoolong", fs_create(r.fs, FS_ROOT_INO, name, 256, &ino) == FS_ENAMETOOLONG);
    /* 85 three-byte characters: 255 bytes of UTF-8. */
    for (int i = 0; i < 85; i++)
        memcpy(name + 3 * i, "\xe2\x82\xac", 3);
    TEST_EXPECT("utf8_name_255_ok", fs_create(r.fs, FS_ROOT_INO, name, 255, &ino) == FS_OK);
    uint64_t cookie = 0;
    fs_dirent_t d;
    int found = 0;
    while (fs_readdir(r.fs, FS_ROOT_INO, &cookie, &d) == 1)
        found += d.name_len == 255 && memcmp(d.name, name, 255) == 0;
    TEST_EXPECT("utf8_name_listed_exactly", found == 1);
    TEST_EXPECT("invalid_utf8_rejected", fs_create(r.fs, FS_ROOT_INO, P("bad\xff"), &ino) == FS_EILSEQ);
    TEST_EXPECT("overlong_utf8_rejected", fs_create(r.fs, FS_ROOT_INO, P("\xc0\xaf"), &ino) == FS_EILSEQ);
    TEST_EXPECT("nul_in_name_rejected", fs_create(r.fs, FS_ROOT_INO, "a\0b", 3, &ino) == FS_EINVAL);
    TEST_EXPECT("names_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

static void test_many_entries(void)
{
    rig_t r;
    rig_up(&r, 8192, 0);
    enum { N = 5000 };
    char name[64];
    bool ok = true;
    fs_mkdir(r.fs, FS_ROOT_INO, P("big"), NULL);
    for (int i = 0; i < N && ok; i++) {
        int n = snprintf(name, sizeof name, "big/entry-%05d-with-a-longer-name", i);
        ok = fs_create(r.fs, FS_ROOT_INO, name, (size_t)n, NULL) == FS_OK;
    }
    TEST_EXPECT("create_5000_entries", ok);
    ok = rig_remount(&r);
    uint64_t dir, ino;
    fs_lookup(r.fs, FS_ROOT_INO, P("big"), &dir);
    for (int i = 0; i < N && ok; i += 7) {
        int n = snprintf(name, sizeof name, "entry-%05d-with-a-longer-name", i);
        ok = fs_lookup(r.fs, dir, name, (size_t)n, &ino) == FS_OK;
    }
    TEST_EXPECT("lookup_among_5000", ok);
    uint64_t cookie = 0, count = 0;
    fs_dirent_t d;
    int rc;
    while ((rc = fs_readdir(r.fs, dir, &cookie, &d)) == 1)
        count++;
    TEST_EXPECT("readdir_lists_5000", rc == 0 && count == N);
    fs_stat_t st;
    TEST_EXPECT("dir_stat_counts_entries", fs_stat(r.fs, dir, &st) == FS_OK && st.size == N);
    ok = true;
    for (int i = 0; i < N && ok; i += 2) {
        int n = snprintf(name, sizeof name, "big/entry-%05d-with-a-longer-name", i);
        ok = fs_unlink(r.fs, FS_ROOT_INO, name, (size_t)n) == FS_OK;
    }
    TEST_EXPECT("unlink_half_of_5000", ok && fs_stat(r.fs, dir, &st) == FS_OK && st.size == N / 2);
    TEST_EXPECT("many_entries_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

static void test_large_file(void)
{
    rig_t r;
    rig_up(&r, 4096, 0);
    uint64_t ino;
    fs_create(r.fs, FS_ROOT_INO, P("huge"), &ino);
    uint64_t off = 5ull << 30; /* 5 GiB, beyond 32 bits */
    TEST_EXPECT("write_past_4gib", fs_pwrite(r.fs, ino, off, "tail", 4) == 4);
    fs_stat_t st;
    TEST_EXPECT("size_past_4gib", fs_stat(r.fs, ino, &st) == FS_OK && st.size == off + 4 && st.blocks == 1);
    char buf[8];
    TEST_EXPECT("read_past_4gib", fs_pread(r.fs, ino, off, buf, 8) == 4 && memcmp(buf, "tail", 4) == 0);
    TEST_EXPECT("hole_reads_zero", fs_pread(r.fs, ino, 1ull << 32, buf, 8) == 8 &&
                                  memcmp(buf, "\0\0\0\0\0\0\0\0", 8) == 0);
    TEST_EXPECT("write_near_limit_efbig", fs_pwrite(r.fs, ino, FS_MAX_FILE_SIZE, "x", 1) == FS_EFBIG);
    TEST_EXPECT("truncate_shrinks", fs_truncate(r.fs, ino, 3ull << 30) == FS_OK &&
                                   fs_stat(r.fs, ino, &st) == FS_OK && st.blocks == 0);
    TEST_EXPECT("large_file_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

static void test_truncate(void)
{
    rig_t r;
    rig_up(&r, 4096, 0);
    uint64_t ino;
    fs_create(r.fs, FS_ROOT_INO, P("t"), &ino);
    static uint8_t data[200000], back[200000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7 + 1);
    TEST_EXPECT("big_write", fs_pwrite(r.fs, ino, 0, data, sizeof data) == (int64_t)sizeof data);
    TEST_EXPECT("truncate_mid_block", fs_truncate(r.fs, ino, 5000) == FS_OK);
    TEST_EXPECT("truncate_extend", fs_truncate(r.fs, ino, 100000) == FS_OK);
    memset(back, 0xee, sizeof back);
    bool ok = fs_pread(r.fs, ino, 0, back, sizeof back) == 100000 && memcmp(back, data, 5000) == 0;
    for (size_t i = 5000; i < 100000 && ok; i++)
        ok = back[i] == 0;
    TEST_EXPECT("truncate_then_extend_reads_zeros", ok);
    TEST_EXPECT("truncate_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

static void test_rename(void)
{
    rig_t r;
    rig_up(&r, 2048, 0);
    uint64_t a, b, ino;
    fs_mkdir(r.fs, FS_ROOT_INO, P("src"), NULL);
    fs_mkdir(r.fs, FS_ROOT_INO, P("dst"), NULL);
    fs_create(r.fs, FS_ROOT_INO, P("src/f"), &a);
    fs_pwrite(r.fs, a, 0, "AAAA", 4);
    fs_create(r.fs, FS_ROOT_INO, P("dst/g"), &b);
    fs_pwrite(r.fs, b, 0, "BBBB", 4);
    TEST_EXPECT("rename_across_dirs", fs_rename(r.fs, FS_ROOT_INO, P("src/f"), P("dst/f")) == FS_OK &&
                                     fs_lookup(r.fs, FS_ROOT_INO, P("src/f"), &ino) == FS_ENOENT &&
                                     fs_lookup(r.fs, FS_ROOT_INO, P("dst/f"), &ino) == FS_OK && ino == a);
    TEST_EXPECT("rename_replaces_file", fs_rename(r.fs, FS_ROOT_INO, P("dst/f"), P("dst/g")) == FS_OK &&
                                       fs_lookup(r.fs, FS_ROOT_INO, P("dst/g"), &ino) == FS_OK && ino == a);
    char buf[4];
    TEST_EXPECT("replaced_file_is_gone", fs_pread(r.fs, b, 0, buf, 4) == FS_ESTALE);
    TEST_EXPECT("rename_dir_into_itself_einval",
           fs_mkdir(r.fs, FS_ROOT_INO, P("src/sub"), NULL) == FS_OK &&
               fs_rename(r.fs, FS_ROOT_INO, P("src"), P("src/sub/x")) == FS_EINVAL);
    TEST_EXPECT("rename_dir_over_file_enotdir", fs_rename(r.fs, FS_ROOT_INO, P("src"), P("dst/g")) == FS_ENOTDIR);
    TEST_EXPECT("rename_dir", fs_rename(r.fs, FS_ROOT_INO, P("src"), P("dst/moved")) == FS_OK &&
                             fs_lookup(r.fs, FS_ROOT_INO, P("dst/moved/sub"), &ino) == FS_OK);
    TEST_EXPECT("rename_missing_enoent", fs_rename(r.fs, FS_ROOT_INO, P("nope"), P("x")) == FS_ENOENT);
    TEST_EXPECT("rename_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

static void test_confinement(void)
{
    rig_t r;
    rig_up(&r, 1024, 0);
    uint64_t client, ino;
    fs_mkdir(r.fs, FS_ROOT_INO, P("clients"), NULL);
    fs_mkdir(r.fs, FS_ROOT_INO, P("clients/a"), &client);
    fs_create(r.fs, FS_ROOT_INO, P("secret"), NULL);
    TEST_EXPECT("confined_create", fs_create(r.fs, client, P("mine"), &ino) == FS_OK &&
                                  fs_lookup(r.fs, FS_ROOT_INO, P("clients/a/mine"), &ino) == FS_OK);
    TEST_EXPECT("confined_cannot_dotdot", fs_lookup(r.fs, client, P("../../secret"), &ino) == FS_EINVAL);
    TEST_EXPECT("confined_absolute_stays_inside", fs_lookup(r.fs, client, P("/secret"), &ino) == FS_ENOENT);
    TEST_EXPECT("confined_rename_out_fails", fs_rename(r.fs, client, P("mine"), P("../mine")) == FS_EINVAL);
    TEST_EXPECT("confined_cannot_remove_base", fs_rmdir(r.fs, client, "/", 1) == FS_EINVAL);
    rig_down(&r);
}

static void test_space(void)
{
    rig_t r;
    rig_up(&r, 256, 128); /* 1 MiB */
    uint64_t ino;
    static uint8_t data[1 << 20];
    memset(data, 0x5a, sizeof data);
    fs_create(r.fs, FS_ROOT_INO, P("fill"), &ino);
    uint64_t pos = 0;
    int64_t n;
    while ((n = fs_pwrite(r.fs, ino, pos, data, 64 * 1024)) > 0)
        pos += (uint64_t)n;
    TEST_EXPECT("full_disk_enospc", n == FS_ENOSPC && pos > 512 * 1024);
    TEST_EXPECT("full_disk_still_deletes", fs_unlink(r.fs, FS_ROOT_INO, P("fill")) == FS_OK);
    TEST_EXPECT("space_back_after_delete", fs_create(r.fs, FS_ROOT_INO, P("again"), &ino) == FS_OK &&
                                          fs_pwrite(r.fs, ino, 0, data, 64 * 1024) == 64 * 1024);
    TEST_EXPECT("space_fsck_clean", fs_sync(r.fs) == FS_OK && fsck_clean(&r.m));
    rig_down(&r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_crc();
    test_basic();
    test_names();
    test_many_entries();
    test_large_file();
    test_truncate();
    test_rename();
    test_confinement();
    test_space();
    return test_failures ? 1 : 0;
}
