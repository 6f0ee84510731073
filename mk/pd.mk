# Building protection domains and bootable system images.
#
# Any fragment may call these (they are defined before the fragments are read).
#
#   $(eval $(call pd_program,OUT_ELF,SOURCES[,EXTRA_CFLAGS]))
#       Compiles SOURCES (.c or .S files, paths from the top of the tree) as
#       freestanding x86_64 code that includes <microkit.h>, and links them with
#       libmicrokit and microkit.ld (code at 0x200000) into OUT_ELF. Objects go to
#       build/target/<source path>.o, so list each source in one program only.
#
#   $(eval $(call pd_linked,OUT_ELF,SOURCES,EXTRA_CFLAGS,ARCHIVES[,ORDER_ONLY]))
#       For PDs built on a shared library (a driver on $(PD_DDF_LIB), a network
#       service on $(PD_NET_LIB)): compiles the .c SOURCES with EXTRA_CFLAGS into
#       OUT_ELF's own object directory (OUT_ELF without .elf, then -obj/), so one
#       source may serve many PDs built with different flags, and links them with
#       ARCHIVES and libmicrokit as one group. ORDER_ONLY names what must exist
#       before compiling (a fetched source tree). The compile line also reads
#       the variable PD_EXTRA_CFLAGS, which a target-specific assignment on
#       OUT_ELF's object directory can set.
#
#   $(eval $(call pd_image,OUT_IMAGE,SYSTEM_FILE,ELF_FILES[,SEARCH_DIRS]))
#       Runs the builder with Microkit's command line on SYSTEM_FILE and writes the
#       bootable Multiboot image OUT_IMAGE and its report OUT_IMAGE.report. The
#       ELF_FILES are prerequisites; the search path is SEARCH_DIRS, or else the
#       directories of ELF_FILES.
#
# Example (os/default/default.mk):
#   $(eval $(call pd_program,$(BUILD)/os/default/client.elf,os/default/client.c))
#   $(eval $(call pd_image,$(BUILD)/os/default/default.img,os/default/default.system,\
#       $(BUILD)/os/default/client.elf ...))
#   ALL_TARGETS += $(BUILD)/os/default/default.img
#
# Boot an image with `scripts/qemu-run IMAGE [QEMU ARGS...]`.

PD_LIBMICROKIT := $(TARGET_BUILD)/lib/microkit/libmicrokit.a
PD_LINKER_SCRIPT := $(TOP)/lib/microkit/microkit.ld
PD_INCLUDES := -I$(TOP)/lib/microkit/include -fno-tree-loop-distribute-patterns
PD_BUILDER := $(SDK)/bin/substrate
PD_KERNEL := $(SDK_BOARD)/debug/elf/kernel.elf

define pd_program
$(1): $(patsubst %,$(TARGET_BUILD)/%.o,$(basename $(2))) $(PD_LIBMICROKIT) $(PD_LINKER_SCRIPT)
	@mkdir -p $$(@D)
	$(TARGET_LD) -nostdlib -z max-page-size=4096 $(patsubst %,$(TARGET_BUILD)/%.o,$(basename $(2))) \
		$(PD_LIBMICROKIT) -T $(PD_LINKER_SCRIPT) -o $$@
$(patsubst %,$(TARGET_BUILD)/%.o,$(basename $(2))): EXTRA_CFLAGS := $(PD_INCLUDES) $(3)
endef

# The shared PD libraries (their rules: mk/late.mk and system/net/net.mk).
PD_DDF_LIB := $(TARGET_BUILD)/ddf/libddf.a
PD_NET_LIB := $(TARGET_BUILD)/system/net/libnet_pd.a

define pd_linked
$(1:.elf=)-objs := $(patsubst %.c,$(1:.elf=)-obj/%.o,$(2))
$(1:.elf=)-obj/%.o: %.c | $(5)
	@mkdir -p $$(@D)
	$$(TARGET_CC) $$(TARGET_CFLAGS) $$(TARGET_CPPFLAGS) $(PD_INCLUDES) $(3) $$(PD_EXTRA_CFLAGS) -MMD -MP -c $$< -o $$@
-include $$($(1:.elf=)-objs:.o=.d)
$(1): $$($(1:.elf=)-objs) $(4) $(PD_LIBMICROKIT) $(PD_LINKER_SCRIPT)
	@mkdir -p $$(@D)
	$$(TARGET_LD) -nostdlib -z max-page-size=4096 $$($(1:.elf=)-objs) \
		--start-group $(4) $(PD_LIBMICROKIT) --end-group -T $(PD_LINKER_SCRIPT) -o $$@
endef

define pd_image
$(1): $(2) $(3) $(PD_BUILDER) $(PD_KERNEL)
	@mkdir -p $$(@D)
	$(PD_BUILDER) build $(2) $(foreach d,$(or $(4),$(sort $(dir $(3)))),--search-path $(d)) \
		--board x86_64_generic --config debug -o $$@ -r $$@.report
endef

#   $(eval $(call pd_iso,OUT_ISO,IMAGE))
#       Wraps a bootable image in a GRUB rescue ISO (BIOS boot) for real
#       machines: GRUB loads IMAGE with its Multiboot loader, console on COM1.
define pd_iso
$(1): $(2) $(TOP)/scripts/make-iso
	$(TOP)/scripts/make-iso $(2) $$@
endef
