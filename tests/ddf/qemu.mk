# QEMU system tests of the driver framework (test-ddf-qemu): real images with
# the real drivers, virtualisers and test clients, judged from the host by
# tests/ddf/qemu_test.py (console checks, exit verdict, disk image bytes).
#
# Each PD is linked with the framework's archive (pd_linked in mk/pd.mk).

DDF_PD_BUILD := $(BUILD)/ddf-pd

# $(call ddf_pd,NAME,SOURCE,EXTRA_CFLAGS): $(DDF_PD_BUILD)/NAME.elf
ddf_pd = $(call pd_linked,$(DDF_PD_BUILD)/$(1).elf,$(2),$(3),$(PD_DDF_LIB))

# Block: driver (faults once, on purpose), virtualiser, a client and a hostile client.
$(eval $(call ddf_pd,blk/virtio_blk,system/drivers/virtio_blk_pd.c,-DVIRTIO_BLK_CRASH_AFTER=40))
$(eval $(call ddf_pd,blk/blk_virt,system/virt/blk_virt_pd.c))
$(eval $(call ddf_pd,blk/blk_client,tests/ddf/blk/client.c))
$(eval $(call ddf_pd,blk/blk_hostile,tests/ddf/blk/hostile.c))
DDF_BLK_ELFS := $(patsubst %,$(DDF_PD_BUILD)/blk/%.elf,virtio_blk blk_virt blk_client blk_hostile)
DDF_BLK_IMAGE := $(DDF_PD_BUILD)/blk/blk.img
$(eval $(call pd_image,$(DDF_BLK_IMAGE),tests/ddf/blk/blk.system,$(DDF_BLK_ELFS)))

# Serial: UART driver on COM2, virtualiser, two chatty echoing clients, a hostile one.
$(eval $(call ddf_pd,serial/uart,system/drivers/uart16550_pd.c))
$(eval $(call ddf_pd,serial/serial_virt,system/virt/serial_virt_pd.c))
$(eval $(call ddf_pd,serial/serial_a,tests/ddf/serial/chatty.c,-DCHATTY_NAME='"A"'))
$(eval $(call ddf_pd,serial/serial_b,tests/ddf/serial/chatty.c,-DCHATTY_NAME='"B"'))
$(eval $(call ddf_pd,serial/serial_hostile,tests/ddf/serial/hostile.c))
DDF_SERIAL_ELFS := $(patsubst %,$(DDF_PD_BUILD)/serial/%.elf,uart serial_virt serial_a serial_b serial_hostile)
DDF_SERIAL_IMAGE := $(DDF_PD_BUILD)/serial/serial.img
$(eval $(call pd_image,$(DDF_SERIAL_IMAGE),tests/ddf/serial/serial.system,$(DDF_SERIAL_ELFS)))

# Network: virtio-net driver, virtualiser, two answering clients (A reads slowly, B misbehaves).
$(eval $(call ddf_pd,net/virtio_net,system/drivers/virtio_net_pd.c))
$(eval $(call ddf_pd,net/net_virt,system/virt/net_virt_pd.c,-DNET_VIRT_PD_STATS=1))
$(eval $(call ddf_pd,net/net_a,tests/ddf/net/echo.c,-DNET_NAME='"A"' -DNET_SLOW))
$(eval $(call ddf_pd,net/net_b,tests/ddf/net/echo.c,-DNET_NAME='"B"' -DNET_HOSTILE))
$(eval $(call ddf_pd,net/net_c,tests/ddf/net/echo.c,-DNET_NAME='"C"'))
DDF_NET_ELFS := $(patsubst %,$(DDF_PD_BUILD)/net/%.elf,virtio_net net_virt net_a net_b net_c)
DDF_NET_IMAGE := $(DDF_PD_BUILD)/net/net.img
$(eval $(call pd_image,$(DDF_NET_IMAGE),tests/ddf/net/net.system,$(DDF_NET_ELFS)))

# Timer: HPET driver and two clients by protected call.
$(eval $(call ddf_pd,timer/timer,system/drivers/hpet_timer_pd.c))
$(eval $(call ddf_pd,timer/timer_client,tests/ddf/timer/client.c))
$(eval $(call ddf_pd,timer/timer_hostile,tests/ddf/timer/hostile.c))
DDF_TIMER_ELFS := $(patsubst %,$(DDF_PD_BUILD)/timer/%.elf,timer timer_client timer_hostile)
DDF_TIMER_IMAGE := $(DDF_PD_BUILD)/timer/timer.img
$(eval $(call pd_image,$(DDF_TIMER_IMAGE),tests/ddf/timer/timer.system,$(DDF_TIMER_ELFS)))

DDF_QEMU_IMAGES := $(DDF_BLK_IMAGE) $(DDF_SERIAL_IMAGE) $(DDF_NET_IMAGE) $(DDF_TIMER_IMAGE)

# Benchmark images (run by bench-ddf in bench/ddf.mk, which is read before this file).
# Block: the driver without the fault injection, a one-client virtualiser, the bench client.
$(eval $(call ddf_pd,bench/virtio_blk,system/drivers/virtio_blk_pd.c))
$(eval $(call ddf_pd,bench/blk_virt,system/virt/blk_virt_pd.c,-DBLK_VIRT_PD_CLIENTS=1))
$(eval $(call ddf_pd,bench/blk_bench,bench/ddf/blk_bench.c))
DDF_BENCH_BLK_ELFS := $(patsubst %,$(DDF_PD_BUILD)/bench/%.elf,virtio_blk blk_virt blk_bench)
$(eval $(call pd_image,$(DDF_PD_BUILD)/bench/blk_bench.img,bench/ddf/blk_bench.system,$(DDF_BENCH_BLK_ELFS)))

# Network: the test system's layout, with three plain echo clients.
$(eval $(call ddf_pd,bench/virtio_net,system/drivers/virtio_net_pd.c))
$(eval $(call ddf_pd,bench/net_virt,system/virt/net_virt_pd.c))
$(eval $(call ddf_pd,bench/net_a,tests/ddf/net/echo.c,-DNET_NAME='"A"'))
$(eval $(call ddf_pd,bench/net_b,tests/ddf/net/echo.c,-DNET_NAME='"B"'))
$(eval $(call ddf_pd,bench/net_c,tests/ddf/net/echo.c,-DNET_NAME='"C"'))
DDF_BENCH_NET_ELFS := $(patsubst %,$(DDF_PD_BUILD)/bench/%.elf,virtio_net net_virt net_a net_b net_c)
$(eval $(call pd_image,$(DDF_PD_BUILD)/bench/net.img,tests/ddf/net/net.system,$(DDF_BENCH_NET_ELFS)))

.PHONY: test-ddf-qemu
test-ddf-qemu: $(DDF_QEMU_IMAGES)
	@python3 tests/ddf/qemu_test.py --build $(DDF_PD_BUILD) blk serial net timer
TEST_SUITES += test-ddf-qemu
