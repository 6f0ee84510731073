/*
 * Configuration of one filesystem PD, supplied per system by a small C file
 * that defines `fs_pd_config` (channel ids, ring capacities and each client's
 * root directory must agree with the system description).
 */
#ifndef SUBSTRATE_SYSTEM_FS_PD_H
#define SUBSTRATE_SYSTEM_FS_PD_H

#include <stdint.h>

#define FS_PD_MAX_CLIENTS 4

typedef struct {
    uint32_t channel;   /* the channel to this client */
    uint32_t capacity;  /* its ring capacity */
    const char *root;   /* the subtree it is confined to, from the filesystem's root */
} fs_pd_client_config_t;

typedef struct {
    uint32_t blk_channel;   /* to the block virtualiser */
    uint32_t blk_capacity;  /* blk ring capacity */
    uint32_t client_count;
    fs_pd_client_config_t clients[FS_PD_MAX_CLIENTS];
    uint32_t cache_nodes;   /* metadata cache; 0: the library's default */
    uint64_t format_seed;   /* mkfs seed when the partition holds no filesystem yet */
} fs_pd_config_t;

extern const fs_pd_config_t fs_pd_config;

#endif
