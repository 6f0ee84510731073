/*
 * ext_loader: fills an extension host from a directory of the filesystem PD.
 *
 * It unloads every extension, lists the directory through a filesystem
 * client, keeps the regular files whose names end in ".wasm" (the first
 * EXT_HOST_MAX in byte order of their names, so the numbering does not
 * depend on the directory's layout), and loads each: the size is checked
 * against the limit before anything is read, the file is read into the
 * arena, handed to ext_host_load (which copies it) and given back. A file
 * that is too big, unreadable or invalid is refused with one console line
 * naming it and the reason, keeps its number, and the others still load.
 *
 * Plain C over ext_host, fs_client and ext_arena: the PD calls it at start
 * and on every reload; the host tests drive it against the real filesystem
 * server on an in-memory disk.
 */
#ifndef SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_LOADER_H
#define SUBSTRATE_SERVICE_EXTENSION_HOST_EXT_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "service/extension_host/ext_arena.h"
#include "service/extension_host/ext_host.h"
#include "system/fs/fs_client.h"

typedef struct {
    ext_host_t *host;
    fs_client_t *fs;
    ext_arena_t *arena;    /* where a file is read before it is loaded */
    const char *dir;       /* absolute, normalised (ext_config.h) */
    size_t dir_len;
    uint32_t max_bytes;    /* larger files are refused unread */
} ext_loader_t;

/* Unloads everything, then loads the directory's modules. False (after saying why) if it cannot be listed. */
bool ext_loader_load_dir(const ext_loader_t *l);

#endif
