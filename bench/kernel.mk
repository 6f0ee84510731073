# bench-kernel (make bench): cycles for a ppcall round trip, a notification
# that wakes a higher-priority PD and an IRQ delivered to its handler, timed
# inside the PDs under QEMU (TCG), beside a pipe ping-pong between two host
# processes in the same run. Results are recorded in docs/bench-kernel.md.
include tests/kernel/ktest-rules.inc

KBENCH_IMAGE := $(BUILD)/bench/kernel/image.img
KBENCH_PIPE := $(HOST_BUILD)/bench/kernel/host/pipe_pingpong
$(eval $(call ktest_image,bench/kernel))

$(KBENCH_PIPE): $(HOST_BUILD)/bench/kernel/host/pipe_pingpong.o
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@

.PHONY: bench-kernel
bench-kernel: $(KBENCH_IMAGE) $(KBENCH_PIPE)
	$(KTEST_HARNESS) bench/kernel/kbench.spec $(KBENCH_IMAGE) --log $(BUILD)/bench/kernel/console.log
	$(KBENCH_PIPE) 100000 >$(BUILD)/bench/kernel/pipe.txt
	bench/kernel/report $(BUILD)/bench/kernel/console.log $(BUILD)/bench/kernel/pipe.txt
BENCH_TARGETS += bench-kernel
