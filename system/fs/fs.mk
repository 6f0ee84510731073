# The filesystem library: freestanding, so the filesystem PD links it as a
# static library, and the host tool and tests build the same sources.
FS_LIB_SRCS := system/fs/fs_util.c system/fs/fs_tree.c system/fs/fs.c system/fs/fs_server.c system/fs/fs_config.c
# Host-only parts: the checker (allocates with malloc) and image files.
FS_HOST_SRCS := $(FS_LIB_SRCS) system/fs/fs_fsck.c tools/fs/fs_image.c

FS_LIB := $(TARGET_BUILD)/system/fs/libfs.a
FS_LIB_OBJS := $(patsubst %.c,$(TARGET_BUILD)/%.o,$(FS_LIB_SRCS))
# Loops must stay loops: no library underneath to turn them into calls of.
$(FS_LIB_OBJS): EXTRA_CFLAGS := -fno-tree-loop-distribute-patterns -mno-red-zone

$(FS_LIB): $(FS_LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(TARGET_AR) rcs $@ $^

ALL_TARGETS += $(FS_LIB)

# The filesystem PD: the thin wrapper and the library above. Its configuration
# is text in a prefilled region of the system description (fs_config.h).
# $(call fs_pd_program,OUT_ELF)
FS_PD_CFLAGS := -I$(TOP)/lib/microkit/include -fno-tree-loop-distribute-patterns -mno-red-zone
$(TARGET_BUILD)/system/fs/pd/%.o: EXTRA_CFLAGS := $(FS_PD_CFLAGS)

define fs_pd_program
$(1): $(TARGET_BUILD)/system/fs/pd/fs_pd.o $(FS_LIB) $(PD_LIBMICROKIT) $(PD_LINKER_SCRIPT)
	@mkdir -p $$(@D)
	$(TARGET_LD) -nostdlib -z max-page-size=4096 $(TARGET_BUILD)/system/fs/pd/fs_pd.o \
		$(FS_LIB) $(PD_LIBMICROKIT) -T $(PD_LINKER_SCRIPT) -o $$@
endef
