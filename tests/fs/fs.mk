# Filesystem tests: library behaviour, power cuts, model comparison,
# corruption, the host tool, and short fuzzing runs.
FS_TEST_BIN := $(HOST_SAN_BUILD)/tests/fs
FS_SAN_OBJS := $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(FS_HOST_SRCS))

$(FS_TEST_BIN)/%: $(HOST_SAN_BUILD)/tests/fs/%.o $(FS_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

FS_UNIT := $(FS_TEST_BIN)/fs_unit_test

.PHONY: test-fs
test-fs: $(FS_UNIT)
	$(FS_UNIT)
TEST_SUITES += test-fs
