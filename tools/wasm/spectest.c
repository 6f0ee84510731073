/*
 * `substrate wasm spectest FILE.json...`: runs the WebAssembly core test
 * suite, as converted by wast2json, against lib/wasm.
 *
 * Each file gets a fresh store holding the "spectest" host module and the
 * modules the file defines and registers; every command is run and
 * counted. assert_malformed commands in text form test a text parser we do
 * not have and are counted as skipped, everything else passes or fails.
 * One line per file, then "wasm spec: N passed, M failed" over all
 * commands. The exit status is 1 if anything failed.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wasm/wasm.h"
#include "tools/wasm/json.h"
#include "tools/wasm/wasm_tool.h"

#define MAX_VALUES 64

typedef struct {
    char *name;
    wasm_instance_t *inst;
} named_t;

typedef struct {
    wasm_store_t *store;
    wasm_instance_t *current;
    named_t named[512];  /* "$name" → instance */
    size_t nnamed;
    named_t registered[512]; /* "as" name → instance */
    size_t nregistered;
    wasm_module_t *modules[4096];
    size_t nmodules;
    wasm_instance_t *spectest;
    const char *dir;
    /* per file */
    unsigned passed, failed, skipped;
    char first_failure[256];
    bool verbose;
} runner_t;

static wasm_result_t host_print(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *results)
{
    (void)ctx, (void)caller, (void)args, (void)results;
    return WASM_OK;
}

/* The objects the spectest module exports, made on the host side. */
typedef struct {
    wasm_memory_t *mem;
    wasm_table_t *table;
    wasm_global_t *g[4];
} spectest_host_t;

static bool spectest_host_resolve(void *ctx, const char *module, size_t mlen, const char *name, size_t nlen,
                                  int kind, wasm_extern_t *out)
{
    const spectest_host_t *c = ctx;
    static const char *const globals[4] = {"global_i32", "global_i64", "global_f32", "global_f64"};
    (void)module, (void)mlen;
    out->kind = kind;
    if (kind == WASM_EXTERN_MEMORY) {
        out->u.memory = c->mem;
        return true;
    }
    if (kind == WASM_EXTERN_TABLE) {
        out->u.table = c->table;
        return true;
    }
    for (int i = 0; i < 4; i++) {
        if (nlen == 10 && memcmp(name, globals[i], 10) == 0) {
            out->u.global = c->g[i];
            return true;
        }
    }
    return false;
}

/* The spectest module, built from host objects and one small wasm module that exports them. */
static bool spectest_resolve(void *ctx, const char *module, size_t mlen, const char *name, size_t nlen, int kind,
                             wasm_extern_t *out)
{
    runner_t *r = ctx;
    if (mlen == 8 && memcmp(module, "spectest", 8) == 0) {
        static const struct {
            const char *name, *type;
        } prints[] = {{"print", ":"}, {"print_i32", "i:"}, {"print_i64", "I:"}, {"print_f32", "f:"},
                      {"print_f64", "F:"}, {"print_i32_f32", "if:"}, {"print_f64_f64", "FF:"}};
        if (kind == WASM_EXTERN_FUNC) {
            for (size_t i = 0; i < sizeof prints / sizeof prints[0]; i++) {
                if (strlen(prints[i].name) == nlen && memcmp(prints[i].name, name, nlen) == 0) {
                    out->kind = WASM_EXTERN_FUNC;
                    out->u.func = wasm_host_func_new(r->store, prints[i].type, host_print, NULL);
                    return out->u.func != NULL;
                }
            }
            return false;
        }
        if (!r->spectest)
            return false;
        return wasm_instance_export(r->spectest, name, nlen, out) && out->kind == kind;
    }
    for (size_t i = r->nregistered; i-- > 0;) {
        if (strlen(r->registered[i].name) == mlen && memcmp(r->registered[i].name, module, mlen) == 0)
            return wasm_instance_export(r->registered[i].inst, name, nlen, out) && out->kind == kind;
    }
    return false;
}

static bool make_spectest(runner_t *r)
{
    wasm_memory_t *mem = wasm_memory_new(r->store, 1, 2, true);
    wasm_table_t *table = wasm_table_new(r->store, WASM_FUNCREF, 10, 20, true);
    wasm_global_t *g[4] = {
        wasm_global_new(r->store, WASM_I32, false, 666),
        wasm_global_new(r->store, WASM_I64, false, 666),
        wasm_global_new(r->store, WASM_F32, false, 0x4426a666u),          /* 666.6f */
        wasm_global_new(r->store, WASM_F64, false, 0x4084d4cccccccccdull), /* 666.6 */
    };
    if (!mem || !table || !g[0] || !g[1] || !g[2] || !g[3])
        return false;
    /* A module that imports the objects from the "host" and re-exports them under spectest's names. */
    static const uint8_t mod[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        /* import section */
        0x02, 0x5b, 0x06,
        0x01, 'h', 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x01, 0x01, 0x02,
        0x01, 'h', 0x05, 't', 'a', 'b', 'l', 'e', 0x01, 0x70, 0x01, 0x0a, 0x14,
        0x01, 'h', 0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'i', '3', '2', 0x03, 0x7f, 0x00,
        0x01, 'h', 0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'i', '6', '4', 0x03, 0x7e, 0x00,
        0x01, 'h', 0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'f', '3', '2', 0x03, 0x7d, 0x00,
        0x01, 'h', 0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'f', '6', '4', 0x03, 0x7c, 0x00,
        /* export section */
        0x07, 0x46, 0x06,
        0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
        0x05, 't', 'a', 'b', 'l', 'e', 0x01, 0x00,
        0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'i', '3', '2', 0x03, 0x00,
        0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'i', '6', '4', 0x03, 0x01,
        0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'f', '3', '2', 0x03, 0x02,
        0x0a, 'g', 'l', 'o', 'b', 'a', 'l', '_', 'f', '6', '4', 0x03, 0x03,
    };
    wasm_module_t *m;
    const char *err;
    if (wasm_module_load(mod, sizeof mod, &m, &err) != WASM_OK) {
        fprintf(stderr, "spectest module: %s\n", err);
        return false;
    }
    r->modules[r->nmodules++] = m;
    spectest_host_t host = {mem, table, {g[0], g[1], g[2], g[3]}};
    return wasm_instantiate(r->store, m, spectest_host_resolve, &host, &r->spectest) == WASM_OK;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f)
        return NULL;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

uint8_t *wasm_tool_read_file(const char *path, size_t *len) { return (uint8_t *)read_file(path, len); }

static void fail_cmd(runner_t *r, const json_node_t *cmd, const char *fmt, const char *detail)
{
    r->failed++;
    const char *line = "";
    const json_node_t *l = json_get(cmd, "line");
    if (l && l->kind == JSON_NUMBER)
        line = l->str;
    char msg[200];
    snprintf(msg, sizeof msg, fmt, detail ? detail : "");
    if (r->first_failure[0] == '\0')
        snprintf(r->first_failure, sizeof r->first_failure, "line %s: %s", line, msg);
    if (r->verbose)
        fprintf(stderr, "  line %s: %s\n", line, msg);
}

static wasm_result_t load_module(runner_t *r, const char *filename, wasm_module_t **out, const char **err)
{
    char path[4096];
    size_t len;
    snprintf(path, sizeof path, "%s/%s", r->dir, filename);
    uint8_t *bytes = wasm_tool_read_file(path, &len);
    if (!bytes) {
        *err = "cannot read module file";
        return WASM_ERR_ARGS;
    }
    wasm_result_t res = wasm_module_load(bytes, len, out, err);
    free(bytes);
    if (res == WASM_OK) {
        if (r->nmodules >= sizeof r->modules / sizeof r->modules[0]) {
            wasm_module_free(*out);
            *err = "too many modules";
            return WASM_ERR_LIMIT;
        }
        r->modules[r->nmodules++] = *out;
    }
    return res;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;
    if (!s || !*s)
        return false;
    *v = strtoull(s, &end, 10);
    return *end == '\0';
}

/* A v128's lane width in bits from its JSON "lane_type", or 0. */
static unsigned lane_bits(const json_node_t *v)
{
    const char *lt = json_str(v, "lane_type");
    if (!lt)
        return 0;
    if (strcmp(lt, "i8") == 0)
        return 8;
    if (strcmp(lt, "i16") == 0)
        return 16;
    if (strcmp(lt, "i32") == 0 || strcmp(lt, "f32") == 0)
        return 32;
    if (strcmp(lt, "i64") == 0 || strcmp(lt, "f64") == 0)
        return 64;
    return 0;
}

/* Puts lane i (of `bits` bits) into the 128-bit value lo:hi, little-endian. */
static void set_lane(uint64_t *lo, uint64_t *hi, unsigned bits, unsigned i, uint64_t lane)
{
    unsigned at = bits * i;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t *half = at < 64 ? lo : hi;
    *half |= (lane & mask) << (at % 64);
}

static uint64_t get_lane(uint64_t lo, uint64_t hi, unsigned bits, unsigned i)
{
    unsigned at = bits * i;
    uint64_t mask = bits == 64 ? ~0ull : (1ull << bits) - 1;
    return ((at < 64 ? lo : hi) >> (at % 64)) & mask;
}

/* A v128 from its JSON lanes: exactly 128 / lane-width decimal lanes. */
static bool parse_v128(const json_node_t *v, wasm_value_t *lo, wasm_value_t *hi)
{
    unsigned bits = lane_bits(v), n = 0;
    const json_node_t *lanes = json_get(v, "value");
    *lo = *hi = 0;
    if (!bits || !lanes || lanes->kind != JSON_ARRAY)
        return false;
    for (const json_node_t *l = lanes->child; l; l = l->next, n++) {
        uint64_t x;
        if (n >= 128 / bits || l->kind != JSON_STRING || !parse_u64(l->str, &x))
            return false;
        set_lane(lo, hi, bits, n, x);
    }
    return n == 128 / bits;
}

/* A JSON value to a wasm value; a v128's high half goes to *out_hi. */
static bool parse_value(const json_node_t *v, wasm_value_t *out, wasm_value_t *out_hi)
{
    const char *type = json_str(v, "type"), *val = json_str(v, "value");
    *out_hi = 0;
    if (!type)
        return false;
    if (strcmp(type, "v128") == 0)
        return parse_v128(v, out, out_hi);
    if (strcmp(type, "externref") == 0 || strcmp(type, "funcref") == 0) {
        uint64_t n;
        if (!val || strcmp(val, "null") == 0) {
            *out = WASM_REF_NULL;
            return true;
        }
        if (!parse_u64(val, &n))
            return false;
        *out = n + 1; /* host references are never null */
        return true;
    }
    if (strcmp(type, "i32") != 0 && strcmp(type, "i64") != 0 && strcmp(type, "f32") != 0 &&
        strcmp(type, "f64") != 0)
        return false;
    return parse_u64(val, out);
}

/* NaN patterns: "nan:canonical" or "nan:arithmetic". */
static bool f32_nan_matches(const char *val, uint32_t b)
{
    if ((b & 0x7f800000u) != 0x7f800000u || (b & 0x7fffffu) == 0)
        return false;
    return strcmp(val, "nan:canonical") == 0 ? (b & 0x7fffffu) == 0x400000u : (b & 0x400000u) != 0;
}

static bool f64_nan_matches(const char *val, uint64_t b)
{
    const uint64_t exp = 0x7ff0000000000000ull, frac = 0xfffffffffffffull, quiet = 0x8000000000000ull;
    if ((b & exp) != exp || (b & frac) == 0)
        return false;
    return strcmp(val, "nan:canonical") == 0 ? (b & frac) == quiet : (b & quiet) != 0;
}

/* Every lane equal, or (float lanes) matching its NaN pattern. */
static bool v128_matches(const json_node_t *want, wasm_value_t got, wasm_value_t got_hi)
{
    unsigned bits = lane_bits(want), n = 0;
    const char *lt = json_str(want, "lane_type");
    const json_node_t *lanes = json_get(want, "value");
    if (!bits || !lanes || lanes->kind != JSON_ARRAY)
        return false;
    for (const json_node_t *l = lanes->child; l; l = l->next, n++) {
        if (n >= 128 / bits || l->kind != JSON_STRING)
            return false;
        uint64_t have = get_lane(got, got_hi, bits, n), x;
        if (strncmp(l->str, "nan:", 4) == 0) {
            bool ok = lt[0] == 'f' && (bits == 32 ? f32_nan_matches(l->str, (uint32_t)have)
                                                  : f64_nan_matches(l->str, have));
            if (!ok)
                return false;
            continue;
        }
        if (!parse_u64(l->str, &x) || have != (x & get_lane(~0ull, ~0ull, bits, 0)))
            return false;
    }
    return n == 128 / bits;
}

static bool value_matches(const json_node_t *want, wasm_value_t got, wasm_value_t got_hi)
{
    const char *type = json_str(want, "type"), *val = json_str(want, "value");
    if (!type)
        return false;
    if (strcmp(type, "v128") == 0)
        return v128_matches(want, got, got_hi);
    if (strcmp(type, "f32") == 0 && val && strncmp(val, "nan:", 4) == 0)
        return f32_nan_matches(val, (uint32_t)got);
    if (strcmp(type, "f64") == 0 && val && strncmp(val, "nan:", 4) == 0)
        return f64_nan_matches(val, got);
    if (strcmp(type, "funcref") == 0 && !val)
        return got != WASM_REF_NULL;
    wasm_value_t w, w_hi;
    if (!parse_value(want, &w, &w_hi))
        return false;
    if (strcmp(type, "i32") == 0 || strcmp(type, "f32") == 0)
        return (uint32_t)w == (uint32_t)got;
    return w == got;
}

static wasm_instance_t *find_instance(runner_t *r, const char *name)
{
    if (!name)
        return r->current;
    for (size_t i = r->nnamed; i-- > 0;)
        if (strcmp(r->named[i].name, name) == 0)
            return r->named[i].inst;
    return NULL;
}

/* Runs an action; results in out[0..*n). */
static wasm_result_t run_action(runner_t *r, const json_node_t *action, wasm_value_t *out, wasm_value_t *out_hi,
                                size_t *n, const char **why)
{
    const char *type = json_str(action, "type"), *field = json_str(action, "field");
    const json_node_t *field_node = json_get(action, "field");
    wasm_instance_t *inst = find_instance(r, json_str(action, "module"));
    *n = 0;
    if (!inst || !field || !type) {
        *why = "no such module";
        return WASM_ERR_ARGS;
    }
    wasm_extern_t e;
    if (!wasm_instance_export(inst, field, field_node->len, &e)) {
        *why = "no such export";
        return WASM_ERR_ARGS;
    }
    if (strcmp(type, "get") == 0) {
        if (e.kind != WASM_EXTERN_GLOBAL) {
            *why = "not a global";
            return WASM_ERR_ARGS;
        }
        out[0] = wasm_global_get(e.u.global);
        out_hi[0] = wasm_global_get_hi(e.u.global);
        *n = 1;
        return WASM_OK;
    }
    if (e.kind != WASM_EXTERN_FUNC) {
        *why = "not a function";
        return WASM_ERR_ARGS;
    }
    wasm_value_t args[MAX_VALUES], args_hi[MAX_VALUES];
    size_t nargs = 0;
    const json_node_t *a = json_get(action, "args");
    for (const json_node_t *v = a ? a->child : NULL; v; v = v->next) {
        if (nargs >= MAX_VALUES || !parse_value(v, &args[nargs], &args_hi[nargs])) {
            *why = "unsupported argument";
            return WASM_ERR_ARGS;
        }
        nargs++;
    }
    size_t nres = wasm_func_result_count(e.u.func);
    if (nres > MAX_VALUES) {
        *why = "too many results";
        return WASM_ERR_ARGS;
    }
    wasm_result_t res = wasm_call_v128(r->store, e.u.func, args, args_hi, nargs, out, out_hi, nres);
    *why = wasm_result_str(res);
    if (res == WASM_OK)
        *n = nres;
    return res;
}

static void add_named(runner_t *r, const char *name, wasm_instance_t *inst)
{
    if (!name || r->nnamed >= sizeof r->named / sizeof r->named[0])
        return;
    r->named[r->nnamed].name = strdup(name);
    r->named[r->nnamed].inst = inst;
    r->nnamed++;
}

static void run_command(runner_t *r, const json_node_t *cmd)
{
    const char *type = json_str(cmd, "type");
    const char *err = NULL;
    wasm_module_t *m;
    wasm_instance_t *inst;
    wasm_value_t results[MAX_VALUES], results_hi[MAX_VALUES];
    size_t n;
    if (!type) {
        fail_cmd(r, cmd, "command without a type%s", NULL);
        return;
    }
    if (strcmp(type, "module") == 0) {
        const char *file = json_str(cmd, "filename");
        r->current = NULL;
        if (!file || load_module(r, file, &m, &err) != WASM_OK) {
            fail_cmd(r, cmd, "module failed to load: %s", err);
            return;
        }
        wasm_result_t res = wasm_instantiate(r->store, m, spectest_resolve, r, &inst);
        if (res != WASM_OK) {
            fail_cmd(r, cmd, "module failed to instantiate: %s", wasm_result_str(res));
            return;
        }
        r->current = inst;
        add_named(r, json_str(cmd, "name"), inst);
        r->passed++;
    } else if (strcmp(type, "register") == 0) {
        const char *as = json_str(cmd, "as");
        inst = find_instance(r, json_str(cmd, "name"));
        if (!as || !inst || r->nregistered >= sizeof r->registered / sizeof r->registered[0]) {
            fail_cmd(r, cmd, "cannot register%s", NULL);
            return;
        }
        r->registered[r->nregistered].name = strdup(as);
        r->registered[r->nregistered].inst = inst;
        r->nregistered++;
        r->passed++;
    } else if (strcmp(type, "assert_return") == 0 || strcmp(type, "action") == 0) {
        const char *why;
        wasm_result_t res = run_action(r, json_get(cmd, "action"), results, results_hi, &n, &why);
        if (res != WASM_OK) {
            fail_cmd(r, cmd, "action failed: %s", why);
            return;
        }
        const json_node_t *exp = json_get(cmd, "expected");
        size_t i = 0;
        for (const json_node_t *v = exp ? exp->child : NULL; v; v = v->next, i++) {
            if (i >= n || !value_matches(v, results[i], results_hi[i])) {
                char buf[64];
                snprintf(buf, sizeof buf, "result %zu = 0x%" PRIx64, i, i < n ? results[i] : 0);
                fail_cmd(r, cmd, "wrong %s", buf);
                return;
            }
        }
        if (strcmp(type, "assert_return") == 0 && i != n) {
            fail_cmd(r, cmd, "wrong number of results%s", NULL);
            return;
        }
        r->passed++;
    } else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0) {
        const char *why;
        wasm_result_t res;
        if (json_get(cmd, "action")) {
            res = run_action(r, json_get(cmd, "action"), results, results_hi, &n, &why);
        } else {
            const char *file = json_str(cmd, "filename");
            res = file ? load_module(r, file, &m, &why) : WASM_ERR_ARGS;
            if (res == WASM_OK)
                res = wasm_instantiate(r->store, m, spectest_resolve, r, &inst);
        }
        bool exhaustion = strcmp(type, "assert_exhaustion") == 0;
        if (!wasm_is_trap(res) || res == WASM_EXIT || (exhaustion && res != WASM_TRAP_CALL_DEPTH)) {
            fail_cmd(r, cmd, "expected a trap, got: %s", wasm_result_str(res));
            return;
        }
        const char *text = json_str(cmd, "text");
        if (text && !exhaustion && strncmp(text, wasm_result_str(res), strlen(wasm_result_str(res))) != 0 &&
            !strstr(text, wasm_result_str(res))) {
            fail_cmd(r, cmd, "trapped for another reason: %s", wasm_result_str(res));
            return;
        }
        r->passed++;
    } else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0) {
        const char *mt = json_str(cmd, "module_type");
        if (mt && strcmp(mt, "binary") != 0) {
            r->skipped++;
            return;
        }
        const char *file = json_str(cmd, "filename");
        wasm_result_t res = file ? load_module(r, file, &m, &err) : WASM_ERR_ARGS;
        if (res == WASM_OK) {
            fail_cmd(r, cmd, "module was accepted: expected \"%s\"", json_str(cmd, "text"));
            return;
        }
        if (res != WASM_ERR_MALFORMED && res != WASM_ERR_INVALID) {
            fail_cmd(r, cmd, "module rejected for another reason: %s", err);
            return;
        }
        r->passed++;
    } else if (strcmp(type, "assert_unlinkable") == 0 || strcmp(type, "assert_uninstantiable") == 0) {
        const char *file = json_str(cmd, "filename");
        wasm_result_t res = file ? load_module(r, file, &m, &err) : WASM_ERR_ARGS;
        if (res != WASM_OK) {
            fail_cmd(r, cmd, "module failed to load: %s", err);
            return;
        }
        res = wasm_instantiate(r->store, m, spectest_resolve, r, &inst);
        bool unlinkable = strcmp(type, "assert_unlinkable") == 0;
        if (unlinkable ? res != WASM_ERR_UNLINKABLE : !wasm_is_trap(res)) {
            fail_cmd(r, cmd, "instantiation gave: %s", wasm_result_str(res));
            return;
        }
        r->passed++;
    } else {
        fail_cmd(r, cmd, "unknown command %s", type);
    }
}

static void runner_reset(runner_t *r)
{
    for (size_t i = 0; i < r->nnamed; i++)
        free(r->named[i].name);
    for (size_t i = 0; i < r->nregistered; i++)
        free(r->registered[i].name);
    for (size_t i = 0; i < r->nmodules; i++)
        wasm_module_free(r->modules[i]);
    wasm_store_free(r->store);
    r->store = NULL;
    r->nnamed = r->nregistered = r->nmodules = 0;
    r->current = r->spectest = NULL;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int wasm_spectest_main(int argc, char **argv)
{
    static runner_t r;
    unsigned total_pass = 0, total_fail = 0, total_skip = 0, files_clean = 0, files = 0;
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "-v") == 0) {
        r.verbose = true;
        first = 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: substrate wasm spectest [-v] FILE.json...\n");
        return 2;
    }
    for (int i = first; i < argc; i++) {
        size_t len;
        char *text = read_file(argv[i], &len);
        const char *err = NULL;
        json_node_t *root = text ? json_parse(text, len, &err) : NULL;
        char name[256];
        snprintf(name, sizeof name, "%s", base_name(argv[i]));
        char *dot = strrchr(name, '.');
        if (dot)
            *dot = '\0';
        files++;
        if (!root) {
            printf("FAIL: wasm-spec/%s cannot read: %s\n", name, text ? err : "no such file");
            total_fail++;
            free(text);
            continue;
        }
        free(text);
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", argv[i]);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        r.dir = dir;
        r.passed = r.failed = r.skipped = 0;
        r.first_failure[0] = '\0';
        wasm_limits_t limits;
        wasm_limits_default(&limits);
        limits.stack_slots = 1u << 20;
        r.store = wasm_store_new(&limits);
        if (!r.store || !make_spectest(&r)) {
            printf("FAIL: wasm-spec/%s cannot set up the spectest module\n", name);
            total_fail++;
            runner_reset(&r);
            json_free(root);
            continue;
        }
        const json_node_t *cmds = json_get(root, "commands");
        for (const json_node_t *c = cmds ? cmds->child : NULL; c; c = c->next)
            run_command(&r, c);
        if (r.failed == 0) {
            files_clean++;
            printf("PASS: wasm-spec/%s (%u passed, %u text-format skipped)\n", name, r.passed, r.skipped);
        } else {
            printf("FAIL: wasm-spec/%s (%u passed, %u failed; first: %s)\n", name, r.passed, r.failed,
                   r.first_failure);
        }
        fflush(stdout);
        total_pass += r.passed;
        total_fail += r.failed;
        total_skip += r.skipped;
        runner_reset(&r);
        json_free(root);
    }
    printf("wasm spec: %u passed, %u failed (commands; %u text-format skipped; %u of %u files clean)\n",
           total_pass, total_fail, total_skip, files_clean, files);
    return total_fail ? 1 : 0;
}
