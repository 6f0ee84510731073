/*
 * The filesystem client protocol: how a client PD talks to the filesystem PD.
 *
 * Regions (per client, named in the system description):
 *   control  the request ring then the completion ring, each a
 *            ddf_ring_shared_t followed by `capacity` slots (fs_request_t,
 *            fs_completion_t); `capacity` is a power of two both sides get
 *            from the system description, never from shared memory.
 *   data     a client-owned buffer region both PDs map. Requests name paths
 *            and data buffers in it by byte offset and length, never by
 *            pointer; the server checks every range against the region's
 *            size before touching it and copies paths out once.
 * The server (the filesystem PD) initialises the control region
 * (fresh = true) before it first notifies the client.
 *
 * Many requests may be outstanding: a client enqueues up to `capacity`
 * requests and matches completions by `id`, which the server echoes and never
 * interprets. Requests of one client are executed in ring order, so a client
 * may queue a write and the fsync that makes it durable back to back.
 * Ownership: a request hands its buffers to the server until its completion
 * comes back; the client must not touch them in between.
 *
 * Signalling (the rule of ddf/ring.h):
 *   - The client, after enqueueing a batch of requests, notifies the fs
 *     channel when ddf_ring_should_notify(request ring) says so (it may always
 *     notify more). The server, when it finds the request ring empty, requests
 *     a signal and re-checks before it stops.
 *   - The server, after enqueueing completions, notifies the client when
 *     ddf_ring_should_notify(completion ring) says so. A client that waits for
 *     completions requests a signal on the completion ring and re-checks.
 *   - The server takes a request only when a completion slot is free, so it
 *     never blocks on the completion ring; a client that keeps no more than
 *     `capacity` requests outstanding always has room for their completions.
 *
 * Confinement: every path is resolved from the directory the system
 * description gives the client (its "root"); "." and ".." are not path
 * components, so no request can name anything outside that subtree. Handles
 * are indices into the client's own table.
 *
 * Durability: FS_OP_FSYNC and FS_OP_CLOSE of a handle that wrote return only
 * after everything the client changed is committed to the disk.
 *
 * All fields are little-endian; the structures are fixed-size and padded.
 */
#ifndef SUBSTRATE_SYSTEM_FS_PROTOCOL_H
#define SUBSTRATE_SYSTEM_FS_PROTOCOL_H

#include <stdint.h>

#include "ddf/ring.h"

typedef enum {
    FS_OP_OPEN = 1,     /* path, flags -> result: handle */
    FS_OP_CLOSE = 2,    /* handle; commits if the handle wrote */
    FS_OP_READ = 3,     /* handle, buf -> result: bytes; from and advancing the handle's position */
    FS_OP_WRITE = 4,    /* handle, buf -> result: bytes; at the position (end with FS_OPEN_APPEND) */
    FS_OP_PREAD = 5,    /* handle, offset, buf -> result: bytes */
    FS_OP_PWRITE = 6,   /* handle, offset, buf -> result: bytes */
    FS_OP_TRUNCATE = 7, /* handle, offset = new size */
    FS_OP_FSYNC = 8,    /* handle */
    FS_OP_STAT = 9,     /* handle, buf >= sizeof(fs_wire_stat_t) */
    FS_OP_MKDIR = 10,   /* path */
    FS_OP_RMDIR = 11,   /* path */
    FS_OP_UNLINK = 12,  /* path */
    FS_OP_RENAME = 13,  /* path -> path2, atomic, across directories */
    FS_OP_READDIR = 14, /* handle of a directory, offset = cookie (0 first), buf >= sizeof(fs_wire_dirent_t)
                         * -> result: next cookie, or 0 at the end (nothing written) */
    FS_OP_STATFS = 15,  /* buf >= sizeof(fs_wire_statfs_t) */
    FS_OP_SEEK = 16,    /* handle, offset: sets the position -> result: the position */
} fs_op_t;

/* FS_OP_OPEN flags. */
enum {
    FS_OPEN_CREATE = 1u << 0,    /* create the file if it does not exist */
    FS_OPEN_EXCL = 1u << 1,      /* with CREATE: fail with EEXIST if it exists */
    FS_OPEN_TRUNC = 1u << 2,     /* truncate an existing file to 0 */
    FS_OPEN_APPEND = 1u << 3,    /* FS_OP_WRITE writes at the end */
    FS_OPEN_DIRECTORY = 1u << 4, /* open a directory (for FS_OP_READDIR) */
};

#define FS_PATH_MAX 4096u /* bytes of one path in a request */

typedef struct {
    uint32_t op;        /* fs_op_t */
    uint32_t id;        /* echoed in the completion */
    uint32_t handle;
    uint32_t flags;
    uint64_t offset;    /* file offset, size, or readdir cookie */
    uint64_t buf_off;   /* data buffer: byte offset in the data region */
    uint32_t buf_len;
    uint32_t path_len;
    uint64_t path_off;  /* path: byte offset in the data region (no NUL needed) */
    uint64_t path2_off; /* second path (rename target) */
    uint32_t path2_len;
    uint32_t reserved;
} fs_request_t;

typedef struct {
    uint32_t id;
    int32_t status;     /* 0 or a negative errno (FS_E* in system/fs/fs.h) */
    uint64_t result;    /* bytes, handle, cookie or position, by op */
    uint64_t reserved[2];
} fs_completion_t;

typedef struct {
    uint64_t ino;
    uint32_t type;      /* 1 file, 2 directory */
    uint32_t nlink;
    uint64_t size;
    uint64_t blocks;
    uint64_t mtime;
    uint64_t ctime;
} fs_wire_stat_t;

typedef struct {
    uint64_t ino;
    uint32_t type;
    uint32_t name_len;
    char name[256];     /* name_len bytes, then a NUL */
} fs_wire_dirent_t;

typedef struct {
    uint64_t block_size;
    uint64_t total_blocks;
    uint64_t free_blocks;
    uint64_t files;
    uint64_t name_max;
    uint64_t generation;
} fs_wire_statfs_t;

_Static_assert(sizeof(fs_request_t) == 64, "a request is 64 bytes");
_Static_assert(sizeof(fs_completion_t) == 32, "a completion is 32 bytes");
_Static_assert(sizeof(fs_wire_stat_t) == 48, "stat is 48 bytes");
_Static_assert(sizeof(fs_wire_dirent_t) == 272, "a directory entry is 272 bytes");

/* Bytes of the control region for a ring capacity. */
static inline size_t fs_control_bytes(uint32_t capacity)
{
    return ddf_ring_bytes(capacity, sizeof(fs_request_t)) + ddf_ring_bytes(capacity, sizeof(fs_completion_t));
}

/* One end of a client connection. */
typedef struct {
    ddf_ring_t req;
    fs_request_t *req_slots;
    ddf_ring_t cmp;
    fs_completion_t *cmp_slots;
} fs_queue_t;

/* client = true: produce requests, consume completions. The server passes fresh = true. */
static inline ddf_ring_err_t fs_queue_attach(fs_queue_t *q, void *control, size_t control_size, uint32_t capacity,
                                             bool client, bool fresh)
{
    if (control == NULL || !ddf_ring_capacity_ok(capacity) || capacity > (1u << 16) ||
        control_size < fs_control_bytes(capacity))
        return DDF_RING_INVALID;
    uint8_t *p = (uint8_t *)control;
    ddf_ring_shared_t *req = (ddf_ring_shared_t *)p;
    q->req_slots = (fs_request_t *)(p + sizeof(ddf_ring_shared_t));
    p += ddf_ring_bytes(capacity, sizeof(fs_request_t));
    ddf_ring_shared_t *cmp = (ddf_ring_shared_t *)p;
    q->cmp_slots = (fs_completion_t *)(p + sizeof(ddf_ring_shared_t));
    ddf_ring_err_t err = ddf_ring_attach(&q->req, req, capacity, client, fresh);
    if (err == DDF_RING_OK)
        err = ddf_ring_attach(&q->cmp, cmp, capacity, !client, fresh);
    return err;
}

#endif
