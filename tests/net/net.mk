# Network stack tests.
#   test-net       host: lwIP instances in processes joined by ddf/net.h
#                  queues, the echo service, hostile frames, restart, DHCP,
#                  DNS; plus a short libFuzzer run over the frame input path.
# Budget: about 1-2 minutes on two loaded cores.

NET_TEST_BIN := $(HOST_SAN_BUILD)/tests/net/net_host_test
NET_TEST_OBJS := $(HOST_SAN_BUILD)/tests/net/net_host_test.o $(HOST_SAN_BUILD)/service/echo/echo.o

$(HOST_SAN_BUILD)/tests/net/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS)
$(HOST_SAN_BUILD)/service/echo/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS)
$(NET_TEST_OBJS): | $(NET_LWIP_STAMP)

$(NET_TEST_BIN): $(NET_TEST_OBJS) $(NET_HOST_SAN_LIB)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

.PHONY: test-net
test-net: $(NET_TEST_BIN)
	$(NET_TEST_BIN)
TEST_SUITES += test-net

# The lint gate checks our files with lwIP's headers and our port's on the
# include path (clang-tidy needs them to parse the glue).
test-lint: export CPATH := $(TOP)/system/net:$(TOP)/$(NET_LWIP_DIR)/src/include
test-lint: | $(NET_LWIP_STAMP)
