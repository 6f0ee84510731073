# The default OS composition (`make run`): see default.system and README.md.
# Its own PDs (server, ping, pong, client, worker), and the network: the HPET
# timer driver, the virtio-net driver, the network virtualiser and the echo
# service, each built here into build/os/default/ (the same sources the
# driver-framework and network tests build).
DEFAULT_OS_DIR := $(BUILD)/os/default
DEFAULT_OS_PDS := server ping pong client worker
DEFAULT_OS_ELFS := $(foreach p,$(DEFAULT_OS_PDS),$(DEFAULT_OS_DIR)/$(p).elf)
DEFAULT_OS_NET_ELFS := $(addprefix $(DEFAULT_OS_DIR)/,timer.elf virtio_net.elf net_virt.elf echo.elf)
DEFAULT_OS_IMAGE := $(DEFAULT_OS_DIR)/default.img

# Seconds without network traffic, after the default PDs have talked, before
# the client ends the run; 0 keeps the system up until QEMU is stopped
# (`make run DEFAULT_OS_IDLE_S=0`). The value goes into a generated header
# that changes only when the value does, so the client is rebuilt then.
DEFAULT_OS_IDLE_S ?= 10
DEFAULT_OS_CONFIG := $(DEFAULT_OS_DIR)/config.h
$(DEFAULT_OS_CONFIG): FORCE_DEFAULT_OS_CONFIG
	@mkdir -p $(@D)
	@echo '#define DEFAULT_OS_IDLE_S $(DEFAULT_OS_IDLE_S)' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE_DEFAULT_OS_CONFIG

$(foreach p,$(filter-out client,$(DEFAULT_OS_PDS)),$(eval $(call pd_program,$(DEFAULT_OS_DIR)/$(p).elf,os/default/$(p).c)))
$(eval $(call pd_program,$(DEFAULT_OS_DIR)/client.elf,os/default/client.c,-include $(DEFAULT_OS_CONFIG)))
$(TARGET_BUILD)/os/default/client.o: $(DEFAULT_OS_CONFIG)

# Drivers and virtualiser, on the driver framework's archive.
$(eval $(call pd_linked,$(DEFAULT_OS_DIR)/timer.elf,system/drivers/hpet_timer_pd.c,,$(PD_DDF_LIB)))
$(eval $(call pd_linked,$(DEFAULT_OS_DIR)/virtio_net.elf,system/drivers/virtio_net_pd.c,,$(PD_DDF_LIB)))
$(eval $(call pd_linked,$(DEFAULT_OS_DIR)/net_virt.elf,system/virt/net_virt_pd.c,,$(PD_DDF_LIB)))

# The echo service as client 0 of the virtualiser (its grant, echo.grant, is a
# region both map), one channel for both queues, the timer on channel 2,
# traffic reported on channel 3.
DEFAULT_OS_ECHO_CFLAGS := -DECHO_TX_CHANNEL=0 -DECHO_TIMER_CHANNEL=2 -DECHO_ACTIVITY_CHANNEL=3
$(eval $(call pd_linked,$(DEFAULT_OS_DIR)/echo.elf,\
	service/echo/echo_pd.c service/echo/echo.c system/net/net_client_pd.c,\
	$(DEFAULT_OS_ECHO_CFLAGS),$(PD_NET_LIB),third_party/lwip/.fetched))

$(eval $(call pd_image,$(DEFAULT_OS_IMAGE),os/default/default.system,$(DEFAULT_OS_ELFS) $(DEFAULT_OS_NET_ELFS)))
$(DEFAULT_OS_IMAGE): os/default/greeting.txt os/default/echo.grant $(DEFAULT_OS_DIR)/net_seed.bin
# The echo's per-image network seed (system/net/net_client_pd.c): fresh
# random bytes whenever the build directory is new.
$(DEFAULT_OS_DIR)/net_seed.bin:
	@mkdir -p $(@D)
	head -c 32 /dev/urandom >$@

ALL_TARGETS += $(DEFAULT_OS_IMAGE)
