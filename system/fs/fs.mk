# The filesystem library: freestanding, so the filesystem PD links it as a
# static library, and the host tool and tests build the same sources.
FS_LIB_SRCS := system/fs/fs_util.c system/fs/fs_tree.c system/fs/fs.c
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
