# Static checks over the whole tree (see scripts/lint).
.PHONY: test-lint
test-lint:
	@scripts/lint
TEST_SUITES += test-lint
