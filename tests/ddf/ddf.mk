# Host tests of the driver framework (test-ddf) and, when the kernel can boot
# protection domains, its QEMU system tests (test-ddf-qemu).
#
# Every library under ddf/ and system/{drivers,virt}/ is listed in DDF_LIB_SRCS
# (by their own fragments) and linked into each test under ASan and UBSan.

DDF_TEST_NAMES := ring_test
DDF_TEST_BINS = $(patsubst %,$(HOST_SAN_BUILD)/tests/ddf/%,$(DDF_TEST_NAMES))
DDF_LIB_SAN_OBJS = $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(DDF_LIB_SRCS))

.PRECIOUS: $(HOST_SAN_BUILD)/tests/ddf/%.o
$(HOST_SAN_BUILD)/tests/ddf/%: $(HOST_SAN_BUILD)/tests/ddf/%.o $(DDF_LIB_SAN_OBJS)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

# The ring stress test runs under ThreadSanitizer instead.
DDF_TSAN_BUILD := $(BUILD)/host-tsan
DDF_STRESS := $(DDF_TSAN_BUILD)/tests/ddf/ring_stress
$(DDF_STRESS): tests/ddf/ring_stress.c ddf/ring.h ddf/blk.h tests/ddf/ddf_test.h
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -Wno-tsan -fsanitize=thread -O1 $(HOST_CPPFLAGS) $< -o $@ -lpthread

.PHONY: test-ddf
test-ddf: $(DDF_TEST_BINS) $(DDF_STRESS)
	@rc=0; for t in $(DDF_TEST_BINS); do $$t || rc=1; done; \
	TSAN_OPTIONS=halt_on_error=1 $(DDF_STRESS) 200000 || rc=1; \
	exit $$rc
TEST_SUITES += test-ddf
