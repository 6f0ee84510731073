# Numbers in configuration text (header-only, freestanding): lib/text/text.h.
TEXT_TEST := $(HOST_SAN_BUILD)/tests/text/text_test
$(TEXT_TEST): $(HOST_SAN_BUILD)/tests/text/text_test.o
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

.PHONY: test-text
test-text: $(TEXT_TEST)
	$(TEXT_TEST)
TEST_SUITES += test-text
