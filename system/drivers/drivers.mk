# Device drivers: libraries (host-tested) and their PD wrappers.
DDF_LIB_SRCS += system/drivers/virtio_blk.c
DDF_LIB_SRCS += system/drivers/uart16550.c
DDF_LIB_SRCS += system/drivers/virtio_net.c
DDF_LIB_SRCS += system/drivers/hpet_timer.c
