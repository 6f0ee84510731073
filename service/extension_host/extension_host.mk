# The extension-host PD: lib/wasm and ext_host, the arena it allocates from,
# its configuration parser, the filesystem client it loads modules through,
# plus the example extensions (C built with clang for wasm32, no C library)
# embedded in its image for compositions without a filesystem.
EXTHOST_BUILD := $(BUILD)/service/extension_host
EXTHOST_ELF := $(EXTHOST_BUILD)/extension_host.elf
EXTHOST_EXAMPLES := counter crasher looper greedy doubler
EXTHOST_WASM := $(addprefix $(EXTHOST_BUILD)/,$(addsuffix .wasm,$(EXTHOST_EXAMPLES)))
EXTHOST_LIB_SRCS := service/extension_host/ext_host.c service/extension_host/ext_arena.c \
	service/extension_host/ext_config.c service/extension_host/ext_loader.c
EXTHOST_OBJS := $(addprefix $(TARGET_BUILD)/service/extension_host/,ext_host_pd.o ext_host.o ext_arena.o \
	ext_config.o ext_loader.o extensions.o) $(TARGET_BUILD)/system/fs/fs_client.o

$(EXTHOST_BUILD)/%.wasm: service/extension_host/examples/%.c service/extension_host/examples/ext_api.h
	@mkdir -p $(@D)
	clang --target=wasm32 -O2 -Wall -Werror -nostdlib -I$(TOP) -Wl,--no-entry -Wl,-z,stack-size=8192 \
		-Wl,--initial-memory=65536 -Wl,--max-memory=131072 $< -o $@

$(TARGET_BUILD)/service/extension_host/extensions.o: $(EXTHOST_WASM)
# Loops must stay loops: no C library underneath to turn them into calls of.
$(EXTHOST_OBJS): EXTRA_CFLAGS := $(PD_INCLUDES) -Wa,-I$(EXTHOST_BUILD) -fno-tree-loop-distribute-patterns

$(EXTHOST_ELF): $(EXTHOST_OBJS) $(WASM_LIB_TARGET) $(PD_LIBMICROKIT) $(PD_LINKER_SCRIPT)
	@mkdir -p $(@D)
	$(TARGET_LD) -nostdlib -z max-page-size=4096 $(EXTHOST_OBJS) $(WASM_LIB_TARGET) $(PD_LIBMICROKIT) \
		-T $(PD_LINKER_SCRIPT) -o $@

ALL_TARGETS += $(EXTHOST_ELF)
