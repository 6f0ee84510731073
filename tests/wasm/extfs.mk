# The extension host beyond lib/wasm's own tests: its libraries on the host,
# its configuration parser and the spec-test JSON reader under libFuzzer, and
# the extension host loading from a real disk in QEMU.
#
#   test-exthost-unit   arena, configuration parser, filesystem client, reloading
#                       (ext_host over lib/wasm over the arena) and loading from a
#                       directory (over the real fs server), under ASan/UBSan
#   test-exthost-fuzz   short libFuzzer runs of fuzz_ext_config, fuzz_spectest_json and
#                       fuzz_fs_client (the client library facing a hostile fs PD)
#   test-wasm-extfs     QEMU: blk driver + blk_virt + fs PD + extension host + client
#   fuzz-exthost        (make fuzz) five minutes of each fuzzer
EXTFS_COMMA := ,
EXTFS_SAN := $(HOST_SAN_BUILD)/tests/wasm/exthost
EXTFS_ARENA_TEST := $(EXTFS_SAN)/arena_test
EXTFS_CONFIG_TEST := $(EXTFS_SAN)/config_test
EXTFS_CLIENT_TEST := $(EXTFS_SAN)/fs_client_test
EXTFS_RELOAD_TEST := $(EXTFS_SAN)/reload_test
EXTFS_LOADER_TEST := $(EXTFS_SAN)/loader_test

$(EXTFS_ARENA_TEST): $(HOST_SAN_BUILD)/tests/wasm/exthost/arena_test.o $(HOST_SAN_BUILD)/service/extension_host/ext_arena.o
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@
$(EXTFS_CONFIG_TEST): $(HOST_SAN_BUILD)/tests/wasm/exthost/config_test.o $(HOST_SAN_BUILD)/service/extension_host/ext_config.o
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@
$(EXTFS_CLIENT_TEST): $(HOST_SAN_BUILD)/tests/wasm/exthost/fs_client_test.o $(HOST_SAN_BUILD)/system/fs/fs_client.o \
		$(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(FS_LIB_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@

$(EXTFS_RELOAD_TEST): $(HOST_SAN_BUILD)/tests/wasm/exthost/reload_test.o \
		$(HOST_SAN_BUILD)/service/extension_host/ext_host.o $(HOST_SAN_BUILD)/service/extension_host/ext_arena.o \
		$(WASM_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@

$(EXTFS_LOADER_TEST): $(HOST_SAN_BUILD)/tests/wasm/exthost/loader_test.o \
		$(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(EXTHOST_LIB_SRCS) system/fs/fs_client.c $(FS_LIB_SRCS)) \
		$(WASM_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@

.PHONY: test-exthost-unit
test-exthost-unit: $(EXTFS_ARENA_TEST) $(EXTFS_CONFIG_TEST) $(EXTFS_CLIENT_TEST) $(EXTFS_RELOAD_TEST) \
		$(EXTFS_LOADER_TEST) $(EXTHOST_WASM)
	@$(EXTFS_ARENA_TEST) 20000 1
	@$(EXTFS_CONFIG_TEST)
	@$(EXTFS_CLIENT_TEST)
	@$(EXTFS_RELOAD_TEST) $(EXTHOST_BUILD)
	@$(EXTFS_LOADER_TEST) $(EXTHOST_BUILD)
TEST_SUITES += test-exthost-unit

# libFuzzer: the configuration parser (seeds in tests/wasm/exthost/corpus-config),
# the filesystem client facing a hostile server (tests/wasm/exthost/corpus-fs-client)
# and the spec-test JSON reader (seeds: tests/wasm/fuzz/corpus-json and the
# smaller command lists wast2json made from the test suite).
EXTFS_FUZZ_DIR := $(BUILD)/fuzz/exthost
EXTFS_FUZZERS := fuzz_ext_config fuzz_spectest_json fuzz_fs_client
EXTFS_FUZZ_SRCS_fuzz_ext_config := tests/wasm/exthost/fuzz_ext_config.c service/extension_host/ext_config.c
EXTFS_FUZZ_SRCS_fuzz_spectest_json := tests/wasm/fuzz/fuzz_spectest_json.c tools/wasm/json.c
EXTFS_FUZZ_SRCS_fuzz_fs_client := tests/wasm/exthost/fuzz_fs_client.c system/fs/fs_client.c
EXTFS_FUZZ_SEEDS_fuzz_fs_client := tests/wasm/exthost/corpus-fs-client
EXTFS_FUZZ_SEEDS_fuzz_ext_config := tests/wasm/exthost/corpus-config
EXTFS_FUZZ_SEEDS_fuzz_spectest_json := tests/wasm/fuzz/corpus-json
EXTFS_FUZZ_SECONDS ?= 10
EXTFS_FUZZ_LONG_SECONDS ?= 300

define extfs_fuzzer
$(EXTFS_FUZZ_DIR)/$(1): $(EXTFS_FUZZ_SRCS_$(1)) $$(wildcard service/extension_host/*.h tools/wasm/*.h system/fs/*.h)
	@mkdir -p $$(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(TOP) $(EXTFS_FUZZ_SRCS_$(1)) -o $$@
endef
$(foreach f,$(EXTFS_FUZZERS),$(eval $(call extfs_fuzzer,$(f))))

# Each run starts from the committed seeds in a scratch corpus, so the tree stays clean.
$(EXTFS_FUZZ_DIR)/json-seeds.stamp: $(WASM_SPEC_CORE_JSON) $(wildcard tests/wasm/fuzz/corpus-json/*)
	@rm -rf $(EXTFS_FUZZ_DIR)/json-seeds && mkdir -p $(EXTFS_FUZZ_DIR)/json-seeds
	@cp tests/wasm/fuzz/corpus-json/* $(EXTFS_FUZZ_DIR)/json-seeds/
	@find $(WASM_SPEC_DIR) -name '*.json' -size -6k 2>/dev/null | head -n 60 | \
		xargs -r cp -t $(EXTFS_FUZZ_DIR)/json-seeds/
	@touch $@
EXTFS_FUZZ_RUN = rm -rf $(EXTFS_FUZZ_DIR)/corpus-$(1) && mkdir -p $(EXTFS_FUZZ_DIR)/corpus-$(1) && \
	cp $(EXTFS_FUZZ_SEEDS_$(1))/* $(EXTFS_FUZZ_DIR)/corpus-$(1)/ && \
	if [ $(1) = fuzz_spectest_json ]; then cp $(EXTFS_FUZZ_DIR)/json-seeds/* $(EXTFS_FUZZ_DIR)/corpus-$(1)/; fi && \
	if $(EXTFS_FUZZ_DIR)/$(1) $(2) -max_len=16384 -timeout=10 -print_final_stats=1 -artifact_prefix=$(EXTFS_FUZZ_DIR)/$(1)- \
		$(EXTFS_FUZZ_DIR)/corpus-$(1) >$(EXTFS_FUZZ_DIR)/$(1).log 2>&1; \
	then echo "PASS: exthost-fuzz/$(1) ($$(grep -o 'stat::number_of_executed_units: [0-9]*' \
		$(EXTFS_FUZZ_DIR)/$(1).log | grep -o '[0-9]*$$') runs)"; \
	else tail -30 $(EXTFS_FUZZ_DIR)/$(1).log; echo "FAIL: exthost-fuzz/$(1) (log in $(EXTFS_FUZZ_DIR)/$(1).log)"; exit 1; fi

.PHONY: test-exthost-fuzz fuzz-exthost
test-exthost-fuzz: $(addprefix $(EXTFS_FUZZ_DIR)/,$(EXTFS_FUZZERS)) $(EXTFS_FUZZ_DIR)/json-seeds.stamp
	@$(foreach f,$(EXTFS_FUZZERS),$(call EXTFS_FUZZ_RUN,$(f),-max_total_time=$(EXTFS_FUZZ_SECONDS) -seed=1);)
TEST_SUITES += test-exthost-fuzz

fuzz-exthost: $(addprefix $(EXTFS_FUZZ_DIR)/,$(EXTFS_FUZZERS)) $(EXTFS_FUZZ_DIR)/json-seeds.stamp
	@$(foreach f,$(EXTFS_FUZZERS),$(call EXTFS_FUZZ_RUN,$(f),-max_total_time=$(EXTFS_FUZZ_LONG_SECONDS));)
FUZZ_TARGETS += fuzz-exthost

# The QEMU composition: the block PDs and the filesystem PD are the ones the
# filesystem's own QEMU test builds (tests/fs/fs.mk), the extension host is
# the real one, the client is tests/wasm/extfs/client.c.
ifdef FS_QEMU_IMAGE
EXTFS_QEMU_DIR := $(BUILD)/tests/wasm/extfs
EXTFS_QEMU_IMAGE := $(EXTFS_QEMU_DIR)/extfs.img
$(eval $(call pd_program,$(EXTFS_QEMU_DIR)/client.elf,tests/wasm/extfs/client.c tests/wasm/extfs/module.S \
	system/fs/fs_client.c,-Wa$(EXTFS_COMMA)-I$(EXTHOST_BUILD) -fno-tree-loop-distribute-patterns))
$(TARGET_BUILD)/tests/wasm/extfs/module.o: $(EXTHOST_BUILD)/doubler.wasm
EXTFS_QEMU_ELFS := $(EXTFS_QEMU_DIR)/client.elf $(EXTHOST_ELF) $(FS_QEMU_DIR)/fs.elf \
	$(FS_QEMU_DIR)/virtio_blk.elf $(FS_QEMU_DIR)/blk_virt.elf
$(eval $(call pd_image,$(EXTFS_QEMU_IMAGE),tests/wasm/extfs/extfs.system,$(EXTFS_QEMU_ELFS)))
$(EXTFS_QEMU_IMAGE): tests/wasm/extfs/fs.cfg tests/wasm/extfs/exthost.cfg
# The same system with a hostile extension-host configuration: a copy of the
# description in the build tree, beside it the configuration texts the image
# writer prefills (it looks beside the description).
EXTFS_QEMU_BAD_DIR := $(EXTFS_QEMU_DIR)/badcfg
EXTFS_QEMU_BAD_IMAGE := $(EXTFS_QEMU_DIR)/extfs_badcfg.img
$(EXTFS_QEMU_BAD_DIR)/extfs.system: tests/wasm/extfs/extfs.system tests/wasm/extfs/fs.cfg \
		tests/wasm/extfs/badcfg/exthost.cfg
	@mkdir -p $(@D)
	cp tests/wasm/extfs/fs.cfg tests/wasm/extfs/badcfg/exthost.cfg $(@D)/
	cp tests/wasm/extfs/extfs.system $@
$(eval $(call pd_image,$(EXTFS_QEMU_BAD_IMAGE),$(EXTFS_QEMU_BAD_DIR)/extfs.system,$(EXTFS_QEMU_ELFS)))
ALL_TARGETS += $(EXTFS_QEMU_IMAGE) $(EXTFS_QEMU_BAD_IMAGE)

.PHONY: test-wasm-extfs
test-wasm-extfs: $(EXTFS_QEMU_IMAGE) $(EXTFS_QEMU_BAD_IMAGE) $(SUBSTRATE_BIN) $(EXTHOST_WASM)
	@python3 tests/wasm/extfs/run_test.py --image $(EXTFS_QEMU_IMAGE) --substrate $(SUBSTRATE_BIN) \
		--bad-config-image $(EXTFS_QEMU_BAD_IMAGE) \
		--wasm-dir $(EXTHOST_BUILD) --work $(EXTFS_QEMU_DIR)/work
TEST_SUITES += test-wasm-extfs
endif
