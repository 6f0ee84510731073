/*
 * The host functions an extension may import from the extension host. Each
 * belongs to a grant; a module importing a function whose grant the host's
 * system description does not give fails to load.
 *
 *   grant "log":  log(ptr, len)            write a line to the console
 *   grant "kv":   kv_get(key) -> value     a small integer key-value store
 *                 kv_put(key, value)
 *
 * An extension exports `int handle(int request)`, called once per request.
 */
#ifndef SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_API_H
#define SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_API_H

#define EXT_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#define EXT_EXPORT(name) __attribute__((export_name(name)))

EXT_IMPORT("log") void ext_log(const char *text, int len);
EXT_IMPORT("kv_get") int ext_kv_get(int key);
EXT_IMPORT("kv_put") void ext_kv_put(int key, int value);

static inline void ext_log_str(const char *s)
{
    int n = 0;
    while (s[n])
        n++;
    ext_log(s, n);
}

#endif
