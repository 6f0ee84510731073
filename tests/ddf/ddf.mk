# Host tests of the driver framework (test-ddf) and, when the kernel can boot
# protection domains, its QEMU system tests (test-ddf-qemu).
#
# Every library under ddf/ and system/{drivers,virt}/ is listed in DDF_LIB_SRCS
# (by their own fragments) and linked into each test under ASan and UBSan.

DDF_TEST_NAMES := ring_test partition_test blk_virt_test net_virt_test serial_virt_test pci_test virtio_test uart_test timer_test virtio_net_test
DDF_TEST_BINS = $(patsubst %,$(HOST_SAN_BUILD)/tests/ddf/%,$(DDF_TEST_NAMES))
DDF_LIB_SAN_OBJS = $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(DDF_LIB_SRCS))
DDF_CORPUS := $(BUILD)/ddf-corpus

$(HOST_SAN_BUILD)/tests/ddf/%: $(HOST_SAN_BUILD)/tests/ddf/%.o $(DDF_LIB_SAN_OBJS)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

# Seed inputs, written by an implementation independent of the C parsers.
$(DDF_CORPUS)/partition/.stamp: tests/ddf/mkdisk.py
	@mkdir -p $(@D)
	python3 tests/ddf/mkdisk.py corpus $(@D)
	@touch $@

# The ring stress test runs under ThreadSanitizer instead.
DDF_TSAN_BUILD := $(BUILD)/host-tsan
DDF_STRESS := $(DDF_TSAN_BUILD)/tests/ddf/ring_stress
$(DDF_STRESS): tests/ddf/ring_stress.c ddf/ring.h ddf/blk.h tests/ddf/ddf_test.h tests/ddf/stress.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Wno-tsan -fsanitize=thread -O1 $(HOST_CPPFLAGS) $< -o $@ -lpthread
# The same for the network queue (ddf/net.h): client transmit to virtualiser.
DDF_NET_STRESS := $(DDF_TSAN_BUILD)/tests/ddf/net_queue_stress
$(DDF_NET_STRESS): tests/ddf/net_queue_stress.c ddf/ring.h ddf/net.h tests/ddf/ddf_test.h tests/ddf/stress.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Wno-tsan -fsanitize=thread -O1 $(HOST_CPPFLAGS) $< -o $@ -lpthread

# libFuzzer targets: tests/ddf/fuzz_<name>.c over the libraries, seeds in
# $(DDF_CORPUS)/<name>. test-ddf runs each for DDF_FUZZ_RUNS inputs; `make fuzz`
# runs each for DDF_FUZZ_SECONDS.
DDF_FUZZ_NAMES := partition net_virt virtio_net virtq
DDF_FUZZ_RUNS ?= 20000
DDF_FUZZ_SECONDS ?= 300
DDF_FUZZ_BUILD := $(BUILD)/fuzz/ddf
DDF_FUZZ_BINS = $(patsubst %,$(DDF_FUZZ_BUILD)/fuzz_%,$(DDF_FUZZ_NAMES))
$(DDF_FUZZ_BUILD)/fuzz_%: tests/ddf/fuzz_%.c $(DDF_LIB_SRCS) $(wildcard ddf/*.h ddf/*/*.h system/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(HOST_CPPFLAGS) $< $(DDF_LIB_SRCS) -o $@

# One PASS/FAIL line per fuzzer; a crash leaves its input in build/fuzz/ddf/.
define DDF_FUZZ_RUN
mkdir -p $(DDF_FUZZ_BUILD)/corpus-$(1) $(DDF_CORPUS)/$(1); \
if $(DDF_FUZZ_BUILD)/fuzz_$(1) $(2) -artifact_prefix=$(DDF_FUZZ_BUILD)/crash-$(1)- \
    $(DDF_FUZZ_BUILD)/corpus-$(1) $(DDF_CORPUS)/$(1) >$(DDF_FUZZ_BUILD)/fuzz_$(1).log 2>&1; \
then echo "PASS: fuzz/$(1)"; else echo "FAIL: fuzz/$(1) see $(DDF_FUZZ_BUILD)/fuzz_$(1).log"; rc=1; fi;
endef

.PHONY: test-ddf fuzz-ddf
test-ddf: $(DDF_LIB_SAN_OBJS) $(patsubst %,%.o,$(DDF_TEST_BINS)) $(DDF_TEST_BINS) $(DDF_STRESS) $(DDF_NET_STRESS) $(DDF_FUZZ_BINS) $(DDF_CORPUS)/partition/.stamp
	@rc=0; for t in $(DDF_TEST_BINS); do $$t $(DDF_CORPUS)/partition || rc=1; done; \
	TSAN_OPTIONS=halt_on_error=1 $(DDF_STRESS) 200000 || rc=1; \
	TSAN_OPTIONS=halt_on_error=1 $(DDF_NET_STRESS) 200000 || rc=1; \
	$(foreach f,$(DDF_FUZZ_NAMES),$(call DDF_FUZZ_RUN,$(f),-runs=$(DDF_FUZZ_RUNS))) \
	exit $$rc
TEST_SUITES += test-ddf

fuzz-ddf: $(DDF_FUZZ_BINS) $(DDF_CORPUS)/partition/.stamp
	@rc=0; $(foreach f,$(DDF_FUZZ_NAMES),$(call DDF_FUZZ_RUN,$(f),-max_total_time=$(DDF_FUZZ_SECONDS))) exit $$rc
FUZZ_TARGETS += fuzz-ddf
