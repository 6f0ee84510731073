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
FS_SERVER := $(FS_TEST_BIN)/fs_server_test
FS_CONFIG := $(FS_TEST_BIN)/fs_config_test

.PHONY: test-fs
test-fs: $(FS_UNIT) $(FS_MODEL) $(FS_POWERCUT) $(FS_CORRUPT) $(FS_SERVER) $(FS_CONFIG)
	$(FS_UNIT)
	$(FS_CONFIG)
	$(FS_SERVER)
	$(FS_CORRUPT) 400
	$(FS_MODEL) 5 2500
	$(FS_POWERCUT) 300
TEST_SUITES += test-fs

# The host tool through the real binary.
.PHONY: test-fs-tool
test-fs-tool: $(SUBSTRATE_BIN)
	tests/fs/tool_test.sh $(SUBSTRATE_BIN) $(BUILD)/tests/fs/tool-work
TEST_SUITES += test-fs-tool

# libFuzzer targets: short runs in test-fs-fuzz, long ones in `make fuzz`.
FS_FUZZ_DIR := $(BUILD)/fuzz/fs
FS_FUZZERS := fuzz_mount fuzz_fsck fuzz_proto fuzz_config
FS_FUZZ_SRCS_fuzz_mount := $(FS_LIB_SRCS)
FS_FUZZ_SRCS_fuzz_fsck := $(FS_LIB_SRCS) system/fs/fs_fsck.c
FS_FUZZ_SRCS_fuzz_proto := $(FS_LIB_SRCS)
FS_FUZZ_SRCS_fuzz_config := system/fs/fs_config.c
# Seeds: filesystem images, except for the configuration parser's texts.
FS_FUZZ_SEEDS = $(or $(FS_FUZZ_SEEDS_$(1)),tests/fs/fuzz/corpus)
FS_FUZZ_SEEDS_fuzz_config := tests/fs/fuzz/corpus-config
# Short runs in test-fs-fuzz; the text parser is cheap enough for more.
FS_FUZZ_RUNS_fuzz_config := 50000

# The library is compiled once for all targets (instrumented, without the
# fuzzer's main), each target file links against those objects.
FS_FUZZ_OBJ := $(FS_FUZZ_DIR)/obj
$(FS_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(subst fuzzer$(comma),fuzzer-no-link$(comma),$(FUZZ_CFLAGS)) -I$(TOP) -MMD -MP -c $< -o $@
comma := ,

define fs_fuzzer
$(FS_FUZZ_DIR)/$(1): tests/fs/fuzz/$(1).c $(patsubst %.c,$(FS_FUZZ_OBJ)/%.o,$(FS_FUZZ_SRCS_$(1))) \
		tests/fs/fuzz/fuzz_image.h tests/fs/memdev.h $(wildcard system/fs/*.h)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(TOP) tests/fs/fuzz/$(1).c $(patsubst %.c,$(FS_FUZZ_OBJ)/%.o,$(FS_FUZZ_SRCS_$(1))) -o $$@
endef
$(foreach f,$(FS_FUZZERS),$(eval $(call fs_fuzzer,$(f))))

# Each run starts from the committed seeds in a scratch copy, so the tree stays clean.
FS_FUZZ_RUN = rm -rf $(FS_FUZZ_DIR)/corpus-$(1) && mkdir -p $(FS_FUZZ_DIR)/corpus-$(1) && \
	cp $(call FS_FUZZ_SEEDS,$(1))/* $(FS_FUZZ_DIR)/corpus-$(1)/ && \
	if $(FS_FUZZ_DIR)/$(1) $(2) -max_len=8192 $(FS_FUZZ_DIR)/corpus-$(1) >$(FS_FUZZ_DIR)/$(1).log 2>&1; \
	then echo "PASS: fs/$(1) ($$(grep -o 'Done [0-9]* runs' $(FS_FUZZ_DIR)/$(1).log))"; \
	else tail -30 $(FS_FUZZ_DIR)/$(1).log; echo "FAIL: fs/$(1) (log in $(FS_FUZZ_DIR)/$(1).log)"; exit 1; fi

.PHONY: test-fs-fuzz fuzz-fs
test-fs-fuzz: $(addprefix $(FS_FUZZ_DIR)/,$(FS_FUZZERS))
	@$(foreach f,$(FS_FUZZERS),$(call FS_FUZZ_RUN,$(f),-runs=$(or $(FS_FUZZ_RUNS_$(f)),600) -seed=1);)
TEST_SUITES += test-fs-fuzz

fuzz-fs: $(addprefix $(FS_FUZZ_DIR)/,$(FS_FUZZERS))
	@$(foreach f,$(FS_FUZZERS),$(call FS_FUZZ_RUN,$(f),-max_total_time=300);)
FUZZ_TARGETS += fuzz-fs

# The QEMU power-cut system: the filesystem PD and a writer client, above the
# block virtualiser and the virtio-blk driver (see tests/fs/qemu/).
FS_QEMU_DIR := $(BUILD)/tests/fs/qemu
$(eval $(call fs_pd_program,$(FS_QEMU_DIR)/fs.elf))
$(eval $(call pd_program,$(FS_QEMU_DIR)/writer.elf,tests/fs/qemu/writer.c system/fs/fs_client.c))
FS_QEMU_ELFS := $(FS_QEMU_DIR)/fs.elf $(FS_QEMU_DIR)/writer.elf

# The block PDs: the framework's driver and virtualiser.
$(eval $(call pd_linked,$(FS_QEMU_DIR)/virtio_blk.elf,system/drivers/virtio_blk_pd.c,,$(PD_DDF_LIB)))
$(eval $(call pd_linked,$(FS_QEMU_DIR)/blk_virt.elf,system/virt/blk_virt_pd.c,,$(PD_DDF_LIB)))
FS_QEMU_ELFS += $(FS_QEMU_DIR)/virtio_blk.elf $(FS_QEMU_DIR)/blk_virt.elf
FS_QEMU_IMAGE := $(FS_QEMU_DIR)/fs_crash.img
$(eval $(call pd_image,$(FS_QEMU_IMAGE),tests/fs/qemu/fs_crash.system,$(FS_QEMU_ELFS)))
$(FS_QEMU_IMAGE): tests/fs/qemu/fs_crash.cfg
# The same system with a hostile configuration: a copy of the description in
# the build tree, beside it tests/fs/qemu/badcfg/fs_crash.cfg, which the image
# writer then prefills (it reads a prefill file beside the description).
FS_QEMU_BAD_DIR := $(FS_QEMU_DIR)/badcfg
FS_QEMU_BAD_IMAGE := $(FS_QEMU_DIR)/fs_badcfg.img
$(FS_QEMU_BAD_DIR)/fs_crash.system: tests/fs/qemu/fs_crash.system tests/fs/qemu/badcfg/fs_crash.cfg
	@mkdir -p $(@D)
	cp tests/fs/qemu/badcfg/fs_crash.cfg $(@D)/fs_crash.cfg
	cp tests/fs/qemu/fs_crash.system $@
$(eval $(call pd_image,$(FS_QEMU_BAD_IMAGE),$(FS_QEMU_BAD_DIR)/fs_crash.system,$(FS_QEMU_ELFS)))
ALL_TARGETS += $(FS_QEMU_IMAGE) $(FS_QEMU_BAD_IMAGE)

.PHONY: test-fs-qemu
test-fs-qemu: $(FS_QEMU_IMAGE) $(FS_QEMU_BAD_IMAGE) $(SUBSTRATE_BIN)
	python3 tests/fs/qemu_test.py --image $(FS_QEMU_IMAGE) --bad-config-image $(FS_QEMU_BAD_IMAGE) \
		--substrate $(SUBSTRATE_BIN) \
		--work $(BUILD)/tests/fs/qemu-work --runs $(or $(FS_QEMU_RUNS),4)
TEST_SUITES += test-fs-qemu

# The QEMU benchmark (bench/fs/qemu/): defined here rather than in bench/fs.mk
# because it needs fs_pd_program, which is read after bench/.
FS_QBENCH_DIR := $(BUILD)/bench/fs/qemu
$(eval $(call fs_pd_program,$(FS_QBENCH_DIR)/fs.elf))
$(eval $(call pd_program,$(FS_QBENCH_DIR)/fs_client.elf,bench/fs/qemu/fs_client.c))
$(eval $(call pd_program,$(FS_QBENCH_DIR)/raw_client.elf,bench/fs/qemu/raw_client.c))
FS_QBENCH_IMAGE := $(FS_QBENCH_DIR)/fs_bench.img
$(eval $(call pd_image,$(FS_QBENCH_IMAGE),bench/fs/qemu/fs_bench.system,\
	$(FS_QBENCH_DIR)/fs.elf $(FS_QBENCH_DIR)/fs_client.elf $(FS_QBENCH_DIR)/raw_client.elf \
	$(FS_QEMU_DIR)/virtio_blk.elf $(FS_QEMU_DIR)/blk_virt.elf))
$(FS_QBENCH_IMAGE): bench/fs/qemu/fs_bench.cfg

.PHONY: bench-fs-qemu
bench-fs-qemu: $(FS_QBENCH_IMAGE) $(SUBSTRATE_BIN)
	@echo "== filesystem in QEMU (TCG): through the fs PD vs the raw partition, same boot"
	python3 bench/fs/qemu_bench.py --image $(FS_QBENCH_IMAGE) --substrate $(SUBSTRATE_BIN) \
		--work $(BUILD)/bench/fs-qemu-work
BENCH_TARGETS += bench-fs-qemu
