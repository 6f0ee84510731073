/*
 * `substrate wasm run`: a WASI preview 1 host for command modules.
 *
 * Grants the subset a C program built against wasi-libc needs to print,
 * read its arguments and environment, tell the time, get random bytes and
 * exit: fd_write to stdout/stderr, args_*, environ_*, clock_*, random_get,
 * proc_exit, plus the descriptor queries wasi-libc makes at start-up (which
 * answer "not a preopened directory" and so on). Nothing else resolves,
 * so a module asking for files or sockets fails to link with a message.
 *
 * Every guest pointer is an offset checked against the guest's memory by
 * lib/wasm's accessors; the host never hands the guest an address.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/wasm/wasm.h"
#include "tools/wasm/wasm_tool.h"

extern char **environ;

enum {
    WASI_ESUCCESS = 0,
    WASI_EBADF = 8,
    WASI_EFAULT = 21,
    WASI_EINVAL = 28,
    WASI_EIO = 29,
    WASI_ENOSYS = 52,
    WASI_ESPIPE = 70,
};

typedef struct {
    int argc;
    char **argv;
} wasi_ctx_t;

static wasm_memory_t *mem_of(wasm_instance_t *caller) { return caller ? wasm_instance_memory(caller) : NULL; }

static bool put_u32(wasm_instance_t *caller, uint64_t addr, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    return wasm_memory_write(mem_of(caller), addr, b, 4);
}

static bool put_u64(wasm_instance_t *caller, uint64_t addr, uint64_t v)
{
    return put_u32(caller, addr, (uint32_t)v) && put_u32(caller, addr + 4, (uint32_t)(v >> 32));
}

static bool get_u32(wasm_instance_t *caller, uint64_t addr, uint32_t *v)
{
    uint8_t b[4];
    if (!wasm_memory_read(mem_of(caller), addr, b, 4))
        return false;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return true;
}

#define ARG32(i) ((uint32_t)args[i])

/* Sizes and contents of a string vector (argv or environ) in the guest's layout. */
static wasm_value_t vec_sizes(wasm_instance_t *caller, char **vec, int n, uint32_t count_ptr, uint32_t size_ptr)
{
    uint64_t size = 0;
    for (int i = 0; i < n; i++)
        size += strlen(vec[i]) + 1;
    if (size > UINT32_MAX)
        return WASI_EINVAL;
    if (!put_u32(caller, count_ptr, (uint32_t)n) || !put_u32(caller, size_ptr, (uint32_t)size))
        return WASI_EFAULT;
    return WASI_ESUCCESS;
}

static wasm_value_t vec_get(wasm_instance_t *caller, char **vec, int n, uint32_t ptrs, uint32_t buf)
{
    uint64_t at = buf;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(vec[i]) + 1;
        if (!put_u32(caller, ptrs + 4ull * (uint64_t)i, (uint32_t)at) ||
            !wasm_memory_write(mem_of(caller), at, vec[i], len))
            return WASI_EFAULT;
        at += len;
    }
    return WASI_ESUCCESS;
}

static int env_count(void)
{
    int n = 0;
    while (environ && environ[n])
        n++;
    return n;
}

static wasm_result_t args_sizes_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    wasi_ctx_t *w = ctx;
    res[0] = vec_sizes(caller, w->argv, w->argc, ARG32(0), ARG32(1));
    return WASM_OK;
}

static wasm_result_t args_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    wasi_ctx_t *w = ctx;
    res[0] = vec_get(caller, w->argv, w->argc, ARG32(0), ARG32(1));
    return WASM_OK;
}

static wasm_result_t environ_sizes_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args,
                                       wasm_value_t *res)
{
    (void)ctx;
    res[0] = vec_sizes(caller, environ, env_count(), ARG32(0), ARG32(1));
    return WASM_OK;
}

static wasm_result_t environ_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx;
    res[0] = vec_get(caller, environ, env_count(), ARG32(0), ARG32(1));
    return WASM_OK;
}

static clockid_t host_clock(uint32_t id, bool *ok)
{
    *ok = true;
    switch (id) {
    case 0: return CLOCK_REALTIME;
    case 1: return CLOCK_MONOTONIC;
    case 2: return CLOCK_PROCESS_CPUTIME_ID;
    case 3: return CLOCK_THREAD_CPUTIME_ID;
    default: *ok = false; return CLOCK_REALTIME;
    }
}

static wasm_result_t clock_res_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    bool ok;
    struct timespec ts;
    (void)ctx;
    clockid_t id = host_clock(ARG32(0), &ok);
    if (!ok || clock_getres(id, &ts) != 0) {
        res[0] = WASI_EINVAL;
        return WASM_OK;
    }
    res[0] = put_u64(caller, ARG32(1), (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ? 0 : WASI_EFAULT;
    return WASM_OK;
}

static wasm_result_t clock_time_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    bool ok;
    struct timespec ts;
    (void)ctx;
    clockid_t id = host_clock(ARG32(0), &ok);
    if (!ok || clock_gettime(id, &ts) != 0) {
        res[0] = WASI_EINVAL;
        return WASM_OK;
    }
    res[0] = put_u64(caller, ARG32(2), (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) ? 0 : WASI_EFAULT;
    return WASM_OK;
}

static wasm_result_t random_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx;
    uint8_t *buf = wasm_memory_view(mem_of(caller), ARG32(0), ARG32(1));
    if (!buf) {
        res[0] = WASI_EFAULT;
        return WASM_OK;
    }
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f ? fread(buf, 1, ARG32(1), f) : 0;
    if (f)
        fclose(f);
    res[0] = got == ARG32(1) ? WASI_ESUCCESS : WASI_EIO;
    return WASM_OK;
}

static wasm_result_t proc_exit(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)res;
    wasm_store_set_exit_code(wasm_instance_store(caller), (int32_t)ARG32(0));
    return WASM_EXIT;
}

static wasm_result_t fd_write(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx;
    uint32_t fd = ARG32(0), iovs = ARG32(1), n = ARG32(2), written = 0;
    if (fd != 1 && fd != 2) {
        res[0] = WASI_EBADF;
        return WASM_OK;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t base, len;
        if (!get_u32(caller, iovs + 8ull * i, &base) || !get_u32(caller, iovs + 8ull * i + 4, &len)) {
            res[0] = WASI_EFAULT;
            return WASM_OK;
        }
        const uint8_t *p = wasm_memory_view(mem_of(caller), base, len);
        if (!p) {
            res[0] = WASI_EFAULT;
            return WASM_OK;
        }
        size_t off = 0;
        while (off < len) {
            ssize_t w = write((int)fd, p + off, len - off);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                res[0] = WASI_EIO;
                return WASM_OK;
            }
            off += (size_t)w;
        }
        written += len;
    }
    res[0] = put_u32(caller, ARG32(3), written) ? WASI_ESUCCESS : WASI_EFAULT;
    return WASM_OK;
}

static wasm_result_t fd_fdstat_get(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx;
    uint32_t fd = ARG32(0);
    if (fd > 2) {
        res[0] = WASI_EBADF;
        return WASM_OK;
    }
    /* filetype character device, no flags, rights: fd_write (bit 6) or fd_read (bit 1). */
    uint8_t st[24] = {0};
    st[0] = 2;
    uint64_t rights = fd == 0 ? 1u << 1 : 1u << 6;
    memcpy(st + 8, &rights, 8);
    res[0] = wasm_memory_write(mem_of(caller), ARG32(1), st, sizeof st) ? WASI_ESUCCESS : WASI_EFAULT;
    return WASM_OK;
}

static wasm_result_t fd_badf(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)caller, (void)args;
    res[0] = WASI_EBADF;
    return WASM_OK;
}

static wasm_result_t fd_seek(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)caller;
    res[0] = ARG32(0) <= 2 ? WASI_ESPIPE : WASI_EBADF;
    return WASM_OK;
}

static wasm_result_t fd_close(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)caller;
    res[0] = ARG32(0) <= 2 ? WASI_ESUCCESS : WASI_EBADF;
    return WASM_OK;
}

static wasm_result_t fd_read(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx;
    /* stdin reads as empty: commands here take their input from arguments. */
    if (ARG32(0) != 0) {
        res[0] = WASI_EBADF;
        return WASM_OK;
    }
    res[0] = put_u32(caller, ARG32(3), 0) ? WASI_ESUCCESS : WASI_EFAULT;
    return WASM_OK;
}

static wasm_result_t sched_yield(void *ctx, wasm_instance_t *caller, const wasm_value_t *args, wasm_value_t *res)
{
    (void)ctx, (void)caller, (void)args;
    res[0] = WASI_ESUCCESS;
    return WASM_OK;
}

static const struct {
    const char *name, *type;
    wasm_host_fn fn;
} wasi_funcs[] = {
    {"args_sizes_get", "ii:i", args_sizes_get},
    {"args_get", "ii:i", args_get},
    {"environ_sizes_get", "ii:i", environ_sizes_get},
    {"environ_get", "ii:i", environ_get},
    {"clock_res_get", "ii:i", clock_res_get},
    {"clock_time_get", "iIi:i", clock_time_get},
    {"random_get", "ii:i", random_get},
    {"proc_exit", "i:", proc_exit},
    {"fd_write", "iiii:i", fd_write},
    {"fd_read", "iiii:i", fd_read},
    {"fd_fdstat_get", "ii:i", fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii:i", fd_badf},
    {"fd_prestat_get", "ii:i", fd_badf},
    {"fd_prestat_dir_name", "iii:i", fd_badf},
    {"fd_filestat_get", "ii:i", fd_badf},
    {"fd_seek", "iIii:i", fd_seek},
    {"fd_close", "i:i", fd_close},
    {"sched_yield", ":i", sched_yield},
};

typedef struct {
    wasm_store_t *store;
    wasi_ctx_t *wasi;
} resolve_ctx_t;

static bool wasi_resolve(void *ctx, const char *module, size_t mlen, const char *name, size_t nlen, int kind,
                         wasm_extern_t *out)
{
    resolve_ctx_t *rc = ctx;
    if (kind != WASM_EXTERN_FUNC || mlen != 22 || memcmp(module, "wasi_snapshot_preview1", 22) != 0)
        goto refuse;
    for (size_t i = 0; i < sizeof wasi_funcs / sizeof wasi_funcs[0]; i++) {
        if (strlen(wasi_funcs[i].name) == nlen && memcmp(wasi_funcs[i].name, name, nlen) == 0) {
            out->kind = WASM_EXTERN_FUNC;
            out->u.func = wasm_host_func_new(rc->store, wasi_funcs[i].type, wasi_funcs[i].fn, rc->wasi);
            return out->u.func != NULL;
        }
    }
refuse:
    fprintf(stderr, "substrate wasm run: import %.*s.%.*s is not granted\n", (int)mlen, module, (int)nlen, name);
    return false;
}

int wasm_run_main(int argc, char **argv)
{
    int status = 1;
    size_t len;
    const char *err = NULL;
    wasm_module_t *m = NULL;
    wasm_store_t *s = NULL;
    wasm_instance_t *inst;
    uint8_t *bytes = NULL;
    if (argc < 2) {
        fprintf(stderr, "usage: substrate wasm run FILE.wasm [ARGS...]\n");
        return 2;
    }
    bytes = wasm_tool_read_file(argv[1], &len);
    if (!bytes) {
        fprintf(stderr, "substrate wasm run: cannot read %s\n", argv[1]);
        goto out;
    }
    wasm_result_t r = wasm_module_load(bytes, len, &m, &err);
    if (r != WASM_OK) {
        fprintf(stderr, "substrate wasm run: %s: %s: %s\n", argv[1], wasm_result_str(r), err);
        goto out;
    }
    s = wasm_store_new(NULL);
    if (!s)
        goto out;
    wasi_ctx_t wasi = {argc - 1, argv + 1};
    resolve_ctx_t rc = {s, &wasi};
    r = wasm_instantiate(s, m, wasi_resolve, &rc, &inst);
    if (r == WASM_OK) {
        wasm_func_t *start = wasm_instance_func(inst, "_start");
        if (!start) {
            fprintf(stderr, "substrate wasm run: %s exports no _start\n", argv[1]);
            goto out;
        }
        r = wasm_call(s, start, NULL, 0, NULL, 0);
    }
    fflush(stdout);
    if (r == WASM_OK) {
        status = 0;
    } else if (r == WASM_EXIT) {
        status = wasm_store_exit_code(s) & 0xff;
    } else {
        fprintf(stderr, "substrate wasm run: %s: %s\n", argv[1], wasm_result_str(r));
        status = wasm_is_trap(r) ? 134 : 1;
    }
out:
    wasm_store_free(s);
    wasm_module_free(m);
    free(bytes);
    return status;
}
