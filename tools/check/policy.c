/*
 * Policy files: parsing and checking.
 *
 * The parser reads the text line by line and word by word without copying
 * it, so a hostile file costs no more memory than its rules. A line with an
 * error is reported and skipped, and any error fails the whole file: a
 * policy half understood must not pass as a policy kept.
 */
#include "tools/check/policy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tools/check/flow.h"

#define POLICY_MAX_WORDS 6
#define POLICY_MAX_ERRORS 20

typedef struct {
    const char *text;
    size_t len;
    uint32_t column; /* 1-based */
} word_t;

typedef struct {
    const char *file;
    FILE *diag;
    unsigned errors;
} policy_ctx_t;

__attribute__((format(printf, 4, 5)))
static void policy_error(policy_ctx_t *c, uint32_t line, uint32_t column, const char *fmt, ...)
{
    if (++c->errors > POLICY_MAX_ERRORS)
        return;
    fprintf(c->diag, "%s:%u:%u: error: ", c->file, line, column);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(c->diag, fmt, ap);
    va_end(ap);
    fputc('\n', c->diag);
}

static bool word_is(const word_t *w, const char *s)
{
    return w->len == strlen(s) && memcmp(w->text, s, w->len) == 0;
}

static uint32_t find_pd(const sdf_system_t *sys, const word_t *w)
{
    for (size_t i = 0; i < sys->pd_count; i++)
        if (word_is(w, sys->pds[i].name))
            return (uint32_t)i;
    return SDF_NONE;
}

/* Splits one line (without its newline) into words; stops at '#'. */
static size_t split(const char *s, size_t len, word_t *words, size_t max, bool *too_many,
                    uint32_t *bad_column)
{
    size_t n = 0;
    *too_many = false;
    *bad_column = 0;
    for (size_t i = 0; i < len;) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '#')
            break;
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len) {
            ch = (unsigned char)s[i];
            if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '#')
                break;
            if (ch < 0x20 || ch == 0x7f) {
                *bad_column = (uint32_t)i + 1;
                return n;
            }
            i++;
        }
        if (n == max) {
            *too_many = true;
            return n;
        }
        words[n++] = (word_t){.text = s + start, .len = i - start, .column = (uint32_t)start + 1};
    }
    return n;
}

static const char usage_hint[] = "write 'deny flow A -> B', 'deny read A B' or 'deny write A B'";

/* Parses one line; *is_rule says whether it held a rule (not blank or a comment). */
static bool parse_line(policy_ctx_t *c, const sdf_system_t *sys, const char *s, size_t len,
                       uint32_t line, policy_rule_t *rule, bool *is_rule)
{
    *is_rule = false;
    word_t w[POLICY_MAX_WORDS];
    bool too_many;
    uint32_t bad;
    if (len > 0xFFFFFF) {
        policy_error(c, line, 1, "line is too long; %s", usage_hint);
        return false;
    }
    size_t n = split(s, len, w, POLICY_MAX_WORDS, &too_many, &bad);
    if (bad) {
        policy_error(c, line, bad, "control character in a policy line; remove it");
        return false;
    }
    if (n == 0 && !too_many)
        return true; /* blank or comment */
    *is_rule = true;
    rule->line = line;
    if (!word_is(&w[0], "deny")) {
        policy_error(c, line, w[0].column, "a rule starts with 'deny'; %s", usage_hint);
        return false;
    }
    size_t a_word, b_word;
    if (n >= 2 && word_is(&w[1], "flow")) {
        if (n != 5 || too_many || !word_is(&w[3], "->")) {
            policy_error(c, line, w[1].column, "a flow rule reads 'deny flow A -> B'; write it "
                                               "so");
            return false;
        }
        rule->kind = POLICY_DENY_FLOW;
        a_word = 2;
        b_word = 4;
    } else if (n >= 2 && (word_is(&w[1], "read") || word_is(&w[1], "write"))) {
        if (n != 4 || too_many) {
            policy_error(c, line, w[1].column, "a %.*s rule reads 'deny %.*s A B'; write it so",
                         (int)w[1].len, w[1].text, (int)w[1].len, w[1].text);
            return false;
        }
        rule->kind = word_is(&w[1], "read") ? POLICY_DENY_READ : POLICY_DENY_WRITE;
        a_word = 2;
        b_word = 3;
    } else {
        policy_error(c, line, n >= 2 ? w[1].column : w[0].column,
                     "expected 'flow', 'read' or 'write' after 'deny'; %s", usage_hint);
        return false;
    }
    bool ok = true;
    size_t which[2] = {a_word, b_word};
    uint32_t *pd[2] = {&rule->a, &rule->b};
    for (int i = 0; i < 2; i++) {
        const word_t *x = &w[which[i]];
        *pd[i] = find_pd(sys, x);
        if (*pd[i] == SDF_NONE) {
            policy_error(c, line, x->column, "'%.*s' is not a protection domain of the system; "
                                             "fix the name", (int)(x->len > 64 ? 64 : x->len),
                         x->text);
            ok = false;
        }
    }
    if (ok && rule->a == rule->b) {
        policy_error(c, line, w[a_word].column, "a rule about '%s' and itself says nothing; "
                                                "name two different protection domains",
                     sys->pds[rule->a].name);
        ok = false;
    }
    return ok;
}

void check_policy_free(check_policy_t *policy)
{
    free(policy->file);
    free(policy->rules);
    memset(policy, 0, sizeof *policy);
}

int check_policy_parse(const char *file_name, const char *buf, size_t len,
                       const sdf_system_t *sys, check_policy_t *out, FILE *diag)
{
    memset(out, 0, sizeof *out);
    policy_ctx_t c = {.file = file_name, .diag = diag};
    size_t cap = 0;
    uint32_t line = 1;
    for (size_t start = 0; start < len; line++) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        policy_rule_t rule;
        bool is_rule;
        bool ok = parse_line(&c, sys, buf + start, end - start, line, &rule, &is_rule);
        start = end + 1;
        if (!ok || !is_rule || c.errors)
            continue;
        if (out->count == cap) {
            size_t new_cap = cap ? cap * 2 : 16;
            policy_rule_t *grown = realloc(out->rules, new_cap * sizeof *grown);
            if (!grown) {
                policy_error(&c, line, 1, "out of memory");
                break;
            }
            out->rules = grown;
            cap = new_cap;
        }
        out->rules[out->count++] = rule;
    }
    if (!c.errors) {
        size_t n = strlen(file_name) + 1;
        out->file = malloc(n);
        if (out->file)
            memcpy(out->file, file_name, n);
        else
            policy_error(&c, 1, 1, "out of memory");
    }
    if (c.errors) {
        check_policy_free(out);
        return -1;
    }
    return 0;
}

static uint8_t perms_of(const sdf_pd_t *pd, uint32_t mr, uint32_t *line)
{
    uint8_t perms = 0;
    for (size_t i = 0; i < pd->map_count; i++)
        if (pd->maps[i].mr == mr) {
            perms |= pd->maps[i].perms;
            *line = pd->maps[i].loc.line;
        }
    return perms;
}

/* deny read A B: A maps what B writes. deny write A B: A writes what B maps. */
static bool check_memory_rule(const check_policy_t *policy, const policy_rule_t *r,
                              const sdf_system_t *sys, FILE *out, bool *marked)
{
    const sdf_pd_t *a = &sys->pds[r->a], *b = &sys->pds[r->b];
    bool violated = false;
    for (uint32_t mr = 0; mr < sys->mr_count; mr++) {
        uint32_t a_line = 0, b_line = 0;
        uint8_t pa = perms_of(a, mr, &a_line), pb = perms_of(b, mr, &b_line);
        bool hit = r->kind == POLICY_DENY_READ ? (pa && (pb & SDF_PERM_W))
                                               : ((pa & SDF_PERM_W) && pb);
        if (!hit)
            continue;
        if (!violated)
            fprintf(out, "%s:%u: violated: deny %s %s %s:", policy->file, r->line,
                    r->kind == POLICY_DENY_READ ? "read" : "write", a->name, b->name);
        if (marked) /* the flow goes from the writer to the other */
            marked[r->kind == POLICY_DENY_READ ? r->b * sys->pd_count + r->a
                                               : r->a * sys->pd_count + r->b] = true;
        fprintf(out, "%s %s maps region '%s' %s (line %u) and %s maps it %s (line %u)",
                violated ? ";" : "", a->name, sys->mrs[mr].name,
                r->kind == POLICY_DENY_WRITE ? "writable" : "readable", a_line, b->name,
                r->kind == POLICY_DENY_READ ? "writable" : "readable", b_line);
        violated = true;
    }
    if (violated)
        fprintf(out, "\n");
    return violated;
}

int check_policy_eval(const check_policy_t *policy, const sdf_system_t *sys, FILE *out,
                      bool *marked)
{
    flow_graph_t g;
    if (flow_build(sys, &g) != 0)
        return -1;
    int violated = 0;
    for (size_t i = 0; i < policy->count; i++) {
        const policy_rule_t *r = &policy->rules[i];
        if (r->kind != POLICY_DENY_FLOW) {
            violated += check_memory_rule(policy, r, sys, out, marked);
            continue;
        }
        uint32_t path[SDF_MAX_PDS];
        size_t n = flow_path(&g, r->a, r->b, path);
        if (n == 0)
            continue;
        violated++;
        fprintf(out, "%s:%u: violated: deny flow %s -> %s: %s", policy->file, r->line,
                sys->pds[r->a].name, sys->pds[r->b].name, sys->pds[r->a].name);
        for (size_t k = 0; k < n; k++) {
            const flow_edge_t *e = &g.edges[path[k]];
            fprintf(out, " -> %s", sys->pds[e->to].name);
            if (marked)
                marked[e->from * sys->pd_count + e->to] = true;
        }
        fprintf(out, " via ");
        for (size_t k = 0; k < n; k++) {
            char what[256];
            flow_describe(sys, &g.edges[path[k]], what, sizeof what);
            fprintf(out, "%s%s", k ? ", " : "", what);
        }
        fprintf(out, "\n");
    }
    flow_free(&g);
    return violated;
}
