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

# Unit programs of one source each, linked with the stack: the hardening
# units (SipHash vectors, ISNs, LWIP_RAND, the ARP policy), and the client
# end of the queues lending received buffers to lwIP.
NET_UNIT_BINS := $(addprefix $(HOST_SAN_BUILD)/tests/net/,net_secure_test net_link_test)
$(NET_UNIT_BINS:%=%.o): | $(NET_LWIP_STAMP)
$(NET_UNIT_BINS): %: %.o $(NET_HOST_SAN_LIB)
	$(HOST_CC) $(SAN_FLAGS) $^ -o $@

# The lint gate parses our glue with lwIP's headers (see scripts/lint).
test-lint: | $(NET_LWIP_STAMP)

# libFuzzer: hostile frames into the receive path (tests/net/fuzz_frames.c).
# test-net runs NET_FUZZ_RUNS inputs; `make fuzz` runs NET_FUZZ_SECONDS.
NET_FUZZ_RUNS ?= 20000
NET_FUZZ_SECONDS ?= 300
NET_FUZZ_BIN := $(BUILD)/fuzz/net/fuzz_frames
NET_FUZZ_SRCS := tests/net/fuzz_frames.c service/echo/echo.c $(NET_GLUE_SRCS) $(NET_LWIP_SRCS)
$(NET_FUZZ_BIN): $(NET_FUZZ_SRCS) $(wildcard system/net/*.h system/net/arch/*.h service/echo/*.h ddf/*.h) | $(NET_LWIP_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Wno-unused-parameter -Wno-tautological-constant-out-of-range-compare $(HOST_CPPFLAGS) $(NET_CPPFLAGS) \
		$(filter %.c,$^) -o $@

# Seed frames: real ARP, ICMP, UDP and TCP frames written by the generator.
NET_FUZZ_CORPUS := $(BUILD)/fuzz/net/seeds
$(NET_FUZZ_CORPUS)/.stamp: tests/net/make_seeds.py
	@mkdir -p $(@D)
	python3 tests/net/make_seeds.py $(@D)
	@touch $@

define NET_FUZZ_RUN
mkdir -p $(BUILD)/fuzz/net/corpus; \
if $(NET_FUZZ_BIN) $(1) -artifact_prefix=$(BUILD)/fuzz/net/crash- \
    $(BUILD)/fuzz/net/corpus $(NET_FUZZ_CORPUS) >$(BUILD)/fuzz/net/fuzz_frames.log 2>&1; \
then echo "PASS: fuzz/net-frames"; else echo "FAIL: fuzz/net-frames see $(BUILD)/fuzz/net/fuzz_frames.log"; exit 1; fi
endef

.PHONY: fuzz-net
fuzz-net: $(NET_FUZZ_BIN) $(NET_FUZZ_CORPUS)/.stamp
	@$(call NET_FUZZ_RUN,-max_total_time=$(NET_FUZZ_SECONDS))
FUZZ_TARGETS += fuzz-net

.PHONY: test-net
test-net: $(NET_TEST_BIN) $(NET_UNIT_BINS) $(NET_FUZZ_BIN) $(NET_FUZZ_CORPUS)/.stamp
	set -e; for t in $(NET_UNIT_BINS); do $$t; done
	$(NET_TEST_BIN)
	@$(call NET_FUZZ_RUN,-runs=$(NET_FUZZ_RUNS) -seed=1)
TEST_SUITES += test-net

# test-net-qemu: the in-guest test (tests/net/guest/): three lwIP client PDs
# on the real kernel, joined by a test wire PD, with a restart in the middle.
# Budget: 3 minutes on TCG.
NET_GUEST_DIR := $(BUILD)/tests/net/guest
NET_GRANT_A := mac=02:00:00:00:00:01 ip=10.0.0.1/24 tcp=7 udp=7
NET_GRANT_C := mac=02:00:00:00:00:03 ip=10.0.0.3/24 tcp=7 udp=7
NET_GRANT_D := mac=02:00:00:00:00:02 ip=10.0.0.2/24 tcp=40000-40999 udp=41000-41010
$(eval $(call echo_pd,$(NET_GUEST_DIR)/echo_a.elf,$(NET_GRANT_A)))
$(eval $(call echo_pd,$(NET_GUEST_DIR)/echo_c.elf,$(NET_GRANT_C)))
$(eval $(call net_pd,$(NET_GUEST_DIR)/driver.elf,tests/net/guest/driver.c $(NET_PD_SRCS),$(NET_GRANT_D)))
$(eval $(call net_pd,$(NET_GUEST_DIR)/wire.elf,tests/net/guest/wire.c,))
$(NET_GUEST_DIR)/wire-obj/%.o: PD_EXTRA_CFLAGS := '-DNET_GRANT_A="$(NET_GRANT_A)"' \
	'-DNET_GRANT_C="$(NET_GRANT_C)"' '-DNET_GRANT_D="$(NET_GRANT_D)"'
$(eval $(call pd_program,$(NET_GUEST_DIR)/timer_stub.elf,tests/net/guest/timer_stub.c))
NET_GUEST_ELFS := $(addprefix $(NET_GUEST_DIR)/,echo_a.elf echo_c.elf driver.elf wire.elf timer_stub.elf)
NET_GUEST_IMAGE := $(NET_GUEST_DIR)/guest.img
$(eval $(call pd_image,$(NET_GUEST_IMAGE),tests/net/guest/guest.system,$(NET_GUEST_ELFS)))

.PHONY: test-net-qemu
test-net-qemu: $(NET_GUEST_IMAGE)
	@QEMU_TIMEOUT=240 scripts/qemu-run $(NET_GUEST_IMAGE) >$(NET_GUEST_DIR)/console.log 2>&1; \
	rc=$$?; grep -aE '^(PASS|FAIL): ' $(NET_GUEST_DIR)/console.log; \
	tests/net/guest-bench.sh $(NET_GUEST_DIR)/console.log || true; \
	if [ $$rc -ne 0 ]; then echo "FAIL: net-guest/run exit status $$rc (console: $(NET_GUEST_DIR)/console.log)"; \
	tail -20 $(NET_GUEST_DIR)/console.log; exit 1; fi
TEST_SUITES += test-net-qemu

# The benchmark binary (bench/net.mk runs it): the test harness without
# sanitizers, built here because this fragment is read after system/net/.
NET_BENCH_BIN := $(HOST_BUILD)/tests/net/net_bench
NET_HOST_OBJS := $(patsubst %.c,$(HOST_BUILD)/%.o,$(NET_LWIP_SRCS) $(NET_GLUE_SRCS))
$(HOST_BUILD)/$(NET_LWIP_DIR)/%.o: EXTRA_CFLAGS := $(NET_LWIP_CFLAGS)
$(HOST_BUILD)/system/net/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS)
$(HOST_BUILD)/tests/net/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS)
$(HOST_BUILD)/service/echo/%.o: EXTRA_CFLAGS := $(NET_CPPFLAGS)
$(NET_HOST_OBJS) $(HOST_BUILD)/tests/net/net_host_test.o $(HOST_BUILD)/service/echo/echo.o: | $(NET_LWIP_STAMP)

$(NET_BENCH_BIN): $(HOST_BUILD)/tests/net/net_host_test.o $(HOST_BUILD)/service/echo/echo.o $(NET_HOST_OBJS)
	$(HOST_CC) $^ -o $@

bench-net: $(NET_BENCH_BIN) $(NET_GUEST_IMAGE)

# test-net-user: the echo service on QEMU's user network with the real
# virtio-net driver and network virtualiser (tests/net/user/), driven from
# the host by tests/net/user_test.py through host forwards. `make run-net`
# boots the same image with 127.0.0.1:5555 forwarded to the echo (TCP, UDP).
NET_USER_DIR := $(BUILD)/tests/net/user
NET_USER_LAYOUT := -DECHO_TX_CHANNEL=0 -DECHO_TICK_CHANNEL=3 -DECHO_RING_CAPACITY=64 -DECHO_DATA_SIZE=0x40000
$(eval $(call echo_pd,$(NET_USER_DIR)/echo.elf,mac=52:54:00:00:00:a1 ip=10.0.2.15/24 gw=10.0.2.2 dns=10.0.2.3 tcp=7 udp=7))
$(NET_USER_DIR)/echo-obj/%.o: PD_EXTRA_CFLAGS := $(NET_USER_LAYOUT)
$(eval $(call net_pd,$(NET_USER_DIR)/netcheck.elf,tests/net/user/netcheck.c $(NET_PD_SRCS),mac=52:54:00:00:00:b2 ip=dhcp tcp=40000-40099))
$(eval $(call pd_program,$(NET_USER_DIR)/ticker.elf,tests/net/user/ticker.c))
$(NET_USER_DIR)/timer_stub.elf: $(NET_GUEST_DIR)/timer_stub.elf
	@mkdir -p $(@D)
	cp $< $@
NET_USER_ELFS := $(addprefix $(NET_USER_DIR)/,echo.elf netcheck.elf ticker.elf timer_stub.elf) \
	$(DDF_PD_BUILD)/net/virtio_net.elf $(DDF_PD_BUILD)/net/net_virt.elf
NET_USER_IMAGE := $(NET_USER_DIR)/user.img
$(eval $(call pd_image,$(NET_USER_IMAGE),tests/net/user/user.system,$(NET_USER_ELFS)))
# The clients' grants, copied into the image from the regions' prefill_path.
$(NET_USER_IMAGE): tests/net/user/echo.grant tests/net/user/netcheck.grant

.PHONY: test-net-user run-net
test-net-user: $(NET_USER_IMAGE)
	@python3 tests/net/user_test.py $(NET_USER_IMAGE) $(NET_USER_DIR)
TEST_SUITES += test-net-user

run-net: $(NET_USER_IMAGE)
	scripts/qemu-run $(NET_USER_IMAGE) \
		-netdev user,id=n0,hostfwd=tcp:127.0.0.1:5555-10.0.2.15:7,hostfwd=udp:127.0.0.1:5555-10.0.2.15:7 \
		-device virtio-net-pci,netdev=n0,addr=4

# test-net-tap: two echo clients on a tap device in a private network
# namespace (tests/net/tap_test.py; skips when that cannot be made).
$(eval $(call echo_pd,$(NET_USER_DIR)/echo_b.elf,mac=52:54:00:00:00:b2 ip=10.0.2.16/24 gw=10.0.2.1 tcp=7 udp=7))
$(NET_USER_DIR)/echo_b-obj/%.o: PD_EXTRA_CFLAGS := $(NET_USER_LAYOUT)
NET_TAP_ELFS := $(addprefix $(NET_USER_DIR)/,echo.elf echo_b.elf ticker.elf timer_stub.elf) \
	$(DDF_PD_BUILD)/net/virtio_net.elf $(DDF_PD_BUILD)/net/net_virt.elf
NET_TAP_IMAGE := $(NET_USER_DIR)/tap.img
$(eval $(call pd_image,$(NET_TAP_IMAGE),tests/net/user/tap.system,$(NET_TAP_ELFS)))
$(NET_TAP_IMAGE): tests/net/user/echo.grant tests/net/user/echo_b.grant

.PHONY: test-net-tap
test-net-tap: $(NET_TAP_IMAGE)
	@python3 tests/net/tap_test.py $(NET_TAP_IMAGE) $(NET_USER_DIR)
TEST_SUITES += test-net-tap
