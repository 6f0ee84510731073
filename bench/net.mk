# Network benchmarks (make bench-net, part of make bench):
#  - tests/net/net_host_test.c --bench, built without sanitizers: lwIP client
#    processes over the ddf/net.h rings against the host Linux kernel's TCP on
#    loopback, same workloads, same run;
#  - the in-guest test image (tests/net/guest/), whose driver PD ends with
#    echo throughput and request/response figures under TCG;
#  - bench/net/netbench.py: our image (bench/net/bench.system: HPET timer,
#    virtio-net driver, network virtualiser, lwIP echo with bench ports) and a
#    Linux guest (bench/net/linux_guest.py: Debian's kernel, busybox,
#    bench/net/linux_echo) on the same QEMU tap network, side by side.
#    NET_BENCH_RUNS runs of NET_BENCH_SECONDS per workload, timed; then
#    NET_BENCH_ICOUNT_RUNS runs counting guest instructions (--icount);
#    NET_BENCH_GUESTS and NET_BENCH_WORKLOADS (comma lists) pick a subset.
# Results and the machine go in docs/bench-net.md.

NET_BENCH_RUNS ?= 3
NET_BENCH_SECONDS ?= 5
NET_BENCH_ICOUNT_RUNS ?= 1
NET_BENCH_DIR := $(BUILD)/bench/net
NET_BENCH_PICK := $(if $(NET_BENCH_GUESTS),--guests $(NET_BENCH_GUESTS)) $(if $(NET_BENCH_WORKLOADS),--workloads $(NET_BENCH_WORKLOADS))
NET_BENCH_LINUX_DIR := $(NET_BENCH_DIR)/linux

# Our guest: the default OS's network PDs, the echo with its bench ports.
# This fragment is read first of all (fragments are sorted), so it copies
# os/default's driver PDs by path rather than naming their rules.
$(eval $(call pd_linked,$(NET_BENCH_DIR)/echo.elf,\
	service/echo/echo_pd.c service/echo/echo.c system/net/net_client_pd.c bench/net/echo_bench.c,\
	-DECHO_TX_CHANNEL=0 -DECHO_TIMER_CHANNEL=2 -DECHO_BENCH_PORTS,\
	$(PD_NET_LIB),third_party/lwip/.fetched))
$(NET_BENCH_DIR)/timer.elf $(NET_BENCH_DIR)/virtio_net.elf $(NET_BENCH_DIR)/net_virt.elf: \
		$(NET_BENCH_DIR)/%.elf: $(BUILD)/os/default/%.elf
	@mkdir -p $(@D)
	cp $< $@
NET_BENCH_ELFS := $(addprefix $(NET_BENCH_DIR)/,echo.elf timer.elf virtio_net.elf net_virt.elf)
NET_BENCH_IMAGE := $(NET_BENCH_DIR)/bench.img
$(eval $(call pd_image,$(NET_BENCH_IMAGE),bench/net/bench.system,$(NET_BENCH_ELFS)))
$(NET_BENCH_IMAGE): bench/net/echo.grant

# The binary's rules are in tests/net/net.mk (read after system/net/net.mk).
.PHONY: bench-net bench-net-guests
bench-net: $(NET_BENCH_IMAGE) $(TARGET_BUILD)/kernel/kernel.elf
	$(NET_BENCH_BIN) --bench
	@QEMU_TIMEOUT=240 scripts/qemu-run $(NET_GUEST_IMAGE) >$(NET_GUEST_DIR)/bench-console.log 2>&1; \
	tests/net/guest-bench.sh $(NET_GUEST_DIR)/bench-console.log
	@$(MAKE) --no-print-directory bench-net-guests

# Ours beside Linux only (the Linux part is skipped, with the reason, when
# Debian's packages cannot be fetched).
bench-net-guests: $(NET_BENCH_IMAGE) $(TARGET_BUILD)/kernel/kernel.elf
	@python3 bench/net/linux_guest.py $(NET_BENCH_LINUX_DIR) >$(NET_BENCH_DIR)/linux-guest.log 2>&1 || \
	{ echo "BENCH: net-guest SKIP linux: cannot build the Linux guest (see $(NET_BENCH_DIR)/linux-guest.log):"; \
	  grep -v '^W:' $(NET_BENCH_DIR)/linux-guest.log | tail -n 3; rm -f $(NET_BENCH_LINUX_DIR)/initrd.gz; }
	python3 bench/net/netbench.py --runs $(NET_BENCH_RUNS) --seconds $(NET_BENCH_SECONDS) $(NET_BENCH_PICK) \
		$(NET_BENCH_IMAGE) $(TARGET_BUILD)/kernel/kernel.elf $(NET_BENCH_LINUX_DIR) $(NET_BENCH_DIR)/work
	$(if $(filter-out 0,$(NET_BENCH_ICOUNT_RUNS)),python3 bench/net/netbench.py --icount --runs $(NET_BENCH_ICOUNT_RUNS) \
		--seconds $(NET_BENCH_SECONDS) $(NET_BENCH_PICK) \
		$(NET_BENCH_IMAGE) $(TARGET_BUILD)/kernel/kernel.elf $(NET_BENCH_LINUX_DIR) $(NET_BENCH_DIR)/work-icount)
BENCH_TARGETS += bench-net
