# What `make run` boots, and the `sdk` and `iso` goals.
RUN_IMAGE := $(BUILD)/os/default/default.img
RUN_QEMU_ARGS := -M q35 -cpu qemu64,+pdpe1gb -m 1G

sdk: $(SDK)/bin/substrate $(SDK)/bin/microkit

# `make iso`: the default system in a GRUB ISO for real machines.
RUN_ISO := $(BUILD)/os/default/default.iso
$(eval $(call pd_iso,$(RUN_ISO),$(RUN_IMAGE)))
.PHONY: iso
iso: $(RUN_ISO)
