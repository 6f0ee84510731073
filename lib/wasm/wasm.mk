# lib/wasm: the WebAssembly runtime (decoder, validator, compiler, interpreter).
# Built three ways: for host tools, under sanitizers for tests, and
# freestanding for the extension-host protection domain.
WASM_LIB_SRCS := lib/wasm/wasm_decode.c lib/wasm/wasm_compile.c lib/wasm/wasm_interp.c \
	lib/wasm/wasm_runtime.c lib/wasm/wasm_simd.c
WASM_LIB_HOST_OBJS := $(patsubst %.c,$(HOST_BUILD)/%.o,$(WASM_LIB_SRCS))
WASM_LIB_SAN_OBJS := $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(WASM_LIB_SRCS))
WASM_LIB_TARGET := $(TARGET_BUILD)/lib/wasm/libwasm.a
WASM_LIB_TARGET_OBJS := $(patsubst %.c,$(TARGET_BUILD)/%.o,$(WASM_LIB_SRCS))

# The runtime's float code relies on sqrt being one instruction with no errno.
$(HOST_BUILD)/lib/wasm/%.o $(HOST_SAN_BUILD)/lib/wasm/%.o: EXTRA_CFLAGS := -fno-math-errno
# Under the sanitizers the interpreter's one big function takes minutes to
# optimise; the tests build it unoptimised (every check still runs).
$(HOST_SAN_BUILD)/lib/wasm/wasm_interp.o: EXTRA_CFLAGS := -fno-math-errno -O0
$(TARGET_BUILD)/lib/wasm/%.o: EXTRA_CFLAGS := -fno-math-errno
# Wasm's float and vector instructions run on the SSE registers (mk/config.mk).
$(TARGET_BUILD)/lib/wasm/%.o: TARGET_CFLAGS := $(TARGET_CFLAGS_WITH_SSE)

$(WASM_LIB_TARGET): $(WASM_LIB_TARGET_OBJS)
	@mkdir -p $(@D)
	$(TARGET_AR) rcs $@ $^

ALL_TARGETS += $(WASM_LIB_TARGET)
