# WebAssembly speed: each program in bench/wasm/ built natively and for
# wasm32-wasi with the same compiler and flags, timed in the same run.
WASM_BENCH_DIR := $(BUILD)/bench/wasm
WASM_BENCH_PROGS := coremark sha256 sort interp
WASM_BENCH_NATIVE := $(addprefix $(WASM_BENCH_DIR)/,$(WASM_BENCH_PROGS))
WASM_BENCH_WASM := $(addsuffix .wasm,$(WASM_BENCH_NATIVE))

$(WASM_BENCH_DIR)/%: bench/wasm/%.c
	@mkdir -p $(@D)
	clang -O2 -Wall -Werror $< -o $@

$(WASM_BENCH_DIR)/%.wasm: bench/wasm/%.c
	@mkdir -p $(@D)
	clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Werror $< -o $@

.PHONY: bench-wasm
bench-wasm: $(SUBSTRATE_BIN) $(WASM_BENCH_NATIVE) $(WASM_BENCH_WASM)
	@bench/wasm/run-bench $(SUBSTRATE_BIN) $(WASM_BENCH_DIR) $(WASM_BENCH_PROGS)

BENCH_TARGETS += bench-wasm
