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
