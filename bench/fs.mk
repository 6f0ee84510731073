# Filesystem benchmark on the host: our filesystem in an image file beside the
# host's own filesystem, same workloads, same run (bench/fs/fs_bench.c).
FS_BENCH := $(HOST_BUILD)/bench/fs/fs_bench
# (This fragment is read before system/fs/fs.mk, so the library's sources are named here.)
FS_BENCH_OBJS := $(patsubst %.c,$(HOST_BUILD)/%.o,bench/fs/fs_bench.c system/fs/fs_util.c \
	system/fs/fs_tree.c system/fs/fs.c tools/fs/fs_image.c)

$(FS_BENCH): $(FS_BENCH_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

.PHONY: bench-fs
bench-fs: $(FS_BENCH)
	@echo "== filesystem: substrate fs (image file) vs the host filesystem, same run"
	@mkdir -p $(BUILD)/bench/fs-work
	$(FS_BENCH) $(BUILD)/bench/fs-work $(or $(FS_BENCH_SCALE),1)
BENCH_TARGETS += bench-fs
