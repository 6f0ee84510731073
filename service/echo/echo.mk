# The echo service PD: service/echo (library) + system/net (stack) +
# libmicrokit, linked with pd_linked because it uses the stack's archive.

ECHO_PD_SRCS := service/echo/echo_pd.c service/echo/echo.c system/net/net_client_pd.c
NET_PD_SRCS := system/net/net_client_pd.c
# $(call net_pd,OUT_ELF,SOURCES,GRANT): a PD that uses the network stack,
# from SOURCES (with <microkit.h>), the stack's PD archive and libmicrokit,
# with GRANT compiled in as NET_PD_GRANT (see system/net/net_config.h).
net_pd = $(call pd_linked,$(1),$(2),'-DNET_PD_GRANT="$(3)"',$(PD_NET_LIB),third_party/lwip/.fetched)

# $(call echo_pd,OUT_ELF,GRANT): the echo service PD with that grant.
echo_pd = $(call net_pd,$(1),$(ECHO_PD_SRCS),$(2))

ECHO_DEFAULT_ELF := $(BUILD)/service/echo/echo.elf
$(eval $(call echo_pd,$(ECHO_DEFAULT_ELF),mac=52:54:00:12:34:56 ip=10.0.2.15/24 gw=10.0.2.2 dns=10.0.2.3 tcp=7 udp=7))
ALL_TARGETS += $(ECHO_DEFAULT_ELF)
