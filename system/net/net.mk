# The network stack: lwIP 2.1.3 from Debian's source package, built by this
# fragment, plus our port and glue (system/net/*.c).
#
# third_party/lwip/ is fetched by `scripts/install-deps --source lwip` the
# first time any lwIP source is needed, so a fresh clone builds with no
# manual step.
#
# Outputs:
#   $(NET_TARGET_LIB)    freestanding archive for protection domains
#   $(NET_HOST_SAN_LIB)  the same code for host tests, under ASan and UBSan
# A PD that uses the stack adds $(NET_CPPFLAGS) to its CFLAGS and links
# $(NET_TARGET_LIB).

NET_LWIP_DIR   := third_party/lwip
NET_LWIP_STAMP := $(NET_LWIP_DIR)/.fetched

# lwIP's IPv4 core, Ethernet and ARP; no sequential API, no IPv6, no apps.
NET_LWIP_SRCS := $(addprefix $(NET_LWIP_DIR)/src/, \
	core/init.c core/def.c core/dns.c core/inet_chksum.c core/ip.c core/mem.c \
	core/memp.c core/netif.c core/pbuf.c core/raw.c core/stats.c core/sys.c \
	core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c \
	core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c \
	core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c netif/ethernet.c)
NET_GLUE_SRCS := system/net/net_stack.c system/net/net_port.c system/net/sock.c \
	system/net/net_config.c system/net/net_filter.c system/net/net_link.c \
	system/net/siphash.c system/net/net_random.c
NET_LIBC_SRCS := system/net/libc/string.c

NET_CPPFLAGS := -I$(TOP)/system/net -I$(TOP)/$(NET_LWIP_DIR)/src/include
# lwIP's own code is not ours to fix: we build it warning-clean for what -Wall
# -Wextra catch in our use, and quiet only the checks its style trips.
NET_LWIP_CFLAGS := $(NET_CPPFLAGS) -Wno-unused-parameter -Wno-address -fno-strict-aliasing

$(NET_LWIP_STAMP):
	scripts/install-deps --source lwip
# The sources appear when the stamp is made.
$(NET_LWIP_SRCS): | $(NET_LWIP_STAMP) ;

NET_TARGET_OBJS := $(patsubst %.c,$(TARGET_BUILD)/%.o,$(NET_LWIP_SRCS) $(NET_GLUE_SRCS) $(NET_LIBC_SRCS))
NET_HOST_SAN_OBJS := $(patsubst %.c,$(HOST_SAN_BUILD)/%.o,$(NET_LWIP_SRCS) $(NET_GLUE_SRCS))
NET_TARGET_LIB := $(TARGET_BUILD)/system/net/libnet.a
NET_HOST_SAN_LIB := $(HOST_SAN_BUILD)/system/net/libnet.a

$(TARGET_BUILD)/$(NET_LWIP_DIR)/%.o: EXTRA_CFLAGS := $(NET_LWIP_CFLAGS) -I$(TOP)/system/net/libc
$(HOST_SAN_BUILD)/$(NET_LWIP_DIR)/%.o: EXTRA_CFLAGS := $(NET_LWIP_CFLAGS)
$(TARGET_BUILD)/system/net/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS) -I$(TOP)/system/net/libc
$(HOST_SAN_BUILD)/system/net/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS)
# The compiler must not turn the byte loops of memcpy/memset into calls to
# themselves.
$(TARGET_BUILD)/system/net/libc/%.o: EXTRA_CFLAGS := -fno-tree-loop-distribute-patterns

$(NET_TARGET_OBJS) $(NET_HOST_SAN_OBJS): | $(NET_LWIP_STAMP)

$(NET_TARGET_LIB): $(NET_TARGET_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	$(TARGET_AR) rcs $@ $^

$(NET_HOST_SAN_LIB): $(NET_HOST_SAN_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

ALL_TARGETS += $(NET_TARGET_LIB)

# For PDs: the same archive with the stack's zero-initialised state moved
# to its own section, `net_state`, which net_client_pd.c wipes when the PD is
# restarted (the linker provides __start_net_state and __stop_net_state).
NET_PD_LIB := $(TARGET_BUILD)/system/net/libnet_pd.a
$(NET_PD_LIB): $(NET_TARGET_LIB)
	$(TARGET_OBJCOPY) --rename-section .bss=net_state $< $@
