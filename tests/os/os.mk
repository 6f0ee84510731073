# test-os: boots exactly what `make run` boots (RUN_IMAGE with RUN_QEMU_ARGS,
# the forwarded port swapped for a free one) and talks to the echo service
# from the host over TCP and UDP, then checks the default PDs' story and that
# the run ends by itself with success (tests/os/os_test.py).
# Budget: under 90 s on TCG (about 30 s when the machine is idle).
.PHONY: test-os
test-os: RUN_ECHO_PORT := @PORT@
test-os: $(RUN_IMAGE)
	@python3 tests/os/os_test.py $(BUILD)/tests/os scripts/qemu-run $(RUN_IMAGE) $(RUN_QEMU_ARGS)
TEST_SUITES += test-os
