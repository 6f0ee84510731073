/*
 * The filesystem PD's request server, as a library: it executes the requests
 * of system/fs/fs_protocol.h against a mounted filesystem, one client at a
 * time, each confined to its own root directory and handle table.
 *
 * The PD wrapper calls fs_server_process() for a client after a notification
 * and notifies the client when it returns true. Nothing here knows about PDs.
 */
#ifndef SUBSTRATE_SYSTEM_FS_SERVER_H
#define SUBSTRATE_SYSTEM_FS_SERVER_H

#include "system/fs/fs.h"
#include "system/fs/fs_protocol.h"

#define FS_SERVER_HANDLES 64u

typedef struct {
    uint64_t ino;
    uint64_t pos;
    uint32_t flags;
    bool used;
    bool wrote; /* close commits */
    bool dir;
} fs_server_handle_t;

typedef struct {
    fs_queue_t q;
    uint8_t *data;       /* the client's data region, as mapped here */
    uint64_t data_size;
    uint64_t root;       /* the directory it is confined to */
    fs_server_handle_t handles[FS_SERVER_HANDLES];
    bool broken;         /* its rings were found corrupt: it is ignored from then on */
    uint64_t rejected;   /* malformed requests answered with FS_EINVAL */
    uint64_t served;
} fs_server_client_t;

/*
 * Binds a client: its control region (initialised here, as the server), its
 * data region and the directory its system description gives it, created
 * (with its parents) if missing.
 */
int fs_server_attach(fs_t *fs, fs_server_client_t *c, void *control, size_t control_size, uint32_t capacity,
                     void *data, uint64_t data_size, const char *root_path, size_t root_len);

/*
 * Serves up to `budget` requests of one client. Returns true when the client
 * must be notified (a completion it asked to hear about is there).
 */
bool fs_server_process(fs_t *fs, fs_server_client_t *c, uint32_t budget);

#endif
