/*
 * Host test of the extension host's arena (service/extension_host/ext_arena.c)
 * under ASan/UBSan: random allocate/free/reallocate sequences checked against
 * a shadow of every live block's contents, the arena's invariants after every
 * step, full reclamation at the end (one free block spanning the arena), the
 * load/unload pattern of the extension host (no creep over many cycles), and
 * frees of pointers the arena never handed out.
 *
 * Usage: arena_test [STEPS] [SEED]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/extension_host/ext_arena.h"
#include "tests/harness.h"

#define ARENA_BYTES (1024u * 1024u)
#define SLOTS 64

static _Alignas(16) uint8_t memory[ARENA_BYTES];

/* One case, named under this suite's prefix. */
static void expect(const char *name, bool ok)
{
    char full[128];
    snprintf(full, sizeof full, "ext-arena/%s", name);
    test_verdict(full, ok ? NULL : "the outcome above was not the one asserted");
}

static uint64_t rng_state;
static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(rng_state >> 33);
}

typedef struct {
    uint8_t *p;
    size_t n;
    uint8_t fill;
} slot_t;

static bool intact(const slot_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->p[i] != (uint8_t)(s->fill + i))
            return false;
    return true;
}

static void fill(slot_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        s->p[i] = (uint8_t)(s->fill + i);
}

static bool random_run(ext_arena_t *a, unsigned steps)
{
    slot_t slots[SLOTS] = {0};
    for (unsigned step = 0; step < steps; step++) {
        slot_t *s = &slots[rnd() % SLOTS];
        size_t n = rnd() % 4 == 0 ? rnd() % 40000 : rnd() % 600;
        unsigned op = rnd() % 3;
        if (s->p && !intact(s))
            return printf("  contents of a live block changed at step %u\n", step), false;
        if (op == 0 && !s->p) {
            s->p = ext_arena_alloc(a, n);
            s->n = s->p ? n : 0;
        } else if (op == 1 && s->p) {
            ext_arena_free(a, s->p);
            s->p = NULL;
            s->n = 0;
        } else {
            uint8_t *q = ext_arena_realloc(a, s->p, n);
            if (n == 0 && s->p) {
                s->p = NULL;
                s->n = 0;
            } else if (q) {
                s->p = q;
                s->n = s->n < n ? s->n : n;
                if (!intact(s))
                    return printf("  realloc lost contents at step %u\n", step), false;
                s->n = n;
            }
        }
        if (s->p) {
            s->fill = (uint8_t)rnd();
            fill(s);
        }
        if (!ext_arena_check(a))
            return printf("  invariants broken at step %u\n", step), false;
    }
    for (int i = 0; i < SLOTS; i++) {
        if (slots[i].p && !intact(&slots[i]))
            return false;
        ext_arena_free(a, slots[i].p);
    }
    return ext_arena_check(a);
}

/* The extension host's pattern: per module a few small blocks, a code block and a growing memory. */
static bool load_unload_cycles(ext_arena_t *a, unsigned cycles)
{
    size_t first_in_use = 0, first_largest = 0;
    for (unsigned c = 0; c < cycles; c++) {
        void *blocks[6][4] = {{0}};
        for (int m = 0; m < 6; m++) {
            blocks[m][0] = ext_arena_alloc(a, 200 + (size_t)m * 40);
            blocks[m][1] = ext_arena_alloc(a, 3000 + (size_t)m * 100);
            blocks[m][2] = ext_arena_alloc(a, 65536);
            blocks[m][3] = ext_arena_alloc(a, 64);
            blocks[m][2] = ext_arena_realloc(a, blocks[m][2], 65536u + (m % 2) * 65536u / 4);
            if (!blocks[m][0] || !blocks[m][1] || !blocks[m][2] || !blocks[m][3])
                return printf("  out of memory in cycle %u\n", c), false;
        }
        if (c == 0)
            first_in_use = a->in_use;
        else if (a->in_use != first_in_use)
            return printf("  cycle %u uses %zu bytes, the first %zu\n", c, a->in_use, first_in_use), false;
        for (int m = 5; m >= 0; m -= 2)
            for (int k = 0; k < 4; k++)
                ext_arena_free(a, blocks[m][k]);
        for (int m = 0; m < 6; m += 2)
            for (int k = 3; k >= 0; k--)
                ext_arena_free(a, blocks[m][k]);
        if (c == 0)
            first_largest = ext_arena_largest_free(a);
        else if (ext_arena_largest_free(a) != first_largest)
            return false;
        if (!ext_arena_check(a))
            return false;
    }
    return a->in_use == 0 && a->live_blocks == 0;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    unsigned steps = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20000;
    rng_state = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
    ext_arena_t a;

    expect("init_refuses_tiny_arena", !ext_arena_init(&a, memory, 8) && !ext_arena_init(&a, NULL, 4096));
    expect("init_aligns", ext_arena_init(&a, memory + 3, ARENA_BYTES - 3) && ((uintptr_t)a.base & 15) == 0 &&
                              ext_arena_check(&a));

    ext_arena_init(&a, memory, ARENA_BYTES);
    const size_t whole = ext_arena_largest_free(&a);
    void *x = ext_arena_alloc(&a, 100), *y = ext_arena_alloc(&a, 100), *z = ext_arena_alloc(&a, 100);
    ext_arena_free(&a, y);
    void *y2 = ext_arena_alloc(&a, 90);
    expect("first_fit_reuses_a_freed_hole", y2 == y && ext_arena_check(&a));
    ext_arena_free(&a, x);
    ext_arena_free(&a, z);
    ext_arena_free(&a, y2);
    expect("freeing_in_any_order_coalesces_to_one_block",
           a.in_use == 0 && ext_arena_largest_free(&a) == whole && ext_arena_check(&a));

    x = ext_arena_alloc(&a, 1000);
    y = ext_arena_alloc(&a, 1000);
    ext_arena_free(&a, y);
    void *x2 = ext_arena_realloc(&a, x, 5000);
    expect("realloc_grows_in_place_into_free_neighbour", x2 == x && ext_arena_check(&a));
    y = ext_arena_alloc(&a, 16);
    memset(x2, 0x5a, 5000);
    void *x3 = ext_arena_realloc(&a, x2, 9000);
    bool kept = x3 != NULL && x3 != x2;
    for (int i = 0; kept && i < 5000; i++)
        kept = ((uint8_t *)x3)[i] == 0x5a;
    expect("realloc_moves_and_keeps_contents_when_blocked", kept && ext_arena_check(&a));
    void *x4 = ext_arena_realloc(&a, x3, 100);
    expect("realloc_shrinks_in_place_and_returns_the_tail", x4 == x3 && ext_arena_check(&a) &&
                                                               a.in_use < 9000);

    size_t bad = a.bad_frees, used = a.in_use;
    ext_arena_free(&a, (uint8_t *)x4 + 16);
    static _Alignas(16) uint8_t elsewhere[64];
    ext_arena_free(&a, elsewhere + 16);
    ext_arena_free(&a, y);
    ext_arena_free(&a, y);
    expect("bad_and_double_frees_are_ignored_and_counted",
           a.bad_frees == bad + 3 && a.in_use < used && ext_arena_check(&a));
    ext_arena_free(&a, x4);
    expect("too_big_requests_fail_cleanly",
           ext_arena_alloc(&a, ARENA_BYTES) == NULL && ext_arena_alloc(&a, (size_t)-1) == NULL &&
               ext_arena_alloc(&a, whole) != NULL && ext_arena_check(&a));
    ext_arena_init(&a, memory, ARENA_BYTES);

    expect("random_sequences_keep_contents_and_invariants", random_run(&a, steps) && a.in_use == 0 &&
                                                                ext_arena_largest_free(&a) == whole);
    expect("load_unload_cycles_do_not_creep", load_unload_cycles(&a, 50) && ext_arena_largest_free(&a) == whole);
    return test_failures ? 1 : 0;
}
