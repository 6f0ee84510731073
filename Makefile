# substrate: top-level build.
#
# One non-recursive make. Each component contributes a fragment, `*.mk`, next
# to its sources; this file only sets the toolchain and the top-level goals.
#   make run     build everything, then boot the default OS composition in QEMU
#   make test    every test suite; ends with "N passed, N failed"
#   make bench   benchmarks, each beside its baseline
#   make sdk     the Microkit-compatible SDK in build/sdk/
#   make fuzz    long fuzzing campaigns
# Both `run` and `test` install missing Debian packages first.

.DEFAULT_GOAL := all
SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

include mk/config.mk
include mk/rules.mk
# How protection-domain programs and system images are built (make functions
# that every fragment may call), provided by the kernel and SDK.
include $(wildcard mk/pd.mk)

# Fragments add to these lists.
ALL_TARGETS :=
TEST_SUITES :=
BENCH_TARGETS :=
FUZZ_TARGETS :=

FRAGMENTS := $(sort $(wildcard kernel/*.mk lib/*/*.mk tools/*.mk tools/*/*.mk \
	ddf/*.mk ddf/*/*.mk system/*/*.mk service/*/*.mk os/*.mk os/*/*.mk app/*/*.mk \
	tests/*.mk tests/*/*.mk bench/*.mk))
include $(FRAGMENTS)
# Rules that need every fragment's contributions (e.g. the substrate tool's
# object list) come last.
include mk/late.mk

.PHONY: all deps run test bench fuzz sdk clean
all: deps $(ALL_TARGETS)

deps:
	@scripts/install-deps

# The default OS composition is chosen in os/os.mk (RUN_IMAGE, RUN_QEMU_ARGS).
run: all
	scripts/qemu-run $(RUN_IMAGE) $(RUN_QEMU_ARGS)

test: deps
	@$(MAKE) --no-print-directory all
	@scripts/run-tests $(TEST_SUITES)

bench: all $(BENCH_TARGETS)

fuzz: deps $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)
