/* The filesystem PD's configuration for the QEMU power-cut system (fs_crash.system). */
#include "system/fs/pd/fs_pd.h"

const fs_pd_config_t fs_pd_config = {
    .blk_channel = 0,
    .blk_capacity = 16, /* BLK_VIRT_PD_CLIENT_CAP */
    .client_count = 1,
    .clients = {{1, 32, "/writer"}},
    .cache_nodes = 256,
    .format_seed = 0x5ab57a7eull,
};
