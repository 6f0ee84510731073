# Device drivers: libraries (host-tested) and their PD wrappers.
DDF_LIB_SRCS += system/drivers/virtio_blk.c
