# test-kernel: boots one small system per kernel behaviour in QEMU (TCG) and
# checks what its PDs assert and what the harness sees (tests/kernel/harness).
# Every tests/kernel/TEST/*.spec is one boot of TEST's image (the same image
# on another machine or CPU is another spec). Budget: the whole suite in
# under 3 minutes on TCG.
include tests/kernel/ktest-rules.inc

KERNEL_TESTS := notify ppcall ppchain deferred restart resume isolation sched budget irq irqlevel msi syscalls
KERNEL_TEST_IMAGES := $(foreach t,$(KERNEL_TESTS),$(BUILD)/tests/kernel/$(t)/image.img)
$(foreach t,$(KERNEL_TESTS),$(eval $(call ktest_image,tests/kernel/$(t))))

# The harness's own test: it must pass a passing stand-in image and fail a
# failing one, so a broken harness cannot pass the kernel by accident.
KTEST_SELFTEST := $(BUILD)/tests/kernel/selftest
$(KTEST_SELFTEST)/pass.elf: KTEST_FAKE := -DVERDICT=0 '-DMSG="KTEST CHECK alpha ok\nKTEST END\n"'
$(KTEST_SELFTEST)/fail.elf: KTEST_FAKE := -DVERDICT=1 '-DMSG="KTEST CHECK alpha FAIL on purpose 0x1\nKTEST END failures\n"'
$(KTEST_SELFTEST)/%.elf: tests/kernel/selftest/fake.S tests/kernel/selftest/fake.ld
	@mkdir -p $(@D)
	$(TARGET_CC) -m32 -c $(KTEST_FAKE) $< -o $(@:.elf=.o)
	$(TARGET_LD) -m elf_i386 --no-warn-rwx-segments -T tests/kernel/selftest/fake.ld $(@:.elf=.o) -o $@

.PHONY: test-kernel-harness
test-kernel-harness: $(KTEST_SELFTEST)/pass.elf $(KTEST_SELFTEST)/fail.elf
	@if $(KTEST_HARNESS) tests/kernel/selftest/selftest.spec $(KTEST_SELFTEST)/pass.elf --name selftest \
			--log $(KTEST_SELFTEST)/pass.log >$(KTEST_SELFTEST)/pass.out 2>&1; \
	then echo "PASS: kernel/harness-passes-a-passing-run"; \
	else cat $(KTEST_SELFTEST)/pass.out; echo "FAIL: kernel/harness-passes-a-passing-run"; exit 1; fi
	@if $(KTEST_HARNESS) tests/kernel/selftest/selftest.spec $(KTEST_SELFTEST)/fail.elf --name selftest \
			--log $(KTEST_SELFTEST)/fail.log >$(KTEST_SELFTEST)/fail.out 2>&1; \
	then cat $(KTEST_SELFTEST)/fail.out; echo "FAIL: kernel/harness-fails-a-failing-run"; exit 1; \
	else echo "PASS: kernel/harness-fails-a-failing-run"; fi

.PHONY: test-kernel kernel-test-images
kernel-test-images: $(KERNEL_TEST_IMAGES)

ifeq ($(wildcard kernel/*.mk),)
# Until the kernel is part of the tree there is nothing to boot.
test-kernel: test-kernel-harness
	@echo "SKIP: kernel/all no kernel in this tree yet"
else
test-kernel: test-kernel-harness $(KERNEL_TEST_IMAGES)
	@status=0; for t in $(KERNEL_TESTS); do \
		for spec in tests/kernel/$$t/*.spec; do \
			$(KTEST_HARNESS) $$spec $(BUILD)/tests/kernel/$$t/image.img \
				--log $(BUILD)/tests/kernel/$$t/$$(basename $$spec .spec).log || status=1; \
		done; \
	done; exit $$status
endif
TEST_SUITES += test-kernel
