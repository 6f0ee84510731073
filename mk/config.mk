# Toolchains and flags shared by every fragment.
#
# Three kinds of code are built here:
#   host    tools and host tests (gcc, with sanitizers in test builds)
#   target  freestanding x86_64 code: the kernel and protection domains
#   fuzz    libFuzzer targets (clang)

HOST_CC      ?= gcc
HOST_CFLAGS  := -std=c11 -Wall -Wextra -Werror -O2 -g -D_DEFAULT_SOURCE -D_FILE_OFFSET_BITS=64
# Host tests run every library under AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CC      ?= clang
FUZZ_CFLAGS  := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE

TARGET_CC    ?= x86_64-linux-gnu-gcc
TARGET_LD    ?= x86_64-linux-gnu-ld
TARGET_AR    ?= x86_64-linux-gnu-ar
TARGET_OBJCOPY ?= x86_64-linux-gnu-objcopy
# Common to everything that runs on the target: no host library, no hidden
# stack-protector or PIC machinery.
TARGET_CFLAGS_WITH_SSE := -std=c11 -Wall -Wextra -Werror -O2 -g -ffreestanding -nostdlib \
	-fno-stack-protector -fno-pic -fno-pie -fno-asynchronous-unwind-tables \
	-march=x86-64 -mtune=generic
# And only the general registers. The kernel switches x87/SSE state lazily
# (docs/kernel.md), so a PD that never touches it never takes the #NM trap and
# the two 512-byte state copies on its first SSE instruction after a switch;
# left to itself the compiler would move every 16-byte ring descriptor through
# xmm0. Code that means to use SSE builds with TARGET_CFLAGS_WITH_SSE: the Wasm
# runtime (floats and vectors), the FPU tests, and the kernel tests, which are
# built as Microkit's examples are.
TARGET_CFLAGS := $(TARGET_CFLAGS_WITH_SSE) -mgeneral-regs-only

# Where a fragment puts its outputs.
HOST_BUILD   := $(BUILD)/host
TARGET_BUILD := $(BUILD)/target
SDK          := $(BUILD)/sdk
SDK_BOARD    := $(SDK)/board/x86_64_generic

# Every include is spelled from the top of the tree ("kernel/abi/image.h"),
# so a name always says which layer it comes from.
HOST_CPPFLAGS   := -I$(TOP)
TARGET_CPPFLAGS := -I$(TOP)
