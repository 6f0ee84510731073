# Host tests of the system description parser and of `substrate check`.
# SDF_* come from tools/sdf/sdf.mk, which make reads after this fragment,
# hence the secondary expansion ($$).
.SECONDEXPANSION:
TOOLS_TEST_SDF := $(HOST_SAN_BUILD)/tests/tools/sdf_test

$(TOOLS_TEST_SDF): $(HOST_SAN_BUILD)/tests/tools/sdf_test.o $$(SDF_SAN_OBJS)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@ $(SDF_LDLIBS)

.PHONY: test-sdf
test-sdf: $(TOOLS_TEST_SDF)
	$(TOOLS_TEST_SDF)
TEST_SUITES += test-sdf

# The parser's libFuzzer target. `make fuzz` runs it for ten minutes; the test
# suite runs a fixed, seeded few thousand inputs. New inputs go to a scratch
# directory under build/, never into the committed seed corpus.
TOOLS_FUZZ_SDF := $(BUILD)/fuzz/fuzz-sdf
TOOLS_SDF_CORPUS := tests/tools/corpus/sdf

$(TOOLS_FUZZ_SDF): tests/tools/fuzz_sdf.c $$(SDF_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(HOST_CPPFLAGS) $^ -o $@ $(SDF_LDLIBS)

.PHONY: fuzz-sdf test-sdf-fuzz
fuzz-sdf: $(TOOLS_FUZZ_SDF)
	@mkdir -p $(BUILD)/fuzz/corpus-sdf
	$(TOOLS_FUZZ_SDF) -max_total_time=600 -timeout=10 $(BUILD)/fuzz/corpus-sdf $(TOOLS_SDF_CORPUS)
FUZZ_TARGETS += fuzz-sdf

test-sdf: test-sdf-fuzz
test-sdf-fuzz: $(TOOLS_FUZZ_SDF)
	@rm -rf $(BUILD)/fuzz/short-sdf && mkdir -p $(BUILD)/fuzz/short-sdf
	@if $(TOOLS_FUZZ_SDF) -runs=20000 -seed=1 -timeout=10 $(BUILD)/fuzz/short-sdf \
	        $(TOOLS_SDF_CORPUS) >$(BUILD)/fuzz/short-sdf.log 2>&1; then \
	    echo "PASS: sdf/fuzz_20000_runs"; \
	else \
	    tail -n 30 $(BUILD)/fuzz/short-sdf.log; echo "FAIL: sdf/fuzz_20000_runs see the log above"; exit 1; \
	fi
