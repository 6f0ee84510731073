# test-boot: the default system on q35 and pc, qemu64 with and without 1 GiB
# pages, Haswell-noTSX, and from the GRUB ISO (about 1 minute under TCG).
# test-image: host tests of the ELF reader and image writer under ASan and
# UBSan, plus a short run of the ELF reader's fuzzer (a few seconds).
.PHONY: test-boot
test-boot: $(RUN_IMAGE) $(RUN_ISO)
	tests/boot/boot-test $(RUN_IMAGE) $(RUN_ISO) $(BUILD)/tests/boot
TEST_SUITES += test-boot
