# Network benchmarks (make bench): tests/net/net_host_test.c --bench, built
# without sanitizers: lwIP client processes over the ddf/net.h rings against
# the host Linux kernel's TCP on loopback, same workloads, same run.
# Results and the machine go in docs/bench-net.md.

# The binary's rules are in tests/net/net.mk (read after system/net/net.mk).
.PHONY: bench-net
bench-net: $(NET_BENCH_BIN)
	$(NET_BENCH_BIN) --bench
BENCH_TARGETS += bench-net
