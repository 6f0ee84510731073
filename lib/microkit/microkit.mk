# libmicrokit and the SDK's board directory:
#   $(SDK_BOARD)/{debug,release}/include  microkit.h, sel4/sel4.h, kernel/gen_config.h
#   $(SDK_BOARD)/{debug,release}/lib      libmicrokit.a, microkit.ld
# Both configurations hold the same library; the kernel is the same too.
MICROKIT_SRCS := lib/microkit/main.c lib/microkit/string.c
MICROKIT_ASMS := lib/microkit/crt0.S
MICROKIT_OBJS := $(patsubst %.c,$(TARGET_BUILD)/%.o,$(MICROKIT_SRCS)) \
	$(patsubst %.S,$(TARGET_BUILD)/%.o,$(MICROKIT_ASMS))
MICROKIT_LIB := $(TARGET_BUILD)/lib/microkit/libmicrokit.a
MICROKIT_HEADERS := microkit.h sel4/sel4.h kernel/gen_config.h

$(TARGET_BUILD)/lib/microkit/%.o: EXTRA_CFLAGS := -I$(TOP)/lib/microkit/include -fno-tree-loop-distribute-patterns

$(MICROKIT_LIB): $(MICROKIT_OBJS)
	@rm -f $@
	$(TARGET_AR) rcs $@ $^

MICROKIT_SDK_FILES :=
define microkit_sdk_config
$(SDK_BOARD)/$(1)/lib/libmicrokit.a: $(MICROKIT_LIB)
	@mkdir -p $$(@D)
	cp $$< $$@
$(SDK_BOARD)/$(1)/lib/microkit.ld: lib/microkit/microkit.ld
	@mkdir -p $$(@D)
	cp $$< $$@
$(SDK_BOARD)/$(1)/include/%.h: lib/microkit/include/%.h
	@mkdir -p $$(@D)
	cp $$< $$@
MICROKIT_SDK_FILES += $(SDK_BOARD)/$(1)/lib/libmicrokit.a $(SDK_BOARD)/$(1)/lib/microkit.ld \
	$(addprefix $(SDK_BOARD)/$(1)/include/,$(MICROKIT_HEADERS))
endef
$(foreach c,debug release,$(eval $(call microkit_sdk_config,$(c))))

ALL_TARGETS += $(MICROKIT_SDK_FILES)
sdk: $(MICROKIT_SDK_FILES)
