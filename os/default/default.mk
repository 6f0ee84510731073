# The default OS composition (`make run`): see default.system.
DEFAULT_OS_DIR := $(BUILD)/os/default
DEFAULT_OS_PDS := server ping pong client worker
DEFAULT_OS_ELFS := $(foreach p,$(DEFAULT_OS_PDS),$(DEFAULT_OS_DIR)/$(p).elf)
DEFAULT_OS_IMAGE := $(DEFAULT_OS_DIR)/default.img

$(foreach p,$(DEFAULT_OS_PDS),$(eval $(call pd_program,$(DEFAULT_OS_DIR)/$(p).elf,os/default/$(p).c)))
$(eval $(call pd_image,$(DEFAULT_OS_IMAGE),os/default/default.system,$(DEFAULT_OS_ELFS)))
$(DEFAULT_OS_IMAGE): os/default/greeting.txt

ALL_TARGETS += $(DEFAULT_OS_IMAGE)
