# Pattern rules shared by every fragment. Outputs mirror the source tree:
#   build/host/<path>.o       host code, optimised
#   build/host-san/<path>.o   host code under ASan and UBSan, for tests
#   build/target/<path>.o     freestanding x86_64 code
# A fragment adds flags for its own objects with target-specific variables,
# e.g.  $(TARGET_BUILD)/kernel/%.o: EXTRA_CFLAGS := -mcmodel=kernel

HOST_SAN_BUILD := $(BUILD)/host-san

$(HOST_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(HOST_CPPFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

$(HOST_SAN_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SAN_FLAGS) $(HOST_CPPFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

$(TARGET_BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_CPPFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

$(TARGET_BUILD)/%.o: %.S
	@mkdir -p $(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_CPPFLAGS) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
