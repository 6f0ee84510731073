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
	$(TOOLS_FUZZ_SDF) -max_total_time=600 -timeout=60 $(BUILD)/fuzz/corpus-sdf $(TOOLS_SDF_CORPUS)
FUZZ_TARGETS += fuzz-sdf

test-sdf: test-sdf-fuzz
test-sdf-fuzz: $(TOOLS_FUZZ_SDF)
	@rm -rf $(BUILD)/fuzz/short-sdf && mkdir -p $(BUILD)/fuzz/short-sdf
	@if $(TOOLS_FUZZ_SDF) -runs=20000 -seed=1 -timeout=60 $(BUILD)/fuzz/short-sdf \
	        $(TOOLS_SDF_CORPUS) >$(BUILD)/fuzz/short-sdf.log 2>&1; then \
	    echo "PASS: sdf/fuzz_20000_runs"; \
	else \
	    tail -n 30 $(BUILD)/fuzz/short-sdf.log; echo "FAIL: sdf/fuzz_20000_runs see the log above"; exit 1; \
	fi

# test-check: the report, flow graph and policy libraries under sanitizers,
# then the command itself (exit codes, the files it writes, the SVG).
TOOLS_TEST_CHECK := $(HOST_SAN_BUILD)/tests/tools/check_test
TOOLS_CHECK_SAN_OBJS = $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(filter-out tools/check/check.c,$(CHECK_SRCS)))

$(TOOLS_TEST_CHECK): $(HOST_SAN_BUILD)/tests/tools/check_test.o $$(TOOLS_CHECK_SAN_OBJS) $$(SDF_SAN_OBJS)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@ $(SDF_LDLIBS)

.PHONY: test-check
test-check: $(TOOLS_TEST_CHECK) $$(SUBSTRATE_BIN)
	$(TOOLS_TEST_CHECK)
	tests/tools/check_cli_test.sh $(SUBSTRATE_BIN)
TEST_SUITES += test-check

# The policy parser's libFuzzer target, run like fuzz-sdf.
TOOLS_FUZZ_POLICY := $(BUILD)/fuzz/fuzz-policy
TOOLS_POLICY_CORPUS := tests/tools/corpus/policy

$(TOOLS_FUZZ_POLICY): tests/tools/fuzz_policy.c tools/check/policy.c tools/check/flow.c $$(SDF_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(HOST_CPPFLAGS) $^ -o $@ $(SDF_LDLIBS)

.PHONY: fuzz-policy test-check-fuzz
fuzz-policy: $(TOOLS_FUZZ_POLICY)
	@mkdir -p $(BUILD)/fuzz/corpus-policy
	$(TOOLS_FUZZ_POLICY) -max_total_time=300 -timeout=60 $(BUILD)/fuzz/corpus-policy $(TOOLS_POLICY_CORPUS)
FUZZ_TARGETS += fuzz-policy

test-check: test-check-fuzz
test-check-fuzz: $(TOOLS_FUZZ_POLICY)
	@rm -rf $(BUILD)/fuzz/short-policy && mkdir -p $(BUILD)/fuzz/short-policy
	@if $(TOOLS_FUZZ_POLICY) -runs=20000 -seed=1 -timeout=60 $(BUILD)/fuzz/short-policy \
	        $(TOOLS_POLICY_CORPUS) >$(BUILD)/fuzz/short-policy.log 2>&1; then \
	    echo "PASS: check/fuzz_policy_20000_runs"; \
	else \
	    tail -n 30 $(BUILD)/fuzz/short-policy.log; echo "FAIL: check/fuzz_policy_20000_runs see the log above"; exit 1; \
	fi
