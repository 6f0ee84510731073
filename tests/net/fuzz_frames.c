/*
 * libFuzzer target: hostile frames into a client's receive path.
 *
 * One lwIP instance with the echo service runs for the whole campaign, as a
 * client PD would. Each input is a sequence of frames, each preceded by a
 * two-byte little-endian length; every frame goes through net_stack_input()
 * (the path net_link feeds), then time advances and the timers, output and
 * socket events run. Whatever the stack sends is checked against the
 * client's grant with the transmit filter: a frame it would refuse means the
 * stack was tricked into sending what it may not. The first bytes of each
 * input also go to the configuration parser and the filter themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/echo/echo.h"
#include "system/net/net_config.h"
#include "system/net/net_filter.h"
#include "system/net/net_stack.h"
#include "system/net/sock.h"

static uint8_t tx_buf[2048];
static uint64_t fake_ns;
static net_config_t grant;

static size_t fuzz_tx_reserve(void *ctx, size_t len, uint8_t *buf[NET_MAX_CHAIN])
{
    (void)ctx;
    buf[0] = tx_buf;
    return len <= sizeof tx_buf ? 1 : 0;
}

static void fuzz_tx_commit(void *ctx, size_t len, const net_buff_desc_t *meta)
{
    (void)ctx;
    (void)meta;
    if (len > 0 && net_filter_tx(&grant, tx_buf, len) != NET_FILTER_PASS) {
        abort(); /* the stack sent something its grant forbids */
    }
}

static uint64_t fuzz_now(void *ctx)
{
    (void)ctx;
    return fake_ns;
}

static void start_once(void)
{
    static int started;
    if (started) {
        return;
    }
    started = 1;
    static const char cfg[] = "mac=02:00:00:00:00:01 ip=10.0.0.1/24 gw=10.0.0.9 dns=10.0.0.9 "
                              "tcp=7,40000-40100 udp=7,41000-41010";
    if (net_config_parse(cfg, sizeof cfg, &grant, NULL) != NET_CONFIG_OK) {
        abort();
    }
    net_link_ops_t ops = {.tx_reserve = fuzz_tx_reserve, .tx_commit = fuzz_tx_commit, .now_ns = fuzz_now};
    if (net_stack_init(&grant, &ops) != NET_OK || echo_start(7) != NET_SOCK_OK) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    start_once();
    /* Side targets: the configuration parser and the filter on raw bytes. */
    net_config_t scratch;
    (void)net_config_parse((const char *)data, size < 256 ? size : 256, &scratch, NULL);
    (void)net_filter_tx(&grant, data, size);

    size_t pos = 0;
    while (pos + 2 <= size) {
        size_t len = (size_t)data[pos] | (size_t)data[pos + 1] << 8;
        pos += 2;
        if (len > size - pos) {
            len = size - pos;
        }
        net_stack_input(data + pos, len);
        pos += len;
        fake_ns += 3000000; /* 3 ms per frame: timers fire during a campaign */
        net_stack_poll();
        net_sock_dispatch();
    }
    return 0;
}
