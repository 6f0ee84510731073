/*
 * Parser for the filesystem PD's configuration text (see fs_config.h).
 *
 * The text comes from a region of the system description, so it is outside
 * input: it is copied out once, every number is range-checked, every list
 * bounded, and the result is built in a local and copied out only when the
 * whole text is valid. Freestanding: no allocation, no C library.
 */
#include "system/fs/fs_config.h"

#include "system/fs/fs.h"
#include "lib/text/text.h"

typedef struct {
    const char *p;
    const char *end;
} cfg_cursor_t;

typedef struct {
    char text[FS_CONFIG_MAX_TEXT];
    fs_config_t cfg;
    bool has_blk, has_cache, has_format;
} cfg_state_t;

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool word_eq(const char *w, size_t n, const char *want)
{
    size_t i = 0;
    for (; i < n; i++) {
        if (want[i] == '\0' || want[i] != w[i]) {
            return false;
        }
    }
    return want[i] == '\0';
}

static const char *check_root(const char *v, size_t n)
{
    if (n == 0 || v[0] != '/') {
        return "root must be an absolute path";
    }
    if (n > FS_CONFIG_MAX_ROOT) {
        return "root is too long";
    }
    if (n == 1) {
        return NULL;
    }
    if (v[n - 1] == '/') {
        return "root must not end in '/'";
    }
    size_t start = 1;
    for (size_t i = 1; i <= n; i++) {
        if (i < n && v[i] != '/') {
            if (v[i] == '\0' || (unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
                return "root holds a control character";
            }
            continue;
        }
        size_t len = i - start;
        if (len == 0) {
            return "root has an empty component ('//')";
        }
        if (len > FS_NAME_MAX) {
            return "root has a component longer than 255 bytes";
        }
        if ((len == 1 && v[start] == '.') || (len == 2 && v[start] == '.' && v[start + 1] == '.')) {
            return "root must be normalised (no '.' or '..' component)";
        }
        start = i + 1;
    }
    return NULL;
}

static bool capacity_ok(uint64_t c)
{
    return c >= FS_CONFIG_MIN_CAPACITY && c <= FS_CONFIG_MAX_CAPACITY && (c & (c - 1)) == 0;
}

/* The values of one line's `key=value` words. */
typedef struct {
    bool has_channel, has_capacity, has_root, has_nodes, has_seed;
    uint64_t channel, capacity, nodes, seed;
    const char *root;
    size_t root_len;
} cfg_words_t;

static const char *parse_word(const char *w, size_t n, cfg_words_t *out)
{
    size_t eq = 0;
    while (eq < n && w[eq] != '=') {
        eq++;
    }
    if (eq == n) {
        return "expected key=value";
    }
    const char *v = w + eq + 1;
    size_t vn = n - eq - 1;
    if (word_eq(w, eq, "channel")) {
        if (out->has_channel) {
            return "channel given twice";
        }
        if (!text_number(v, vn, 0, FS_CONFIG_MAX_CHANNEL, &out->channel)) {
            return "channel must be a number 0..61";
        }
        out->has_channel = true;
    } else if (word_eq(w, eq, "capacity")) {
        if (out->has_capacity) {
            return "capacity given twice";
        }
        if (!text_number(v, vn, 0, FS_CONFIG_MAX_CAPACITY, &out->capacity) || !capacity_ok(out->capacity)) {
            return "capacity must be a power of two 2..4096";
        }
        out->has_capacity = true;
    } else if (word_eq(w, eq, "root")) {
        if (out->has_root) {
            return "root given twice";
        }
        const char *why = check_root(v, vn);
        if (why) {
            return why;
        }
        out->root = v;
        out->root_len = vn;
        out->has_root = true;
    } else if (word_eq(w, eq, "nodes")) {
        if (out->has_nodes) {
            return "nodes given twice";
        }
        if (!text_number(v, vn, 0, FS_CONFIG_MAX_CACHE_NODES, &out->nodes)) {
            return "nodes must be a number 0..65536";
        }
        out->has_nodes = true;
    } else if (word_eq(w, eq, "seed")) {
        if (out->has_seed) {
            return "seed given twice";
        }
        if (!text_number(v, vn, 0, UINT64_MAX, &out->seed)) {
            return "seed must be a 64-bit number";
        }
        out->has_seed = true;
    } else {
        return "unknown key";
    }
    return NULL;
}

/* Which keys a line of each kind takes: required, then allowed. */
static const char *check_keys(const char *kind, size_t kn, const cfg_words_t *w)
{
    bool want_channel = false, want_capacity = false, want_root = false, want_nodes = false, want_seed = false;
    if (word_eq(kind, kn, "blk")) {
        want_channel = want_capacity = true;
    } else if (word_eq(kind, kn, "client")) {
        want_channel = want_capacity = want_root = true;
    } else if (word_eq(kind, kn, "cache")) {
        want_nodes = true;
    } else if (word_eq(kind, kn, "format")) {
        want_seed = true;
    } else {
        return "unknown line (expected blk, client, cache or format)";
    }
    if (w->has_channel != want_channel) {
        return want_channel ? "missing channel=" : "channel= does not belong on this line";
    }
    if (w->has_capacity != want_capacity) {
        return want_capacity ? "missing capacity=" : "capacity= does not belong on this line";
    }
    if (w->has_root != want_root) {
        return want_root ? "missing root=" : "root= does not belong on this line";
    }
    if (w->has_nodes != want_nodes) {
        return want_nodes ? "missing nodes=" : "nodes= does not belong on this line";
    }
    if (w->has_seed != want_seed) {
        return want_seed ? "missing seed=" : "seed= does not belong on this line";
    }
    return NULL;
}

static bool channel_used(const cfg_state_t *s, uint32_t ch)
{
    if (s->has_blk && s->cfg.blk_channel == ch) {
        return true;
    }
    for (uint32_t i = 0; i < s->cfg.client_count; i++) {
        if (s->cfg.clients[i].channel == ch) {
            return true;
        }
    }
    return false;
}

static const char *apply(cfg_state_t *s, const char *kind, size_t kn, const cfg_words_t *w)
{
    if (word_eq(kind, kn, "blk")) {
        if (s->has_blk) {
            return "a second blk line";
        }
        if (channel_used(s, (uint32_t)w->channel)) {
            return "channel already in use";
        }
        s->cfg.blk_channel = (uint32_t)w->channel;
        s->cfg.blk_capacity = (uint32_t)w->capacity;
        s->has_blk = true;
    } else if (word_eq(kind, kn, "client")) {
        if (s->cfg.client_count == FS_CONFIG_MAX_CLIENTS) {
            return "too many clients (at most 4)";
        }
        if (channel_used(s, (uint32_t)w->channel)) {
            return "channel already in use";
        }
        fs_config_client_t *c = &s->cfg.clients[s->cfg.client_count++];
        c->channel = (uint32_t)w->channel;
        c->capacity = (uint32_t)w->capacity;
        for (size_t i = 0; i < w->root_len; i++) {
            c->root[i] = w->root[i];
        }
        c->root[w->root_len] = '\0';
        c->root_len = w->root_len;
    } else if (word_eq(kind, kn, "cache")) {
        if (s->has_cache) {
            return "a second cache line";
        }
        s->cfg.cache_nodes = (uint32_t)w->nodes;
        s->has_cache = true;
    } else {
        if (s->has_format) {
            return "a second format line";
        }
        s->cfg.format_seed = w->seed;
        s->has_format = true;
    }
    return NULL;
}

/* One line without its newline; NULL when it is good. */
static const char *parse_line(cfg_state_t *s, const char *p, const char *end)
{
    const char *kind = NULL;
    size_t kn = 0;
    cfg_words_t w = {0};
    for (;;) {
        while (p < end && is_blank(*p)) {
            p++;
        }
        if (p == end || *p == '#') {
            break;
        }
        const char *word = p;
        while (p < end && !is_blank(*p) && *p != '#') {
            p++;
        }
        size_t n = (size_t)(p - word);
        if (!kind) {
            kind = word;
            kn = n;
            continue;
        }
        const char *why = parse_word(word, n, &w);
        if (why) {
            return why;
        }
    }
    if (!kind) {
        return NULL; /* blank or comment */
    }
    const char *why = check_keys(kind, kn, &w);
    return why ? why : apply(s, kind, kn, &w);
}

bool fs_config_parse(const volatile char *text, size_t len, fs_config_t *out, fs_config_error_t *err)
{
    static const fs_config_error_t none = {0, "no error"};
    fs_config_error_t e = none;
    /* Static: the text copy and the result under construction are too large
     * for a PD's stack. The parser is therefore not reentrant. */
    static cfg_state_t s;
    size_t n = 0;
    while (n < len && n < FS_CONFIG_MAX_TEXT) {
        char c = text[n];
        if (c == '\0') {
            break;
        }
        s.text[n++] = c;
    }
    if (n == FS_CONFIG_MAX_TEXT && n < len && text[n] != '\0') {
        e.what = "configuration text longer than 4096 bytes";
        goto fail;
    }
    s.cfg = (fs_config_t){0};
    s.has_blk = s.has_cache = s.has_format = false;
    const char *p = s.text, *end = s.text + n;
    uint32_t line = 0;
    while (p < end) {
        const char *eol = p;
        while (eol < end && *eol != '\n') {
            eol++;
        }
        line++;
        const char *why = parse_line(&s, p, eol);
        if (why) {
            e.line = line;
            e.what = why;
            goto fail;
        }
        p = eol < end ? eol + 1 : eol;
    }
    if (!s.has_blk) {
        e.what = "no blk line";
        goto fail;
    }
    if (s.cfg.client_count == 0) {
        e.what = "no client line";
        goto fail;
    }
    *out = s.cfg;
    if (err) {
        *err = none;
    }
    return true;
fail:
    if (err) {
        *err = e;
    }
    return false;
}
