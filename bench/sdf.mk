# bench-sdf: parsing, validating and reporting a 63-PD, 1,000-map system
# against expat alone, and page-table pages against a 4 KiB-only plan.
.SECONDEXPANSION:
BENCH_SDF_BIN := $(HOST_BUILD)/bench/sdf/bench_sdf
BENCH_SDF_OBJS = $(patsubst %.c,$(HOST_BUILD)/%.o,bench/sdf/bench_sdf.c $(SDF_SRCS) \
	$(filter-out tools/check/check.c,$(CHECK_SRCS)))

$(BENCH_SDF_BIN): $$(BENCH_SDF_OBJS)
	$(HOST_CC) $^ -o $@ $(SDF_LDLIBS)

.PHONY: bench-sdf
bench-sdf: $(BENCH_SDF_BIN)
	$(BENCH_SDF_BIN)
BENCH_TARGETS += bench-sdf
