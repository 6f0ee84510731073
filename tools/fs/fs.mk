# `substrate fs`: filesystem images from the host.
SUBSTRATE_SRCS += tools/fs/fs_cmd.c $(FS_HOST_SRCS)
