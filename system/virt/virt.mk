# Virtualisers: libraries (host-tested) and their PD wrappers.
DDF_LIB_SRCS += system/virt/blk_partition.c
DDF_LIB_SRCS += system/virt/blk_virt.c
DDF_LIB_SRCS += system/virt/net_virt.c system/net/net_config.c system/net/net_filter.c
DDF_LIB_SRCS += system/virt/serial_virt.c
