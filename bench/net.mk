# Network benchmarks (make bench):
#  - tests/net/net_host_test.c --bench, built without sanitizers: lwIP client
#    processes over the ddf/net.h rings against the host Linux kernel's TCP on
#    loopback, same workloads, same run;
#  - the in-guest test image (tests/net/guest/), whose driver PD ends with
#    echo throughput and request/response figures under TCG.
# Results and the machine go in docs/bench-net.md.

# The binary's rules are in tests/net/net.mk (read after system/net/net.mk).
.PHONY: bench-net
bench-net:
	$(NET_BENCH_BIN) --bench
	@QEMU_TIMEOUT=240 scripts/qemu-run $(NET_GUEST_IMAGE) >$(NET_GUEST_DIR)/bench-console.log 2>&1; \
	tests/net/guest-bench.sh $(NET_GUEST_DIR)/bench-console.log
BENCH_TARGETS += bench-net
