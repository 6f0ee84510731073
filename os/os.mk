# What `make run` boots, and the `sdk` and `iso` goals.
RUN_IMAGE := $(BUILD)/os/default/default.img
# q35 has the HPET the timer driver uses; the virtio-net device sits at
# 00:04.0 as os/default/default.system says, on QEMU's user network with
# 127.0.0.1:$(RUN_ECHO_PORT) forwarded to the echo service (10.0.2.15 port 7),
# TCP and UDP. tests/os/ boots the same arguments with another free port.
# RDRAND (which TCG emulates) gives the network stack its per-boot secret
# from the processor (docs/net.md, "Secrets").
RUN_ECHO_PORT ?= 5555
RUN_QEMU_ARGS = -M q35 -cpu qemu64,+pdpe1gb,+rdrand -m 1G \
	-netdev user,id=n0,hostfwd=tcp:127.0.0.1:$(RUN_ECHO_PORT)-10.0.2.15:7,hostfwd=udp:127.0.0.1:$(RUN_ECHO_PORT)-10.0.2.15:7 \
	-device virtio-net-pci,netdev=n0,addr=4

sdk: $(SDK)/bin/substrate $(SDK)/bin/microkit

# `make iso`: the default system in a GRUB ISO for real machines.
RUN_ISO := $(BUILD)/os/default/default.iso
$(eval $(call pd_iso,$(RUN_ISO),$(RUN_IMAGE)))
.PHONY: iso
iso: $(RUN_ISO)
