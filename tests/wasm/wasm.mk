# Tests of the WebAssembly runtime (lib/wasm, tools/wasm, the extension host).
#
#   test-wasm-spec   the core test suite without SIMD, under ASan/UBSan
#   test-wasm-simd   the SIMD (v128) files, reported on their own, under ASan/UBSan
#   test-wasm-unit   embedding API, sandbox limits, fuel, traps
#   test-wasm-wasi   C programs built for wasm32-wasi, run by `substrate wasm run`
#   test-wasm-fuzz   short runs of the libFuzzer targets

WASM_TESTSUITE ?= $(TOP)/../shared/wasm-testsuite
WASM_SPEC_DIR := $(BUILD)/wasm-spec
WASM_SPEC_WAST := $(sort $(wildcard $(WASM_TESTSUITE)/*.wast))
WASM_SPEC_SIMD_WAST := $(filter $(WASM_TESTSUITE)/simd_%,$(WASM_SPEC_WAST))
WASM_SPEC_CORE_WAST := $(filter-out $(WASM_SPEC_SIMD_WAST),$(WASM_SPEC_WAST))
WASM_SPEC_CORE_JSON := $(patsubst $(WASM_TESTSUITE)/%.wast,$(WASM_SPEC_DIR)/%.json,$(WASM_SPEC_CORE_WAST))
WASM_SPEC_SIMD_JSON := $(patsubst $(WASM_TESTSUITE)/%.wast,$(WASM_SPEC_DIR)/%.json,$(WASM_SPEC_SIMD_WAST))

$(WASM_SPEC_DIR)/%.json: $(WASM_TESTSUITE)/%.wast
	@mkdir -p $(@D)
	@wast2json --enable-all $< -o $@

WASM_TOOL_SRCS := tools/wasm/spectest.c tools/wasm/json.c
WASM_SPEC_SAN := $(HOST_SAN_BUILD)/tests/wasm/spectest
$(WASM_SPEC_SAN): $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,tests/wasm/spectest_main.c $(WASM_TOOL_SRCS)) \
		$(WASM_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@

.PHONY: test-wasm-spec test-wasm-simd
test-wasm-spec: $(WASM_SPEC_SAN) $(WASM_SPEC_CORE_JSON)
	@if [ -z "$(WASM_SPEC_CORE_JSON)" ]; then echo "SKIP: wasm-spec no test suite in $(WASM_TESTSUITE)"; exit 0; fi; \
	$(WASM_SPEC_SAN) $(WASM_SPEC_CORE_JSON)

# The SIMD (v128) files, reported on their own: one PASS line per file whose
# every command passes, a FAIL line with counts otherwise. Same runner,
# same sanitizers as test-wasm-spec.
test-wasm-simd: $(WASM_SPEC_SAN) $(WASM_SPEC_SIMD_JSON)
	@if [ -z "$(WASM_SPEC_SIMD_JSON)" ]; then echo "SKIP: wasm-simd no test suite in $(WASM_TESTSUITE)"; exit 0; fi; \
	$(WASM_SPEC_SAN) $(WASM_SPEC_SIMD_JSON)

TEST_SUITES += test-wasm-spec test-wasm-simd

# Unit tests: modules assembled from .wat with wabt, driven under ASan/UBSan.
WASM_UNIT_DIR := $(BUILD)/wasm-unit
WASM_UNIT_WASM := $(patsubst tests/wasm/unit/%.wat,$(WASM_UNIT_DIR)/%.wasm,$(wildcard tests/wasm/unit/*.wat))
WASM_UNIT_BIN := $(HOST_SAN_BUILD)/tests/wasm/wasm_unit_test

$(WASM_UNIT_DIR)/%.wasm: tests/wasm/unit/%.wat
	@mkdir -p $(@D)
	wat2wasm $< -o $@

$(WASM_UNIT_BIN): $(HOST_SAN_BUILD)/tests/wasm/wasm_unit_test.o $(WASM_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@

# The extension host's library on the host, with the real example extensions.
WASM_EXTHOST_TEST := $(HOST_SAN_BUILD)/tests/wasm/ext_host_test
$(WASM_EXTHOST_TEST): $(HOST_SAN_BUILD)/tests/wasm/ext_host_test.o \
		$(HOST_SAN_BUILD)/service/extension_host/ext_host.o $(WASM_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $^ -o $@

.PHONY: test-wasm-unit
test-wasm-unit: $(WASM_UNIT_BIN) $(WASM_UNIT_WASM) $(WASM_EXTHOST_TEST) $(EXTHOST_WASM)
	@$(WASM_UNIT_BIN) $(WASM_UNIT_DIR)
	@$(WASM_EXTHOST_TEST) $(EXTHOST_BUILD)

TEST_SUITES += test-wasm-unit

# WASI: real C programs built with clang for wasm32-wasi against Debian's wasi-libc.
WASM_WASI_CC := clang --target=wasm32-wasi --sysroot=/usr
WASM_WASI_DIR := $(BUILD)/wasm-wasi
WASM_WASI_PROGS := $(patsubst tests/wasm/wasi/%.c,$(WASM_WASI_DIR)/%.wasm,$(wildcard tests/wasm/wasi/*.c))

$(WASM_WASI_DIR)/%.wasm: tests/wasm/wasi/%.c
	@mkdir -p $(@D)
	$(WASM_WASI_CC) -O2 -Wall -Werror $< -o $@

.PHONY: test-wasm-wasi
test-wasm-wasi: $(SUBSTRATE_BIN) $(WASM_WASI_PROGS) $(WASM_BENCH_WASM) $(WASM_BENCH_NATIVE)
	@tests/wasm/wasi/run-wasi-tests $(SUBSTRATE_BIN) $(WASM_WASI_DIR) $(WASM_BENCH_DIR)

TEST_SUITES += test-wasm-wasi

# Fuzzing: libFuzzer targets for decode, validate (load) and instantiate.
# test-wasm-fuzz gives each a short fixed-time run from a seed corpus of the
# unit and WASI modules and small spec-test modules; `make fuzz` runs longer.
WASM_FUZZ_NAMES := decode validate instantiate
WASM_FUZZ_DIR := $(BUILD)/fuzz/wasm
WASM_FUZZ_BINS := $(addprefix $(WASM_FUZZ_DIR)/fuzz_,$(WASM_FUZZ_NAMES))
WASM_FUZZ_SECONDS ?= 8
WASM_FUZZ_LONG_SECONDS ?= 600

WASM_FUZZ_LIB_OBJS := $(patsubst %.c,$(WASM_FUZZ_DIR)/obj/%.o,$(WASM_LIB_SRCS))
$(WASM_FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fno-math-errno $(WASM_FUZZ_OPT) -I$(TOP) -MMD -MP -c $< -o $@
# clang needs minutes to optimise the interpreter's one big function under the
# sanitizers; unoptimised it builds in seconds and still runs every check.
$(WASM_FUZZ_DIR)/obj/lib/wasm/wasm_interp.o: WASM_FUZZ_OPT := -O0

$(WASM_FUZZ_DIR)/fuzz_%: tests/wasm/fuzz/fuzz_%.c $(WASM_FUZZ_LIB_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(TOP) $^ -o $@

$(WASM_FUZZ_DIR)/seeds.stamp: $(WASM_UNIT_WASM) $(WASM_WASI_PROGS) $(WASM_SPEC_CORE_JSON) $(WASM_SPEC_SIMD_JSON)
	@mkdir -p $(WASM_FUZZ_DIR)/seeds
	@cp $(WASM_UNIT_WASM) $(WASM_FUZZ_DIR)/seeds/
	@find $(WASM_SPEC_DIR) -name '*.wasm' ! -name 'simd_*' -size -2k 2>/dev/null | head -n 400 | xargs -r cp -t $(WASM_FUZZ_DIR)/seeds/
	@# SIMD modules too, so the fuzzers reach the v128 decoder, validator and interpreter.
	@find $(WASM_SPEC_DIR) -name 'simd_*.wasm' -size -2k 2>/dev/null | sort | awk 'NR % 8 == 1' | head -n 150 | \
		xargs -r cp -t $(WASM_FUZZ_DIR)/seeds/
	@touch $@

.PHONY: test-wasm-fuzz fuzz-wasm
test-wasm-fuzz: $(WASM_FUZZ_BINS) $(WASM_FUZZ_DIR)/seeds.stamp
	@for f in $(WASM_FUZZ_NAMES); do \
		mkdir -p $(WASM_FUZZ_DIR)/corpus-$$f; \
		if $(WASM_FUZZ_DIR)/fuzz_$$f -max_total_time=$(WASM_FUZZ_SECONDS) -max_len=65536 -timeout=10 \
			-print_final_stats=1 $(WASM_FUZZ_DIR)/corpus-$$f $(WASM_FUZZ_DIR)/seeds >$(WASM_FUZZ_DIR)/$$f.log 2>&1; then \
			echo "PASS: wasm-fuzz/$$f ($$(grep -o 'stat::number_of_executed_units: [0-9]*' $(WASM_FUZZ_DIR)/$$f.log | grep -o '[0-9]*$$' || true) runs in $(WASM_FUZZ_SECONDS)s)"; \
		else echo "FAIL: wasm-fuzz/$$f see $(WASM_FUZZ_DIR)/$$f.log"; tail -20 $(WASM_FUZZ_DIR)/$$f.log; exit 1; fi; \
	done

fuzz-wasm: $(WASM_FUZZ_BINS) $(WASM_FUZZ_DIR)/seeds.stamp
	@for f in $(WASM_FUZZ_NAMES); do \
		mkdir -p $(WASM_FUZZ_DIR)/corpus-$$f; \
		$(WASM_FUZZ_DIR)/fuzz_$$f -max_total_time=$(WASM_FUZZ_LONG_SECONDS) -max_len=65536 -timeout=10 \
			$(WASM_FUZZ_DIR)/corpus-$$f $(WASM_FUZZ_DIR)/seeds || exit 1; \
	done

TEST_SUITES += test-wasm-fuzz
FUZZ_TARGETS += fuzz-wasm

# The extension-host PD booted in QEMU with a client that drives it.
WASM_QEMU_BUILD := $(BUILD)/tests/wasm/exthost
WASM_QEMU_IMAGE := $(WASM_QEMU_BUILD)/exthost.img
$(eval $(call pd_program,$(WASM_QEMU_BUILD)/client.elf,tests/wasm/exthost/client.c))
$(eval $(call pd_image,$(WASM_QEMU_IMAGE),tests/wasm/exthost/exthost.system,$(EXTHOST_ELF) $(WASM_QEMU_BUILD)/client.elf))

.PHONY: test-wasm-qemu
test-wasm-qemu: $(WASM_QEMU_IMAGE)
	@tests/kernel/harness tests/wasm/exthost/exthost.spec $(WASM_QEMU_IMAGE) --log $(WASM_QEMU_BUILD)/console.log

TEST_SUITES += test-wasm-qemu
