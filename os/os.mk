# What `make run` boots, and the `sdk` and `iso` goals.
RUN_IMAGE := $(BUILD)/os/default/default.img
RUN_QEMU_ARGS := -M q35 -cpu qemu64,+pdpe1gb -m 1G

sdk: $(SDK)/bin/substrate $(SDK)/bin/microkit
