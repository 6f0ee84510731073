# test-boot: the default system on q35 and pc, qemu64 with and without 1 GiB
# pages, Haswell-noTSX, and from the GRUB ISO (about 1 minute under TCG).
# test-image: host tests of the ELF reader and image writer under ASan and
# UBSan, plus a short run of the ELF reader's fuzzer (a few seconds).
.PHONY: test-boot
test-boot: $(RUN_IMAGE) $(RUN_ISO)
	tests/boot/boot-test $(RUN_IMAGE) $(RUN_ISO) $(BUILD)/tests/boot
TEST_SUITES += test-boot

.SECONDEXPANSION:
IMAGE_TEST := $(HOST_SAN_BUILD)/tests/boot/image_test
IMAGE_TEST_OBJS := $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,tests/boot/image_test.c tools/image/elf.c \
	tools/image/image.c lib/vspace/vspace_plan.c)
$(IMAGE_TEST): $(IMAGE_TEST_OBJS) $$(SDF_SAN_OBJS)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@ -lexpat

# The ELF reader's fuzzer: `make fuzz-elf` runs it for ten minutes; test-image
# runs 20000 inputs from the real PD programs.
FUZZ_ELF := $(BUILD)/fuzz/fuzz-elf
$(FUZZ_ELF): tools/image/elf_fuzz.c tools/image/elf.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(TOP) $^ -o $@
.PHONY: fuzz-elf test-image
fuzz-elf: $(FUZZ_ELF) $(DEFAULT_OS_ELFS)
	@mkdir -p $(BUILD)/fuzz/corpus-elf
	cp $(DEFAULT_OS_ELFS) $(BUILD)/fuzz/corpus-elf/
	$(FUZZ_ELF) -max_total_time=600 $(BUILD)/fuzz/corpus-elf
FUZZ_TARGETS += fuzz-elf

test-image: $(IMAGE_TEST) $(FUZZ_ELF) $(KERNEL_ELF) $(DEFAULT_OS_ELFS)
	$(IMAGE_TEST) $(KERNEL_ELF) $(BUILD)/os/default
	@rm -rf $(BUILD)/fuzz/corpus-elf-test && mkdir -p $(BUILD)/fuzz/corpus-elf-test
	@cp $(DEFAULT_OS_ELFS) $(BUILD)/fuzz/corpus-elf-test/
	@if $(FUZZ_ELF) -runs=20000 -seed=1 $(BUILD)/fuzz/corpus-elf-test >$(BUILD)/fuzz/elf-test.log 2>&1; \
	then echo "PASS: image/elf-fuzzer-20000-inputs"; \
	else echo "FAIL: image/elf-fuzzer-20000-inputs (see $(BUILD)/fuzz/elf-test.log)"; exit 1; fi
TEST_SUITES += test-image

# A system whose two PDs keep different SSE and x87 state across switches
# (the kernel's lazy FPU switching), booted by test-boot.
BOOT_FPU_DIR := $(BUILD)/tests/boot/fpu
BOOT_FPU_IMAGE := $(BOOT_FPU_DIR)/fpu.img
$(eval $(call pd_program,$(BOOT_FPU_DIR)/fpu_low.elf,tests/boot/fpu/fpu_low.c))
$(eval $(call pd_program,$(BOOT_FPU_DIR)/fpu_high.elf,tests/boot/fpu/fpu_high.c))
# These two PDs write the SSE registers on purpose (mk/config.mk).
$(TARGET_BUILD)/tests/boot/fpu/%.o: TARGET_CFLAGS := $(TARGET_CFLAGS_WITH_SSE)
$(eval $(call pd_image,$(BOOT_FPU_IMAGE),tests/boot/fpu/fpu.system,$(BOOT_FPU_DIR)/fpu_low.elf $(BOOT_FPU_DIR)/fpu_high.elf))
test-boot: $(BOOT_FPU_IMAGE)
