# test-compat: a Microkit-style example (tests/compat/Makefile) builds
# unchanged against build/sdk/ with Microkit's own variables, and boots.
# Budget: under 1 minute on TCG.
include tests/kernel/ktest-rules.inc

COMPAT_BUILD := $(BUILD)/tests/compat

.PHONY: test-compat
ifeq ($(wildcard kernel/*.mk),)
test-compat:
	@echo "SKIP: compat/all no kernel in this tree yet"
else
test-compat: $(KTEST_PD_DEPS) $(KTEST_IMAGE_DEPS)
	@# From clean every time: like Microkit's, the example's Makefile does not
	@# know that the SDK it was built against has changed.
	@rm -rf $(COMPAT_BUILD) && mkdir -p $(COMPAT_BUILD)
	@if $(MAKE) --no-print-directory -C tests/compat BUILD_DIR=$(COMPAT_BUILD) MICROKIT_SDK=$(SDK) \
			MICROKIT_BOARD=x86_64_generic MICROKIT_CONFIG=debug >$(COMPAT_BUILD)/build.log 2>&1; then \
		echo "PASS: compat/builds-unchanged-against-sdk"; \
	else \
		tail -n 20 $(COMPAT_BUILD)/build.log; \
		echo "FAIL: compat/builds-unchanged-against-sdk see $(COMPAT_BUILD)/build.log"; exit 1; \
	fi
	@$(KTEST_HARNESS) tests/compat/compat.spec $(COMPAT_BUILD)/loader.img --log $(COMPAT_BUILD)/console.log
endif
TEST_SUITES += test-compat
