/*
 * json: a recursive-descent JSON reader with a depth limit, for the
 * spec-test runner's command files. Strings are copied out with escapes
 * decoded (\uXXXX to UTF-8); numbers are kept as their text, because the
 * runner wants exact 64-bit integers, never doubles.
 */
#include "tools/wasm/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *p, *end;
    const char *error;
} parser_t;

static void skip_ws(parser_t *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '\t'))
        ps->p++;
}

static json_node_t *node_new(json_kind_t kind)
{
    json_node_t *n = calloc(1, sizeof *n);
    if (n)
        n->kind = kind;
    return n;
}

void json_free(json_node_t *n)
{
    while (n) {
        json_node_t *next = n->next;
        json_free(n->child);
        free(n->key);
        free(n->str);
        free(n);
        n = next;
    }
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static char *parse_string(parser_t *ps, size_t *out_len)
{
    if (ps->p >= ps->end || *ps->p != '"') {
        ps->error = "expected a string";
        return NULL;
    }
    ps->p++;
    const char *start = ps->p;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p == '\\')
            ps->p++;
        ps->p++;
    }
    if (ps->p >= ps->end) {
        ps->error = "unterminated string";
        return NULL;
    }
    size_t raw = (size_t)(ps->p - start);
    ps->p++;
    /* Decoded text is never longer than the escaped text. */
    char *out = malloc(raw + 1);
    if (!out) {
        ps->error = "out of memory";
        return NULL;
    }
    size_t o = 0;
    for (size_t i = 0; i < raw; i++) {
        char c = start[i];
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        if (++i >= raw)
            goto bad;
        switch (start[i]) {
        case 'n': out[o++] = '\n'; break;
        case 't': out[o++] = '\t'; break;
        case 'r': out[o++] = '\r'; break;
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'u': {
            if (raw - i < 5)
                goto bad;
            uint32_t cp = 0;
            for (int k = 1; k <= 4; k++) {
                int h = hex_digit(start[i + (size_t)k]);
                if (h < 0)
                    goto bad;
                cp = cp << 4 | (uint32_t)h;
            }
            i += 4;
            /* \uXXXX takes six bytes and decodes to at most three. */
            o += put_utf8(out + o, cp);
            break;
        }
        default: out[o++] = start[i]; break;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
bad:
    free(out);
    ps->error = "bad escape";
    return NULL;
}

static json_node_t *parse_value(parser_t *ps, int depth);

static json_node_t *parse_container(parser_t *ps, int depth, bool object)
{
    json_node_t *n = node_new(object ? JSON_OBJECT : JSON_ARRAY);
    json_node_t **tail;
    if (!n) {
        ps->error = "out of memory";
        return NULL;
    }
    tail = &n->child;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
        ps->p++;
        return n;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(ps);
        if (object) {
            key = parse_string(ps, NULL);
            if (!key)
                goto fail;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                free(key);
                ps->error = "expected ':'";
                goto fail;
            }
            ps->p++;
        }
        json_node_t *v = parse_value(ps, depth + 1);
        if (!v) {
            free(key);
            goto fail;
        }
        v->key = key;
        *tail = v;
        tail = &v->next;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == (object ? '}' : ']')) {
            ps->p++;
            return n;
        }
        ps->error = "expected ',' or a closing bracket";
        goto fail;
    }
fail:
    json_free(n);
    return NULL;
}

static json_node_t *parse_value(parser_t *ps, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        ps->error = "nested too deeply";
        return NULL;
    }
    skip_ws(ps);
    if (ps->p >= ps->end) {
        ps->error = "unexpected end";
        return NULL;
    }
    char c = *ps->p;
    if (c == '{' || c == '[')
        return parse_container(ps, depth, c == '{');
    if (c == '"') {
        size_t slen = 0;
        char *s = parse_string(ps, &slen);
        if (!s)
            return NULL;
        json_node_t *n = node_new(JSON_STRING);
        if (!n) {
            free(s);
            ps->error = "out of memory";
            return NULL;
        }
        n->str = s;
        n->len = slen;
        return n;
    }
    static const struct {
        const char *word;
        json_kind_t kind;
        bool truth;
    } words[] = {{"true", JSON_BOOL, true}, {"false", JSON_BOOL, false}, {"null", JSON_NULL, false}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        size_t len = strlen(words[i].word);
        if ((size_t)(ps->end - ps->p) >= len && memcmp(ps->p, words[i].word, len) == 0) {
            ps->p += len;
            json_node_t *n = node_new(words[i].kind);
            if (!n)
                ps->error = "out of memory";
            else
                n->truth = words[i].truth;
            return n;
        }
    }
    const char *start = ps->p;
    /* Not strchr: it would find a NUL byte of the input in its own terminator. */
    while (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-' || *ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' ||
                               (*ps->p >= '0' && *ps->p <= '9')))
        ps->p++;
    if (ps->p == start) {
        ps->error = "unexpected character";
        return NULL;
    }
    json_node_t *n = node_new(JSON_NUMBER);
    if (!n || !(n->str = malloc((size_t)(ps->p - start) + 1))) {
        free(n);
        ps->error = "out of memory";
        return NULL;
    }
    memcpy(n->str, start, (size_t)(ps->p - start));
    n->str[ps->p - start] = '\0';
    n->len = (size_t)(ps->p - start);
    return n;
}

json_node_t *json_parse(const char *text, size_t len, const char **error)
{
    parser_t ps = {text, text + len, NULL};
    json_node_t *n = parse_value(&ps, 0);
    if (n) {
        skip_ws(&ps);
        if (ps.p != ps.end) {
            json_free(n);
            n = NULL;
            ps.error = "trailing characters";
        }
    }
    if (!n && error)
        *error = ps.error ? ps.error : "parse error";
    return n;
}

const json_node_t *json_get(const json_node_t *obj, const char *key)
{
    if (!obj || obj->kind != JSON_OBJECT)
        return NULL;
    for (const json_node_t *c = obj->child; c; c = c->next)
        if (c->key && strcmp(c->key, key) == 0)
            return c;
    return NULL;
}

const char *json_str(const json_node_t *obj, const char *key)
{
    const json_node_t *n = json_get(obj, key);
    return n && n->kind == JSON_STRING ? n->str : NULL;
}
