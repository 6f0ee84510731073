# `substrate wasm`: run WASI command modules and the core spec tests.
SUBSTRATE_SRCS += tools/wasm/cmd_wasm.c tools/wasm/spectest.c tools/wasm/json.c tools/wasm/wasi.c \
	$(WASM_LIB_SRCS)
