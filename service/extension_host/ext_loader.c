/*
 * ext_loader: the directory listing and the per-file checks of loading
 * extensions from the filesystem (see ext_loader.h).
 *
 * What comes back from the filesystem PD is checked before use: directory
 * entries are bounded by fs_client_readdir, the size from stat is compared
 * with the limit before memory is taken for the file, and a read that
 * returns fewer bytes than the size is a refusal, not a short module.
 * Working buffers are static (the PD's stack is small); the loader is not
 * reentrant.
 */
#include "service/extension_host/ext_loader.h"

#include <string.h>

#include "lib/text/text.h"
#include "system/fs/fs.h"

#define NAME_BYTES 256u /* a directory entry's name with its NUL */
#define WASM_SUFFIX ".wasm"
#define WASM_SUFFIX_LEN 5u

static char names[EXT_HOST_MAX][NAME_BYTES];
static size_t name_count;
static char path[FS_PATH_MAX + 1];
static fs_wire_dirent_t entry;
static fs_wire_stat_t st;

static size_t length(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* Appends a NUL-terminated part to a line buffer, truncating. */
static void append(char *line, size_t size, const char *part)
{
    size_t n = length(line);
    while (*part && n + 1 < size)
        line[n++] = *part++;
    line[n] = '\0';
}

static void say(const ext_loader_t *l, const char *a, const char *b)
{
    char line[160] = "ext-host: ";
    append(line, sizeof line, a);
    append(line, sizeof line, b);
    append(line, sizeof line, "\n");
    l->host->console(line);
}

static const char *status_text(int status)
{
    switch (status) {
    case FS_ENOENT: return "no such file";
    case FS_EIO: return "I/O error";
    case FS_EISDIR: return "is a directory";
    case FS_ENOTDIR: return "not a directory";
    case FS_ENOMEM: return "no free handle";
    case FS_EUCLEAN: return "filesystem damaged";
    case FS_EINVAL: return "invalid request";
    default: return "filesystem error";
    }
}

/* Byte order of two NUL-terminated names. */
static int name_order(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(uint8_t)*a - (int)(uint8_t)*b;
}

static bool is_module_name(const char *name, size_t n)
{
    return n > WASM_SUFFIX_LEN && memcmp(name + n - WASM_SUFFIX_LEN, WASM_SUFFIX, WASM_SUFFIX_LEN) == 0;
}

/* Keeps `name` if it is among the EXT_HOST_MAX first in byte order; true if one was pushed out. */
static bool keep_name(const char *name, size_t n)
{
    bool dropped = false;
    if (name_count == EXT_HOST_MAX) {
        if (name_order(names[EXT_HOST_MAX - 1], name) <= 0)
            return true;
        name_count--;
        dropped = true;
    }
    size_t at = name_count++;
    while (at > 0 && name_order(names[at - 1], name) > 0) {
        memcpy(names[at], names[at - 1], NAME_BYTES);
        at--;
    }
    memcpy(names[at], name, n);
    names[at][n] = '\0';
    return dropped;
}

/* Lists the directory's module names, sorted; false (after saying why) if it cannot be opened. */
static bool list_directory(const ext_loader_t *l)
{
    uint32_t dh;
    name_count = 0;
    int status = fs_client_open(l->fs, l->dir, l->dir_len, FS_OPEN_DIRECTORY, &dh);
    if (status != 0) {
        say(l, "cannot open the extension directory: ", status_text(status));
        return false;
    }
    uint64_t cookie = 0;
    bool overflow = false;
    while ((status = fs_client_readdir(l->fs, dh, &cookie, &entry)) == 0 && cookie != 0) {
        if (entry.type == 1 && entry.name_len < NAME_BYTES && is_module_name(entry.name, entry.name_len))
            overflow |= keep_name(entry.name, entry.name_len);
    }
    fs_client_close(l->fs, dh);
    if (status != 0)
        say(l, "reading the extension directory failed: ", status_text(status));
    if (overflow)
        say(l, "more modules than the host holds; loading the first by name", "");
    return true;
}

/* Loads one module file; every failure is one refusal line naming the file. */
static void load_file(const ext_loader_t *l, const char *file)
{
    char name[NAME_BYTES], why[96] = "", num[TEXT_DECIMAL_SIZE];
    size_t n = length(file) - WASM_SUFFIX_LEN;
    memcpy(name, file, n);
    name[n] = '\0';
    path[0] = '\0';
    append(path, sizeof path, l->dir);
    if (l->dir_len > 1)
        append(path, sizeof path, "/");
    append(path, sizeof path, file);

    uint32_t fh;
    uint8_t *bytes = NULL;
    size_t got = 0;
    int status = fs_client_open(l->fs, path, length(path), 0, &fh);
    if (status != 0) {
        append(why, sizeof why, "unreadable: ");
        append(why, sizeof why, status_text(status));
        ext_host_refuse(l->host, name, why, NULL);
        return;
    }
    status = fs_client_stat(l->fs, fh, &st);
    if (status != 0) {
        append(why, sizeof why, "unreadable: ");
        append(why, sizeof why, status_text(status));
        goto out;
    }
    if (st.size > l->max_bytes) {
        append(why, sizeof why, "too big: ");
        append(why, sizeof why, text_decimal(num, st.size));
        append(why, sizeof why, " bytes, limit ");
        append(why, sizeof why, text_decimal(num, l->max_bytes));
        goto out;
    }
    bytes = ext_arena_alloc(l->arena, st.size ? (size_t)st.size : 1);
    if (bytes == NULL) {
        append(why, sizeof why, "no memory to read it into");
        goto out;
    }
    status = fs_client_pread(l->fs, fh, 0, bytes, (size_t)st.size, &got);
    if (status != 0 || got != st.size) {
        append(why, sizeof why, "unreadable: ");
        append(why, sizeof why, status ? status_text(status) : "shorter than its size");
        goto out;
    }
    ext_host_load(l->host, name, bytes, got);
out:
    if (why[0])
        ext_host_refuse(l->host, name, why, NULL);
    ext_arena_free(l->arena, bytes);
    fs_client_close(l->fs, fh);
}

bool ext_loader_load_dir(const ext_loader_t *l)
{
    ext_host_unload_all(l->host);
    if (!list_directory(l))
        return false;
    for (size_t i = 0; i < name_count; i++)
        load_file(l, names[i]);
    return true;
}
