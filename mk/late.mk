# Read after every fragment: rules whose prerequisites are lists the fragments
# append to.

# The driver framework's PD archive: ddf/, system/drivers/, system/virt/ and
# what they use, compiled once for protection domains (see pd_linked).
$(PD_DDF_LIB): $(patsubst %.c,$(TARGET_BUILD)/%.o,$(DDF_LIB_SRCS))
	@rm -f $@
	$(TARGET_AR) rcs $@ $^

# The `substrate` host tool: one binary, one subcommand per job. Fragments add
# their command's sources to SUBSTRATE_SRCS and libraries to SUBSTRATE_LDLIBS.
SUBSTRATE_SRCS += tools/substrate/main.c
SUBSTRATE_OBJS := $(patsubst %.c,$(HOST_BUILD)/%.o,$(sort $(SUBSTRATE_SRCS)))
SUBSTRATE_BIN  := $(SDK)/bin/substrate

$(SUBSTRATE_BIN): $(SUBSTRATE_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $^ -o $@ $(SUBSTRATE_LDLIBS)

# Microkit's name for the same builder: `microkit SYSTEM ...` is `substrate build SYSTEM ...`.
$(SDK)/bin/microkit: $(SUBSTRATE_BIN)
	ln -sf substrate $@

ALL_TARGETS += $(SUBSTRATE_BIN) $(SDK)/bin/microkit
