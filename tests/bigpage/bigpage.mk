# test-bigpage: a PD touches both ends of a 1 GiB region mapped with a 1 GiB
# page under -m 3G, and a device page inside a shattered range, on a CPU with
# pdpe1gb and on one without, on q35 and on pc. Budget: under 2 minutes on TCG.
include tests/kernel/ktest-rules.inc

BIGPAGE_IMAGE := $(BUILD)/tests/bigpage/image.img
$(eval $(call ktest_image,tests/bigpage))

.PHONY: test-bigpage
ifeq ($(wildcard kernel/*.mk),)
test-bigpage:
	@echo "SKIP: bigpage/all no kernel in this tree yet"
else
test-bigpage: $(BIGPAGE_IMAGE)
	@status=0; for s in q35-1g q35-2m pc-1g pc-2m; do \
		$(KTEST_HARNESS) tests/bigpage/bigpage-$$s.spec $(BIGPAGE_IMAGE) \
			--log $(BUILD)/tests/bigpage/console-$$s.log || status=1; \
	done; exit $$status
endif
TEST_SUITES += test-bigpage
