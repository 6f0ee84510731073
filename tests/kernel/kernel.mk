# test-kernel: boots one small system per kernel behaviour in QEMU (TCG) and
# checks what its PDs assert and what the harness sees (tests/kernel/harness).
# Budget: the whole suite in under 3 minutes on TCG.
include tests/kernel/ktest-rules.inc

KERNEL_TESTS := notify ppcall deferred restart isolation budget irq msi
KERNEL_TEST_IMAGES := $(foreach t,$(KERNEL_TESTS),$(BUILD)/tests/kernel/$(t)/image.img)
$(foreach t,$(KERNEL_TESTS),$(eval $(call ktest_image,tests/kernel/$(t))))

.PHONY: test-kernel kernel-test-images
kernel-test-images: $(KERNEL_TEST_IMAGES)

ifeq ($(wildcard kernel/*.mk),)
# Until the kernel is part of the tree there is nothing to boot.
test-kernel:
	@echo "SKIP: kernel/all no kernel in this tree yet"
else
test-kernel: $(KERNEL_TEST_IMAGES)
	@status=0; for t in $(KERNEL_TESTS); do \
		$(KTEST_HARNESS) tests/kernel/$$t/$$t.spec $(BUILD)/tests/kernel/$$t/image.img \
			--log $(BUILD)/tests/kernel/$$t/console.log || status=1; \
	done; exit $$status
endif
TEST_SUITES += test-kernel
