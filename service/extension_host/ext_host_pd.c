/*
 * The extension-host protection domain: a thin wrapper around ext_host.
 *
 * Its grants come from its system description: each grant is a memory
 * region mapped into this PD whose address the builder patches into a
 * grant_*_vaddr variable; a grant the description does not map stays 0 and
 * is not offered. The kv grant's region also holds the key-value store, so
 * a PD that maps it can watch what extensions write.
 *
 * The example extensions are built into the image (extensions.S). Clients
 * call with a protected procedure call: label = extension index, mr0 =
 * argument; the reply's label is an ext_reply_t and mr0 the result.
 *
 * lib/wasm allocates from a fixed arena here: a bump allocator whose last
 * block can grow in place or be given back, which is all the runtime's
 * pattern of allocation needs (memories grow, stores are made once).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <microkit.h>

#include "service/extension_host/ext_host.h"

uintptr_t grant_log_vaddr;
uintptr_t grant_kv_vaddr;

extern const uint8_t ext_counter_start[], ext_counter_end[];
extern const uint8_t ext_crasher_start[], ext_crasher_end[];
extern const uint8_t ext_looper_start[], ext_looper_end[];
extern const uint8_t ext_greedy_start[], ext_greedy_end[];

static const struct {
    const char *name;
    const uint8_t *start, *end;
} builtin[] = {
    {"counter", ext_counter_start, ext_counter_end},
    {"crasher", ext_crasher_start, ext_crasher_end},
    {"looper", ext_looper_start, ext_looper_end},
    {"greedy", ext_greedy_start, ext_greedy_end},
};

static ext_host_t host;

/* ---- The arena allocator ---- */

#define ARENA_SIZE (4u << 20)
#define ARENA_ALIGN 16u
static _Alignas(16) uint8_t arena[ARENA_SIZE];
static size_t arena_top;   /* bytes in use */
static size_t arena_last;  /* offset of the last block's header, or SIZE_MAX */

static size_t block_size(const uint8_t *p) { return *(const size_t *)(p - ARENA_ALIGN); }

static void *arena_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    uint8_t *block = p;
    size_t rounded = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    bool last = block && (size_t)(block - arena) - ARENA_ALIGN == arena_last;
    if (n == 0) {
        if (last) {
            arena_top = arena_last;
            arena_last = SIZE_MAX;
        }
        return NULL;
    }
    if (last && rounded <= ARENA_SIZE - arena_last - ARENA_ALIGN) {
        *(size_t *)(block - ARENA_ALIGN) = n;
        arena_top = arena_last + ARENA_ALIGN + rounded;
        return block;
    }
    if (rounded > ARENA_SIZE - arena_top - ARENA_ALIGN)
        return NULL;
    uint8_t *fresh = arena + arena_top + ARENA_ALIGN;
    *(size_t *)(fresh - ARENA_ALIGN) = n;
    arena_last = arena_top;
    arena_top += ARENA_ALIGN + rounded;
    if (block) {
        size_t old = block_size(block);
        memcpy(fresh, block, old < n ? old : n);
    }
    return fresh;
}

/* ---- The C library functions lib/wasm uses that libmicrokit does not provide ---- */

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i-- > 0;)
            d[i] = s[i];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

/* ---- The PD ---- */

static void console(const char *text) { microkit_dbg_puts(text); }

void init(void)
{
    arena_last = SIZE_MAX;
    wasm_set_allocator(arena_realloc, NULL);
    uint32_t grants = (grant_log_vaddr ? EXT_GRANT_LOG : 0) | (grant_kv_vaddr ? EXT_GRANT_KV : 0);
    ext_host_init(&host, grants, (volatile int32_t *)grant_kv_vaddr, console);
    microkit_dbg_puts(grants & EXT_GRANT_LOG ? "ext-host: grant log\n" : "ext-host: no grant log\n");
    microkit_dbg_puts(grants & EXT_GRANT_KV ? "ext-host: grant kv\n" : "ext-host: no grant kv\n");
    for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++)
        ext_host_load(&host, builtin[i].name, builtin[i].start, (size_t)(builtin[i].end - builtin[i].start));
    microkit_dbg_puts("ext-host: serving\n");
}

void notified(microkit_channel ch) { (void)ch; }

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    int32_t result = 0;
    uint32_t index = (uint32_t)microkit_msginfo_get_label(msginfo);
    int32_t arg = (int32_t)microkit_mr_get(0);
    ext_reply_t status = ext_host_request(&host, index, arg, &result);
    microkit_mr_set(0, (uint32_t)result);
    return microkit_msginfo_new(status, 1);
}
