# The page planner: a freestanding library shared by the builder and the kernel.
VSPACE_SRCS := lib/vspace/vspace_plan.c

VSPACE_TEST := $(HOST_SAN_BUILD)/tests/vspace/vspace_plan_test
$(VSPACE_TEST): $(HOST_SAN_BUILD)/tests/vspace/vspace_plan_test.o $(HOST_SAN_BUILD)/lib/vspace/vspace_plan.o
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

.PHONY: test-vspace
test-vspace: $(VSPACE_TEST)
	$(VSPACE_TEST) 3000
TEST_SUITES += test-vspace
