/*
 * fs_client: the client side of the filesystem protocol (fs_protocol.h),
 * for protection domains that talk to the filesystem PD.
 *
 * A client owns one request/completion queue (its control region) and one
 * data region, both granted by the system description. It submits requests
 * (many may be outstanding), notifies the filesystem PD through a hook, and
 * waits for completions by id. The filesystem PD sits above its clients, so
 * one notification normally gets the whole batch served before the client
 * runs again; a client still only spins, never blocks, while it waits.
 *
 * The synchronous helpers (fs_client_open, _pread, ...) put the path at the
 * start of the data region and file data at FS_CLIENT_DATA_OFF, so the data
 * region must be larger than that; callers that lay the region out
 * themselves use fs_client_submit / fs_client_wait directly.
 *
 * Freestanding: no C library, no allocation; the PD passes its notify
 * function, the host tests pass one that runs the server in-process.
 */
#ifndef SUBSTRATE_SYSTEM_FS_CLIENT_H
#define SUBSTRATE_SYSTEM_FS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "system/fs/fs_protocol.h"

#define FS_CLIENT_DATA_OFF 4096u /* where the helpers put file data; paths go at 0 */

typedef void (*fs_client_notify_fn)(void *ctx);

typedef struct {
    fs_queue_t q;
    uint8_t *data;
    size_t data_size;
    uint32_t capacity;
    uint32_t next_id;
    uint32_t outstanding;
    fs_client_notify_fn notify;
    void *notify_ctx;
    uint32_t spins_left; /* bound on one wait; 0 waits for ever */
    uint32_t spin_limit;
} fs_client_t;

/*
 * Attaches to a control region the server has initialised (wait for its first
 * notification). `capacity` comes from the system description. Returns 0 or
 * FS_EINVAL (regions missing or too small).
 */
int fs_client_init(fs_client_t *c, void *control, size_t control_size, uint32_t capacity, void *data,
                   size_t data_size, fs_client_notify_fn notify, void *notify_ctx);

/* A wait gives up (FS_EIO completion) after this many empty polls; 0 (the default) never does. */
void fs_client_set_spin_limit(fs_client_t *c, uint32_t polls);

/* Queues a request (its id is set here) and returns the id; 0 if `capacity` requests are outstanding. */
uint32_t fs_client_submit(fs_client_t *c, const fs_request_t *rq);

/* Notifies the server, then returns the completion of `id`, dropping others. */
fs_completion_t fs_client_wait(fs_client_t *c, uint32_t id);

/* Copies a path into the data region at `off`; its length, or 0 if it does not fit. */
uint32_t fs_client_put_path(fs_client_t *c, uint64_t off, const char *path, size_t len);

/* Synchronous helpers: 0 or a negative FS_E* status. */
int fs_client_open(fs_client_t *c, const char *path, size_t len, uint32_t flags, uint32_t *handle);
int fs_client_close(fs_client_t *c, uint32_t handle);
int fs_client_stat(fs_client_t *c, uint32_t handle, fs_wire_stat_t *out);
/* Reads up to len bytes at offset into out (through the data region, in pieces); *got is how many. */
int fs_client_pread(fs_client_t *c, uint32_t handle, uint64_t offset, void *out, size_t len, size_t *got);
/* Writes len bytes at offset (through the data region, in pieces). */
int fs_client_pwrite(fs_client_t *c, uint32_t handle, uint64_t offset, const void *in, size_t len);
int fs_client_fsync(fs_client_t *c, uint32_t handle);
/* One directory entry from *cookie (0 first); *cookie is 0 after the last. The name is NUL-terminated. */
int fs_client_readdir(fs_client_t *c, uint32_t handle, uint64_t *cookie, fs_wire_dirent_t *out);

#endif
