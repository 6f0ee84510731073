# The echo service PD: service/echo (library) + system/net (stack) +
# libmicrokit. Linked here rather than with pd_program because it also links
# the network stack's archive.
#

ECHO_PD_SRCS := service/echo/echo_pd.c service/echo/echo.c system/net/net_client_pd.c
NET_PD_SRCS := system/net/net_client_pd.c
ECHO_PD_CFLAGS := $(PD_INCLUDES)
# This fragment is read before system/net/net.mk, so it names the stack's
# outputs itself (the same paths net.mk builds).
ECHO_NET_LIB := $(TARGET_BUILD)/system/net/libnet_pd.a
ECHO_NET_STAMP := third_party/lwip/.fetched

# $(call net_pd,OUT_ELF,SOURCES,GRANT): a PD that uses the network stack,
# from SOURCES (with <microkit.h>), the stack's PD archive and libmicrokit,
# with GRANT compiled in as NET_PD_GRANT (see system/net/net_config.h).
# Objects go under OUT_ELF's directory, so one source may serve many PDs.
define net_pd
$(1:.elf=)-objs := $(patsubst %.c,$(1:.elf=)-obj/%.o,$(2))
$(1:.elf=)-obj/%.o: %.c | $(ECHO_NET_STAMP)
	@mkdir -p $$(@D)
	$(TARGET_CC) $(TARGET_CFLAGS) $(TARGET_CPPFLAGS) $(ECHO_PD_CFLAGS) $$(NET_PD_EXTRA_CFLAGS) '-DNET_PD_GRANT="$(3)"' \
		-MMD -MP -c $$< -o $$@
$(1): $$($(1:.elf=)-objs) $(ECHO_NET_LIB) $(PD_LIBMICROKIT) $(PD_LINKER_SCRIPT)
	@mkdir -p $$(@D)
	$(TARGET_LD) -nostdlib -z max-page-size=4096 $$($(1:.elf=)-objs) \
		--start-group $(ECHO_NET_LIB) $(PD_LIBMICROKIT) --end-group -T $(PD_LINKER_SCRIPT) -o $$@
endef

# $(call echo_pd,OUT_ELF,GRANT): the echo service PD with that grant.
echo_pd = $(call net_pd,$(1),$(ECHO_PD_SRCS),$(2))

ECHO_DEFAULT_ELF := $(BUILD)/service/echo/echo.elf
$(eval $(call echo_pd,$(ECHO_DEFAULT_ELF),mac=52:54:00:12:34:56 ip=10.0.2.15/24 gw=10.0.2.2 dns=10.0.2.3 tcp=7 udp=7))
ALL_TARGETS += $(ECHO_DEFAULT_ELF)
