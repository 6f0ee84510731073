# Driver-framework benchmarks (make bench): block and network throughput
# through the real drivers and virtualisers under QEMU, beside baselines.
# See bench/ddf/run_bench.py and docs/bench-ddf.md. The images are built by
# rules in tests/ddf/qemu.mk (fragments under bench/ are read first).
.PHONY: bench-ddf
bench-ddf: $(BUILD)/ddf-pd/bench/blk_bench.img $(BUILD)/ddf-pd/bench/net.img
	python3 bench/ddf/run_bench.py --build $(BUILD)/ddf-pd
BENCH_TARGETS += bench-ddf
