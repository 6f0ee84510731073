/*
 * Small pieces the filesystem needs and a freestanding build has no library
 * for: CRC32C, the directory name hash, name validation, memory copies and
 * error names.
 *
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78) is computed
 * slice-by-8 from tables built on first use; the tables depend on nothing but
 * the polynomial, so building them twice is harmless.
 */
#include "system/fs/fs_format.h"

static uint32_t crc_table[8][256];
static bool crc_ready;

static void crc_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
        crc_table[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; i++)
        for (int t = 1; t < 8; t++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xff];
    crc_ready = true;
}

#if defined(__x86_64__)
/*
 * SSE4.2 has a CRC32C instruction; it is used when CPUID says the CPU has it
 * (QEMU's default CPU model does not, so the table path stays tested).
 */
static int hw_state; /* 0 unknown, 1 present, 2 absent */

static bool hw_crc_present(void)
{
    if (hw_state == 0) {
        uint32_t a = 1, b, c = 0, d;
        __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        hw_state = (c >> 20) & 1 ? 1 : 2;
    }
    return hw_state == 1;
}

__attribute__((target("sse4.2"))) static uint32_t crc_hw(uint32_t crc, const uint8_t *p, size_t len)
{
    uint64_t c = crc;
    while (len >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
        p += 8;
        len -= 8;
    }
    uint32_t c32 = (uint32_t)c;
    while (len--)
        c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
#endif

void fs_crc32c_use_table(bool table_only)
{
#if defined(__x86_64__)
    hw_state = table_only ? 2 : 0;
#else
    (void)table_only;
#endif
}

uint32_t fs_crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
#if defined(__x86_64__)
    if (hw_crc_present())
        return ~crc_hw(~crc, p, len);
#endif
    if (!crc_ready)
        crc_init();
    crc = ~crc;
    while (len >= 8) {
        uint32_t lo, hi;
        __builtin_memcpy(&lo, p, 4);
        __builtin_memcpy(&hi, p + 4, 4);
        lo ^= crc; /* little-endian loads: this file runs on x86_64 only */
        crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
              crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
              crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
              crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

uint32_t fs_node_crc(const uint8_t *block)
{
    static const uint8_t zero[4];
    uint32_t c = fs_crc32c(0, block, 4);
    c = fs_crc32c(c, zero, 4);
    return fs_crc32c(c, block + 8, FS_BLOCK_SIZE - 8);
}

uint32_t fs_sb_crc(const uint8_t *sb) { return fs_crc32c(0, sb, FS_SB_CRC_OFF); }

/*
 * A keyed hash, so a hostile client cannot cheaply craft many names for one
 * slot range without knowing the filesystem's seed: two independent CRC
 * passes seeded from the filesystem seed, mixed, cut to 60 bits.
 */
uint64_t fs_name_hash(uint64_t seed, const char *name, size_t len)
{
    uint32_t a = fs_crc32c((uint32_t)seed, name, len);
    uint32_t b = fs_crc32c((uint32_t)(seed >> 32) ^ 0x9e3779b9u, name, len);
    uint64_t h = ((uint64_t)a << 32) | b;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h >> 4;
}

bool fs_name_valid(const char *name, size_t len)
{
    const uint8_t *s = (const uint8_t *)name;
    if (len == 0 || len > FS_NAME_MAX)
        return false;
    if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
        return false;
    for (size_t i = 0; i < len;) {
        uint8_t c = s[i];
        size_t n;
        uint32_t cp;
        if (c == 0 || c == '/')
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n >= len)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* No overlong forms, no surrogates, nothing past U+10FFFF. */
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

#if __STDC_HOSTED__
void fs_memcpy(void *dst, const void *src, size_t n) { __builtin_memcpy(dst, src, n); }
void fs_memmove(void *dst, const void *src, size_t n) { __builtin_memmove(dst, src, n); }
void fs_memset(void *dst, int c, size_t n) { __builtin_memset(dst, c, n); }
int fs_memcmp(const void *a, const void *b, size_t n) { return __builtin_memcmp(a, b, n); }
#else
/* The target build compiles this file with -fno-tree-loop-distribute-patterns,
 * so these loops do not turn back into calls of the functions they replace. */
void fs_memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n >= 8) {
        uint64_t w;
        __builtin_memcpy(&w, s, 8);
        __builtin_memcpy(d, &w, 8);
        d += 8;
        s += 8;
        n -= 8;
    }
    while (n--)
        *d++ = *s++;
}
void fs_memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d <= s || d >= s + n) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
}
void fs_memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = (uint8_t)c;
}
int fs_memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}
#endif

const char *fs_strerror(int code)
{
    switch (code) {
    case FS_OK: return "success";
    case FS_EPERM: return "operation not permitted";
    case FS_ENOENT: return "no such file or directory";
    case FS_EIO: return "input/output error (damaged data or device failure)";
    case FS_EBADF: return "bad file handle";
    case FS_ENOMEM: return "out of memory";
    case FS_EEXIST: return "file exists";
    case FS_EXDEV: return "cross-device link";
    case FS_ENOTDIR: return "not a directory";
    case FS_EISDIR: return "is a directory";
    case FS_EINVAL: return "invalid argument";
    case FS_EFBIG: return "file too large";
    case FS_ENOSPC: return "no space left on device";
    case FS_EROFS: return "read-only filesystem";
    case FS_ENAMETOOLONG: return "file name too long";
    case FS_ENOTEMPTY: return "directory not empty";
    case FS_EILSEQ: return "name is not valid UTF-8";
    case FS_ESTALE: return "stale file handle";
    case FS_EUCLEAN: return "filesystem structure is damaged";
    default: return "unknown error";
    }
}
