/*
 * Unit tests of lib/wasm's embedding API and sandbox: results, traps as
 * values, bounds checks, call-depth and fuel limits, per-instance memory and
 * table limits, and imports as capabilities. Each test drives real modules
 * (assembled from the .wat files in tests/wasm/unit at build time) through the public API
 * and checks the outcome, including that a failed operation changed nothing.
 *
 * Usage: wasm_unit_test DIR   (DIR holds the assembled .wasm files)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/wasm/wasm.h"

static const char *dir;
static int failures;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("FAIL: %s %s:%d: %s\n", test_name, __FILE__, __LINE__, #cond);                  \
            failures++;                                                                            \
            return;                                                                                \
        }                                                                                          \
    } while (0)

static uint8_t *read_wasm(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static wasm_module_t *load(const char *name)
{
    size_t len;
    uint8_t *bytes = read_wasm(name, &len);
    wasm_module_t *m = NULL;
    const char *err;
    if (bytes && wasm_module_load(bytes, len, &m, &err) != WASM_OK)
        m = NULL;
    free(bytes);
    return m;
}

/* ---- Host functions and the resolver ---- */

static int host_add_calls;

static wasm_result_t host_add(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)caller;
    host_add_calls++;
    res[0] = (uint32_t)args[0] + (uint32_t)args[1] + 1000;
    return WASM_OK;
}

static wasm_result_t host_fail(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)caller, (void)args, (void)res;
    return WASM_TRAP_HOST;
}

typedef struct {
    wasm_store_t *store;
    bool grant_add, grant_fail;
    const char *add_type;
} grants_t;

static bool resolve(void *ctx, const char *module, size_t mlen, const char *name, size_t nlen, int kind,
                    wasm_extern_t *out)
{
    grants_t *g = ctx;
    if (kind != WASM_EXTERN_FUNC || mlen != 3 || memcmp(module, "env", 3) != 0)
        return false;
    out->kind = WASM_EXTERN_FUNC;
    if (g->grant_add && nlen == 8 && memcmp(name, "host_add", 8) == 0)
        out->u.func = wasm_host_func_new(g->store, g->add_type ? g->add_type : "ii:i", host_add, NULL);
    else if (g->grant_fail && nlen == 9 && memcmp(name, "host_fail", 9) == 0)
        out->u.func = wasm_host_func_new(g->store, ":", host_fail, NULL);
    else
        return false;
    return out->u.func != NULL;
}

typedef struct {
    wasm_module_t *m;
    wasm_store_t *s;
    wasm_instance_t *inst;
} fixture_t;

static bool setup(fixture_t *f, const wasm_limits_t *limits)
{
    f->m = load("basic");
    f->s = wasm_store_new(limits);
    f->inst = NULL;
    if (!f->m || !f->s)
        return false;
    grants_t g = {f->s, true, true, NULL};
    return wasm_instantiate(f->s, f->m, resolve, &g, &f->inst) == WASM_OK;
}

static void teardown(fixture_t *f)
{
    wasm_store_free(f->s);
    wasm_module_free(f->m);
}

static wasm_result_t call1(fixture_t *f, const char *name, const wasm_value_t *args, size_t nargs,
                           wasm_value_t *result)
{
    wasm_func_t *fn = wasm_instance_func(f->inst, name);
    if (!fn)
        return WASM_ERR_ARGS;
    return wasm_call(f->s, fn, args, nargs, result, result ? 1 : 0);
}

/* ---- Tests ---- */

static void test_add_returns_sum(void)
{
    const char *test_name = "wasm-unit/add_returns_sum";
    fixture_t f;
    wasm_value_t r = 0, args[2] = {40, 2};
    bool ok = setup(&f, NULL) && call1(&f, "add", args, 2, &r) == WASM_OK;
    teardown(&f);
    CHECK(ok);
    CHECK(r == 42);
    printf("PASS: %s\n", test_name);
}

static void test_wrong_arity_rejected(void)
{
    const char *test_name = "wasm-unit/wrong_argument_count_is_an_error";
    fixture_t f;
    wasm_value_t r = 0, args[3] = {1, 2, 3};
    bool ok = setup(&f, NULL);
    wasm_result_t res = ok ? call1(&f, "add", args, 3, &r) : WASM_OK;
    teardown(&f);
    CHECK(ok);
    CHECK(res == WASM_ERR_ARGS);
    printf("PASS: %s\n", test_name);
}

static void test_host_import_called(void)
{
    const char *test_name = "wasm-unit/granted_host_function_is_called";
    fixture_t f;
    wasm_value_t r = 0, arg = 5;
    host_add_calls = 0;
    bool ok = setup(&f, NULL) && call1(&f, "call_host", &arg, 1, &r) == WASM_OK;
    teardown(&f);
    CHECK(ok);
    CHECK(host_add_calls == 1);
    CHECK(r == 1006);
    printf("PASS: %s\n", test_name);
}

static void test_ungranted_import_unlinkable(void)
{
    const char *test_name = "wasm-unit/ungranted_import_is_unlinkable";
    wasm_module_t *m = load("basic");
    wasm_store_t *s = wasm_store_new(NULL);
    wasm_instance_t *inst = (wasm_instance_t *)&inst;
    grants_t g = {s, true, false, NULL};
    wasm_result_t r = m && s ? wasm_instantiate(s, m, resolve, &g, &inst) : WASM_ERR_ARGS;
    wasm_store_free(s);
    wasm_module_free(m);
    CHECK(r == WASM_ERR_UNLINKABLE);
    CHECK(inst == NULL);
    printf("PASS: %s\n", test_name);
}

static void test_wrong_import_type_unlinkable(void)
{
    const char *test_name = "wasm-unit/import_of_wrong_type_is_unlinkable";
    wasm_module_t *m = load("basic");
    wasm_store_t *s = wasm_store_new(NULL);
    wasm_instance_t *inst = NULL;
    grants_t g = {s, true, true, "iI:i"};
    wasm_result_t r = m && s ? wasm_instantiate(s, m, resolve, &g, &inst) : WASM_ERR_ARGS;
    wasm_store_free(s);
    wasm_module_free(m);
    CHECK(r == WASM_ERR_UNLINKABLE);
    printf("PASS: %s\n", test_name);
}

static void test_store_out_of_bounds(void)
{
    const char *test_name = "wasm-unit/out_of_bounds_store_traps_and_writes_nothing";
    fixture_t f;
    bool ok = setup(&f, NULL);
    wasm_memory_t *mem = ok ? wasm_instance_memory(f.inst) : NULL;
    uint8_t before[4] = {1, 2, 3, 4}, after[4] = {0};
    ok = ok && mem && wasm_memory_write(mem, 65532, before, 4);
    wasm_value_t args[2] = {65533, 0xdeadbeef};
    wasm_result_t r = ok ? call1(&f, "store", args, 2, NULL) : WASM_OK;
    ok = ok && wasm_memory_read(mem, 65532, after, 4);
    wasm_value_t edge[2] = {65532, 7}, got = 0, at = 65532;
    wasm_result_t r_edge = ok ? call1(&f, "store", edge, 2, NULL) : WASM_ERR_ARGS;
    wasm_result_t r_load = ok ? call1(&f, "load", &at, 1, &got) : WASM_ERR_ARGS;
    wasm_value_t huge = 0xfffffffc;
    wasm_result_t r_huge = ok ? call1(&f, "load", &huge, 1, &got) : WASM_OK;
    teardown(&f);
    CHECK(ok);
    CHECK(r == WASM_TRAP_MEMORY_OOB);
    CHECK(memcmp(before, after, 4) == 0);
    CHECK(r_edge == WASM_OK && r_load == WASM_OK);
    CHECK(r_huge == WASM_TRAP_MEMORY_OOB);
    printf("PASS: %s\n", test_name);
}

static void test_memory_accessors_checked(void)
{
    const char *test_name = "wasm-unit/host_memory_accessors_are_bounds_checked";
    fixture_t f;
    bool ok = setup(&f, NULL);
    wasm_memory_t *mem = ok ? wasm_instance_memory(f.inst) : NULL;
    uint8_t buf[8] = {0};
    bool inside = mem && wasm_memory_read(mem, 65528, buf, 8);
    bool past = mem && wasm_memory_read(mem, 65529, buf, 8);
    bool wrap = mem && wasm_memory_write(mem, UINT64_MAX - 2, buf, 8);
    void *view = mem ? wasm_memory_view(mem, 65536, 1) : (void *)buf;
    teardown(&f);
    CHECK(ok && inside);
    CHECK(!past && !wrap && view == NULL);
    printf("PASS: %s\n", test_name);
}

static void test_memory_limit(void)
{
    const char *test_name = "wasm-unit/memory_growth_stops_at_the_store_limit";
    wasm_limits_t l;
    wasm_limits_default(&l);
    l.max_memory_pages = 2;
    fixture_t f;
    bool ok = setup(&f, &l);
    wasm_value_t one = 1, r1 = 0, r2 = 0;
    ok = ok && call1(&f, "grow", &one, 1, &r1) == WASM_OK && call1(&f, "grow", &one, 1, &r2) == WASM_OK;
    uint64_t size = ok ? wasm_memory_size(wasm_instance_memory(f.inst)) : 0;
    teardown(&f);
    CHECK(ok);
    CHECK(r1 == 1);
    CHECK((int32_t)r2 == -1);
    CHECK(size == 2 * 65536);
    printf("PASS: %s\n", test_name);
}

static void test_instance_limits_at_start(void)
{
    const char *test_name = "wasm-unit/memory_and_table_over_limit_are_refused";
    wasm_limits_t l;
    wasm_limits_default(&l);
    l.max_memory_pages = 5;
    l.max_table_elems = 1000;
    wasm_module_t *mem = load("bigmem"), *tab = load("bigtable");
    wasm_store_t *s = wasm_store_new(&l);
    wasm_instance_t *inst;
    wasm_result_t rm = mem && s ? wasm_instantiate(s, mem, NULL, NULL, &inst) : WASM_OK;
    wasm_result_t rt = tab && s ? wasm_instantiate(s, tab, NULL, NULL, &inst) : WASM_OK;
    wasm_store_free(s);
    wasm_module_free(mem);
    wasm_module_free(tab);
    CHECK(rm == WASM_ERR_LIMIT);
    CHECK(rt == WASM_ERR_LIMIT);
    printf("PASS: %s\n", test_name);
}

static void test_call_depth(void)
{
    const char *test_name = "wasm-unit/runaway_recursion_stops_at_the_depth_limit";
    wasm_limits_t l;
    wasm_limits_default(&l);
    l.max_call_depth = 100;
    fixture_t f;
    bool ok = setup(&f, &l);
    wasm_value_t zero = 0, r = 0, args[2] = {2, 3};
    wasm_result_t deep = ok ? call1(&f, "recurse", &zero, 1, &r) : WASM_OK;
    wasm_result_t after = ok ? call1(&f, "add", args, 2, &r) : WASM_ERR_ARGS;
    teardown(&f);
    CHECK(ok);
    CHECK(deep == WASM_TRAP_CALL_DEPTH);
    CHECK(after == WASM_OK && r == 5);
    printf("PASS: %s\n", test_name);
}

static void test_fuel(void)
{
    const char *test_name = "wasm-unit/fuel_stops_an_endless_loop";
    fixture_t f;
    bool ok = setup(&f, NULL);
    wasm_value_t count = 0, r = 0, n = 100;
    wasm_result_t spin = WASM_OK, sum = WASM_ERR_ARGS, sum_dry = WASM_OK;
    uint64_t left = 1;
    if (ok) {
        wasm_store_set_fuel(f.s, true, 10000);
        spin = call1(&f, "spin", NULL, 0, NULL);
        left = wasm_store_fuel(f.s);
        wasm_store_set_fuel(f.s, false, 0);
        ok = call1(&f, "counter", NULL, 0, &count) == WASM_OK;
        wasm_store_set_fuel(f.s, true, 50);
        sum_dry = call1(&f, "sum", &n, 1, &r);
        wasm_store_set_fuel(f.s, true, 1000);
        sum = call1(&f, "sum", &n, 1, &r);
    }
    teardown(&f);
    CHECK(spin == WASM_TRAP_FUEL);
    CHECK(left == 0);
    CHECK(ok);
    CHECK(count >= 9990 && count <= 10000);
    CHECK(sum_dry == WASM_TRAP_FUEL);
    CHECK(sum == WASM_OK && r == 4950);
    printf("PASS: %s\n", test_name);
}

static void test_traps_are_values(void)
{
    const char *test_name = "wasm-unit/traps_are_returned_as_values";
    fixture_t f;
    bool ok = setup(&f, NULL);
    wasm_value_t r = 0, zero_div[2] = {1, 0}, ovf[2] = {0x80000000u, 0xffffffffu};
    wasm_value_t nan = 0x7fc00000u, slot0 = 0, slot1 = 1, slot9 = 9;
    wasm_result_t rz = call1(&f, "div", zero_div, 2, &r);
    wasm_result_t ro = call1(&f, "div", ovf, 2, &r);
    wasm_result_t rn = call1(&f, "trunc", &nan, 1, &r);
    wasm_result_t ru = call1(&f, "unreachable", NULL, 0, NULL);
    wasm_result_t rs0 = call1(&f, "call_slot", &slot0, 1, &r);
    wasm_value_t via_table = r;
    wasm_result_t rs1 = call1(&f, "call_slot", &slot1, 1, &r);
    wasm_result_t rs9 = call1(&f, "call_slot", &slot9, 1, &r);
    wasm_result_t rh = call1(&f, "call_fail", NULL, 0, NULL);
    teardown(&f);
    CHECK(ok);
    CHECK(rz == WASM_TRAP_DIV_ZERO && ro == WASM_TRAP_INT_OVERFLOW && rn == WASM_TRAP_INVALID_CONVERSION);
    CHECK(ru == WASM_TRAP_UNREACHABLE);
    CHECK(rs0 == WASM_OK && via_table == 42);
    CHECK(rs1 == WASM_TRAP_UNINITIALIZED_ELEMENT && rs9 == WASM_TRAP_UNDEFINED_ELEMENT);
    CHECK(rh == WASM_TRAP_HOST);
    printf("PASS: %s\n", test_name);
}

static void test_truncated_modules_rejected(void)
{
    const char *test_name = "wasm-unit/every_truncation_of_a_module_is_rejected";
    size_t len;
    uint8_t *bytes = read_wasm("basic", &len);
    CHECK(bytes != NULL);
    size_t accepted = 0;
    for (size_t n = 0; n < len; n++) {
        wasm_module_t *m = NULL;
        const char *err;
        wasm_result_t r = wasm_module_load(bytes, n, &m, &err);
        /* A cut at a section boundary is a well-formed smaller module; it may still fail validation. */
        if (r == WASM_OK) {
            accepted++;
            wasm_module_free(m);
        } else if (r != WASM_ERR_MALFORMED && r != WASM_ERR_INVALID) {
            accepted += 1000;
        }
    }
    free(bytes);
    CHECK(accepted <= 8);
    printf("PASS: %s\n", test_name);
}

static void test_invalid_rejected(void)
{
    const char *test_name = "wasm-unit/ill_typed_function_is_invalid";
    /* (func (result i32) (i64.const 0)) */
    static const uint8_t bad[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
                                  0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00,
                                  0x42, 0x00, 0x0b};
    static const uint8_t good[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
                                   0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x06, 0x01, 0x04, 0x00,
                                   0x41, 0x00, 0x0b};
    wasm_module_t *m = NULL;
    const char *err = NULL;
    wasm_result_t rb = wasm_module_load(bad, sizeof bad, &m, &err);
    wasm_result_t rg = wasm_module_load(good, sizeof good, &m, &err);
    wasm_module_free(m);
    CHECK(rb == WASM_ERR_INVALID);
    CHECK(rg == WASM_OK);
    printf("PASS: %s\n", test_name);
}

/* ---- SIMD (v128) through the embedding API ---- */

typedef struct {
    wasm_module_t *m;
    wasm_store_t *s;
    wasm_instance_t *inst;
} simd_fixture_t;

static bool simd_setup(simd_fixture_t *f)
{
    f->m = load("simd");
    f->s = wasm_store_new(NULL);
    f->inst = NULL;
    return f->m && f->s && wasm_instantiate(f->s, f->m, NULL, NULL, &f->inst) == WASM_OK;
}

static void simd_teardown(simd_fixture_t *f)
{
    wasm_store_free(f->s);
    wasm_module_free(f->m);
}

/* Calls export `name`; n values in, nres out, v128 high halves alongside. */
static wasm_result_t simd_call(simd_fixture_t *f, const char *name, const wasm_value_t *lo, const wasm_value_t *hi,
                               size_t n, wasm_value_t *rlo, wasm_value_t *rhi, size_t nres)
{
    wasm_func_t *fn = wasm_instance_func(f->inst, name);
    if (!fn)
        return WASM_ERR_ARGS;
    return wasm_call_v128(f->s, fn, lo, hi, n, rlo, rhi, nres);
}

static void test_simd_lanes_do_not_carry(void)
{
    const char *test_name = "wasm-unit/simd_i32x4_add_lanes_wrap_without_carry";
    simd_fixture_t f;
    /* Lanes (low to high): 0xffffffff, 1, 0x80000000, 7 plus 1, 2, 0x80000000, 0xfffffff9. */
    wasm_value_t lo[2] = {0x00000001ffffffffull, 0x0000000200000001ull};
    wasm_value_t hi[2] = {0x0000000780000000ull, 0xfffffff980000000ull};
    wasm_value_t rlo = 0, rhi = 0;
    bool ok = simd_setup(&f) && simd_call(&f, "add", lo, hi, 2, &rlo, &rhi, 1) == WASM_OK;
    simd_teardown(&f);
    CHECK(ok);
    CHECK(rlo == 0x0000000300000000ull);
    CHECK(rhi == 0x0000000000000000ull);
    printf("PASS: %s\n", test_name);
}

static void test_simd_locals_start_zero(void)
{
    const char *test_name = "wasm-unit/simd_v128_local_starts_zero_after_dirty_call";
    simd_fixture_t f;
    wasm_value_t lo = 0x1111111111111111ull, hi = 0x2222222222222222ull, rlo = 1, rhi = 1;
    bool ok = simd_setup(&f) && simd_call(&f, "dirty", &lo, &hi, 1, &rlo, &rhi, 1) == WASM_OK;
    bool dirty_ok = rlo == lo && rhi == hi;
    ok = ok && simd_call(&f, "fresh", NULL, NULL, 0, &rlo, &rhi, 1) == WASM_OK;
    simd_teardown(&f);
    CHECK(ok);
    CHECK(dirty_ok);
    CHECK(rlo == 0 && rhi == 0);
    printf("PASS: %s\n", test_name);
}

static void test_simd_survives_calls_and_globals(void)
{
    const char *test_name = "wasm-unit/simd_v128_survives_calls_and_global_round_trip";
    simd_fixture_t f;
    wasm_value_t lo[2] = {0xaaaaaaaabbbbbbbbull, 41}, hi[2] = {0xccccccccddddddddull, 0};
    wasm_value_t rlo[2] = {0, 0}, rhi[2] = {0, 0};
    bool ok = simd_setup(&f) && simd_call(&f, "keep", lo, hi, 2, rlo, rhi, 2) == WASM_OK;
    bool keep_ok = rlo[0] == lo[0] && rhi[0] == hi[0] && rlo[1] == 42;
    /* The global starts as i32x4 1 2 3 4; swapping twice gives back what was stored. */
    ok = ok && simd_call(&f, "gswap", lo, hi, 1, rlo, rhi, 1) == WASM_OK;
    bool first_ok = rlo[0] == 0x0000000200000001ull && rhi[0] == 0x0000000400000003ull;
    ok = ok && simd_call(&f, "gswap", rlo, rhi, 1, rlo, rhi, 1) == WASM_OK;
    simd_teardown(&f);
    CHECK(ok);
    CHECK(keep_ok);
    CHECK(first_ok);
    CHECK(rlo[0] == lo[0] && rhi[0] == hi[0]);
    printf("PASS: %s\n", test_name);
}

static void test_simd_store_bounds(void)
{
    const char *test_name = "wasm-unit/simd_v128_store_past_end_traps_and_writes_nothing";
    simd_fixture_t f;
    wasm_value_t lo[2] = {65536 - 16, 0x0706050403020100ull}, hi[2] = {0, 0x0f0e0d0c0b0a0908ull};
    uint8_t got[16], before[16], after[16];
    bool ok = simd_setup(&f) && simd_call(&f, "store", lo, hi, 2, NULL, NULL, 0) == WASM_OK;
    wasm_memory_t *mem = ok ? wasm_instance_memory(f.inst) : NULL;
    ok = ok && mem && wasm_memory_read(mem, 65536 - 16, got, 16) && wasm_memory_read(mem, 65536 - 16, before, 16);
    lo[0] = 65536 - 15;
    wasm_result_t r = ok ? simd_call(&f, "store", lo, hi, 2, NULL, NULL, 0) : WASM_OK;
    ok = ok && wasm_memory_read(mem, 65536 - 16, after, 16);
    simd_teardown(&f);
    CHECK(ok);
    for (int i = 0; i < 16; i++)
        CHECK(got[i] == i);
    CHECK(r == WASM_TRAP_MEMORY_OOB);
    CHECK(memcmp(before, after, 16) == 0);
    printf("PASS: %s\n", test_name);
}

static void test_simd_select_and_dot(void)
{
    const char *test_name = "wasm-unit/simd_select_moves_both_halves_and_dot_wraps";
    simd_fixture_t f;
    wasm_value_t lo[3] = {1, 2, 0}, hi[3] = {3, 4, 0}, rlo = 0, rhi = 0;
    bool ok = simd_setup(&f) && simd_call(&f, "sel", lo, hi, 3, &rlo, &rhi, 1) == WASM_OK;
    bool sel_ok = rlo == 2 && rhi == 4;
    /* i16 lanes all -32768: each i32 lane is 2 * 2^30 = 2^31, which wraps to 0x80000000. */
    wasm_value_t d[2] = {0x8000800080008000ull, 0x8000800080008000ull};
    ok = ok && simd_call(&f, "dot", d, d, 2, &rlo, &rhi, 1) == WASM_OK;
    simd_teardown(&f);
    CHECK(ok);
    CHECK(sel_ok);
    CHECK(rlo == 0x8000000080000000ull && rhi == 0x8000000080000000ull);
    printf("PASS: %s\n", test_name);
}

static void test_simd_lane_index_checked(void)
{
    const char *test_name = "wasm-unit/simd_lane_index_out_of_range_is_invalid";
    /* (func (param v128) (result i32) (i32x4.extract_lane N (local.get 0))), N = 4 then 3. */
    uint8_t mod[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7b, 0x01,
                     0x7f, 0x03, 0x02, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x20, 0x00, 0xfd, 0x1b, 0x04, 0x0b};
    wasm_module_t *m = NULL;
    const char *err = NULL;
    wasm_result_t bad = wasm_module_load(mod, sizeof mod, &m, &err);
    mod[sizeof mod - 2] = 3;
    wasm_result_t good = wasm_module_load(mod, sizeof mod, &m, &err);
    wasm_module_free(m);
    CHECK(bad == WASM_ERR_INVALID);
    CHECK(good == WASM_OK);
    printf("PASS: %s\n", test_name);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    test_add_returns_sum();
    test_wrong_arity_rejected();
    test_host_import_called();
    test_ungranted_import_unlinkable();
    test_wrong_import_type_unlinkable();
    test_store_out_of_bounds();
    test_memory_accessors_checked();
    test_memory_limit();
    test_instance_limits_at_start();
    test_call_depth();
    test_fuel();
    test_traps_are_values();
    test_truncated_modules_rejected();
    test_invalid_rejected();
    test_simd_lanes_do_not_carry();
    test_simd_locals_start_zero();
    test_simd_survives_calls_and_globals();
    test_simd_store_bounds();
    test_simd_select_and_dot();
    test_simd_lane_index_checked();
    return failures ? 1 : 0;
}
