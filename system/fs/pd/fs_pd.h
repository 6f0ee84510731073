/*
 * The filesystem PD's limits. Its configuration (channels, ring capacities,
 * each client's root) is text the system description prefills into a
 * read-only region mapped at `fs_config` (see system/fs/fs_config.h).
 */
#ifndef SUBSTRATE_SYSTEM_FS_PD_H
#define SUBSTRATE_SYSTEM_FS_PD_H

#include "system/fs/fs_config.h"

#define FS_PD_MAX_CLIENTS FS_CONFIG_MAX_CLIENTS

#endif
