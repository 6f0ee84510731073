# The driver framework proper: PCI and the VirtIO transport. Freestanding
# libraries, built for the host (tests, fuzzers) and for protection domains.
DDF_LIB_SRCS += ddf/pci/pci.c
DDF_LIB_SRCS += ddf/virtio/virtqueue.c ddf/virtio/virtio_pci.c
