/*
 * Parser of the extension host's configuration text (see ext_config.h).
 *
 * The text is outside input: it is copied out of its region once, every
 * number is range-checked, and the result is built in a local that is copied
 * to the caller only when the whole text is valid. Freestanding: no
 * allocation, no C library beyond what the compiler emits for struct copies.
 */
#include "service/extension_host/ext_config.h"

#include "lib/text/text.h"

typedef struct {
    ext_config_t cfg;
    bool has_fs, has_capacity, has_dir, has_max, has_ready;
} parse_state_t;

static bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

static bool same(const char *w, size_t n, const char *want)
{
    size_t i = 0;
    for (; i < n; i++)
        if (want[i] == '\0' || want[i] != w[i])
            return false;
    return want[i] == '\0';
}

/* Decimal or 0x-hexadecimal, at most max. */
static bool number(const char *v, size_t n, uint32_t max, uint32_t *out)
{
    uint64_t x;
    if (!text_number(v, n, 0, max, &x))
        return false;
    *out = (uint32_t)x;
    return true;
}

static const char *check_dir(const char *v, size_t n)
{
    if (n == 0 || v[0] != '/')
        return "dir must be an absolute path";
    if (n > EXT_CONFIG_MAX_DIR)
        return "dir is too long";
    if (n == 1)
        return NULL;
    if (v[n - 1] == '/')
        return "dir must not end in '/'";
    size_t i = 1;
    while (i <= n) {
        size_t j = i;
        while (j < n && v[j] != '/')
            j++;
        size_t len = j - i;
        if (len == 0)
            return "dir has an empty component";
        if ((len == 1 && v[i] == '.') || (len == 2 && v[i] == '.' && v[i + 1] == '.'))
            return "dir must not contain '.' or '..'";
        if (len > 255)
            return "dir has a component longer than 255 bytes";
        for (size_t k = i; k < j; k++)
            if ((unsigned char)v[k] < 0x21 || (unsigned char)v[k] > 0x7e)
                return "dir must be printable ASCII without blanks";
        i = j + 1;
    }
    return NULL;
}

static const char *apply(parse_state_t *s, const char *key, size_t klen, const char *v, size_t vlen)
{
    uint32_t x;
    if (same(key, klen, "fs") || same(key, klen, "ready")) {
        bool fs = klen == 2;
        bool *has = fs ? &s->has_fs : &s->has_ready;
        if (*has)
            return "repeated key";
        if (!number(v, vlen, 61, &x))
            return "a channel is a number 0..61";
        *has = true;
        if (fs)
            s->cfg.fs_channel = x;
        else
            s->cfg.ready_channel = x;
        return NULL;
    }
    if (same(key, klen, "capacity")) {
        if (s->has_capacity)
            return "repeated key";
        if (!number(v, vlen, 4096, &x) || x < 2 || (x & (x - 1)) != 0)
            return "capacity is a power of two 2..4096";
        s->has_capacity = true;
        s->cfg.capacity = x;
        return NULL;
    }
    if (same(key, klen, "max_bytes")) {
        if (s->has_max)
            return "repeated key";
        if (!number(v, vlen, EXT_CONFIG_MAX_BYTES, &x) || x < 8)
            return "max_bytes is a number 8..1048576";
        s->has_max = true;
        s->cfg.max_bytes = x;
        return NULL;
    }
    if (same(key, klen, "dir")) {
        if (s->has_dir)
            return "repeated key";
        const char *why = check_dir(v, vlen);
        if (why)
            return why;
        for (size_t i = 0; i < vlen; i++)
            s->cfg.dir[i] = v[i];
        s->cfg.dir[vlen] = '\0';
        s->cfg.dir_len = vlen;
        s->has_dir = true;
        return NULL;
    }
    return "unknown key";
}

bool ext_config_parse(const volatile char *text, size_t len, ext_config_t *out, ext_config_error_t *err)
{
    static char copy[EXT_CONFIG_MAX_TEXT];
    static parse_state_t s;
    size_t n = 0;
    err->line = 0;
    if (text == NULL) {
        err->what = "no configuration text";
        return false;
    }
    while (n < len && text[n] != '\0') {
        if (n == sizeof copy) {
            err->what = "configuration text is too long";
            return false;
        }
        copy[n] = text[n];
        n++;
    }
    s = (parse_state_t){0};
    s.cfg.ready_channel = EXT_CONFIG_NO_CHANNEL;
    s.cfg.max_bytes = EXT_CONFIG_DEFAULT_MAX_BYTES;
    uint32_t line = 1;
    size_t i = 0;
    while (i < n) {
        char c = copy[i];
        if (c == '\n') {
            line++;
            i++;
            continue;
        }
        if (blank(c)) {
            i++;
            continue;
        }
        if (c == '#') {
            while (i < n && copy[i] != '\n')
                i++;
            continue;
        }
        size_t start = i, eq = 0;
        while (i < n && !blank(copy[i]) && copy[i] != '#') {
            if (copy[i] == '=' && eq == 0)
                eq = i;
            i++;
        }
        err->line = line;
        if (eq == 0 || eq == start) {
            err->what = "expected key=value";
            return false;
        }
        const char *why = apply(&s, copy + start, eq - start, copy + eq + 1, i - eq - 1);
        if (why) {
            err->what = why;
            return false;
        }
    }
    err->line = 0;
    if (!s.has_fs || !s.has_capacity || !s.has_dir) {
        err->what = "fs, capacity and dir are required";
        return false;
    }
    if (s.has_ready && s.cfg.ready_channel == s.cfg.fs_channel) {
        err->what = "fs and ready must be different channels";
        return false;
    }
    *out = s.cfg;
    return true;
}
