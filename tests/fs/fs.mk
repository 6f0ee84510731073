# Filesystem tests: library behaviour, power cuts, model comparison,
# corruption, the host tool, and short fuzzing runs.
FS_TEST_BIN := $(HOST_SAN_BUILD)/tests/fs
FS_SAN_OBJS := $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(FS_HOST_SRCS))

$(FS_TEST_BIN)/%: $(HOST_SAN_BUILD)/tests/fs/%.o $(FS_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

FS_UNIT := $(FS_TEST_BIN)/fs_unit_test
FS_MODEL := $(FS_TEST_BIN)/fs_model_test
FS_POWERCUT := $(FS_TEST_BIN)/fs_powercut_test
FS_CORRUPT := $(FS_TEST_BIN)/fs_corrupt_test

.PHONY: test-fs
test-fs: $(FS_UNIT) $(FS_MODEL) $(FS_POWERCUT) $(FS_CORRUPT)
	$(FS_UNIT)
	$(FS_CORRUPT) 400
	$(FS_MODEL) 6 3000
	$(FS_POWERCUT) 300
TEST_SUITES += test-fs
