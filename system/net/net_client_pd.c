/*
 * The network client's PD glue (net_client_pd.h).
 *
 * Owns the PD's event handling for the stack: on every notification it
 * reads the time once, moves frames in and out, runs lwIP's timers, delivers
 * socket events, notifies the virtualiser as the ddf signalling rule says,
 * and arms the L2 timer for lwIP's next deadline. lwIP sees one time per
 * event (sys_now reads the cached value). That time comes from the TSC,
 * carried forward from the timer's last answer (ddf/timer_clock.h), so a
 * busy stack calls the timer for it about every 50 ms and when a timeout
 * fires, not on every event.
 */
#include <microkit.h>

#include "system/net/net_client_pd.h"

#include "ddf/timer_pd.h"
#include "system/net/net_config.h"
#include "system/net/net_random.h"
#include "system/net/net_stack.h"
#include "system/net/sock.h"

/* The stack's state, placed in the `net_state` section by the build (see
 * system/net/net.mk); the linker provides its bounds. */
extern char __start_net_state[];
extern char __stop_net_state[];

/* Optional: a read-only region holding a per-image seed the build wrote
 * (prefill_path), mapped with setvar_vaddr="net_seed"; its first
 * NET_PD_SEED_LEN bytes are mixed into the network secret (net_random.h). */
#define NET_PD_SEED_LEN 32
uintptr_t net_seed __attribute__((section(".data")));

/* Survives a restart (it is in .data), so init() can tell a restart. */
static bool net_pd_started __attribute__((section(".data")));

static net_link_t net_pd_link;
static net_client_pd_cfg_t net_pd_cfg;
static uint64_t net_pd_now;
static uint64_t net_pd_armed_deadline;

static timer_clock_t net_pd_clock;

static uint64_t timer_now(void)
{
    uint64_t reply[TIMER_REPLY_WORDS] = {0};
    (void)timer_pd_call(&net_pd_cfg.timer_channel, TIMER_GET_TIME, reply);
    return reply[0];
}

/* The time for this round: the timer's, carried forward by the TSC between
 * calls (ddf/timer_clock.h), so a busy stack does not call the timer on
 * every event. */
static uint64_t clock_now(void)
{
    return timer_clock_now(&net_pd_clock, timer_clock_rdtsc(), timer_pd_call, &net_pd_cfg.timer_channel);
}

static uint64_t cached_now(void *ctx)
{
    (void)ctx;
    return net_pd_now;
}

/* For the secret: every read is a protected call, whose duration the TSC
 * samples around it measure. */
static uint64_t seed_clock(void *ctx)
{
    (void)ctx;
    return timer_now();
}

static void put_decimal(uint32_t v)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < 10);
    while (n > 0) {
        microkit_dbg_putc(digits[--n]);
    }
}

void net_client_pd_print_ip(const char *message, uint32_t ip)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(": ");
    microkit_dbg_puts(message);
    microkit_dbg_puts(" ");
    for (int i = 3; i >= 0; i--) {
        put_decimal((ip >> (8 * i)) & 0xFF);
        if (i > 0) {
            microkit_dbg_putc('.');
        }
    }
    microkit_dbg_puts("\n");
}

static void on_address(uint32_t ip, void *arg)
{
    (void)arg;
    if (ip != 0) {
        net_client_pd_print_ip("address", ip);
    }
}

/* Arms the L2 timer for lwIP's next deadline, unless already armed for it. */
static void arm_timer(void)
{
    uint32_t ms = net_stack_next_timeout_ms();
    if (ms == UINT32_MAX) {
        return;
    }
    uint64_t deadline = net_pd_now + (uint64_t)(ms == 0 ? 1 : ms) * 1000000u;
    if (net_pd_armed_deadline > net_pd_now && net_pd_armed_deadline <= deadline) {
        return; /* an earlier (or the same) wake-up is already set */
    }
    microkit_mr_set(0, deadline - net_pd_now);
    (void)microkit_ppcall(net_pd_cfg.timer_channel, microkit_msginfo_new(TIMER_SET_TIMEOUT, 1));
    net_pd_armed_deadline = deadline;
}

/* Notifies the virtualiser together with our next wait when we can: it
 * outranks us, so an immediate notification switches to it and back before
 * we wait. Microkit defers one signal at a time; if this PD has deferred one
 * already (or we have, for the other queue), this one goes now. */
static void notify_virt(microkit_channel ch)
{
    if (microkit_have_signal) {
        microkit_notify(ch);
    } else {
        microkit_deferred_notify(ch);
    }
}

static void run_stack(void)
{
    bool notify_rx = false, notify_tx = false;
    for (int round = 0; round < 64; round++) {
        bool rx, tx;
        net_pd_now = clock_now();
        net_link_process(&net_pd_link);
        net_stack_poll();
        net_sock_dispatch();
        bool more = net_link_finish(&net_pd_link, &rx, &tx);
        notify_rx = notify_rx || rx;
        notify_tx = notify_tx || tx;
        if (!more) {
            break;
        }
    }
    if (notify_rx) {
        notify_virt(net_pd_cfg.rx_channel);
    }
    /* One notification serves both when the queues share a channel. */
    if (notify_tx && !(notify_rx && net_pd_cfg.tx_channel == net_pd_cfg.rx_channel)) {
        notify_virt(net_pd_cfg.tx_channel);
    }
    arm_timer();
}

int net_client_pd_init(const net_client_pd_cfg_t *cfg)
{
    if (net_pd_started) {
        /* A restart: forget every connection and buffer lwIP had. */
        size_t size = (size_t)((uintptr_t)__stop_net_state - (uintptr_t)__start_net_state);
        volatile char *state = __start_net_state;
        for (size_t i = 0; i < size; i++) {
            state[i] = 0;
        }
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": network stack restarted\n");
    }
    net_pd_started = true;
    net_pd_cfg = *cfg;
    net_pd_armed_deadline = 0;
    net_pd_clock = (timer_clock_t){0};
    net_config_t grant;
    size_t at = 0;
    net_config_err_t err = net_config_parse(cfg->config, cfg->config_len, &grant, &at);
    if (err != NET_CONFIG_OK) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": network grant rejected: ");
        microkit_dbg_puts(net_config_strerror(err));
        microkit_dbg_puts("\n");
        return -1;
    }
    net_pd_now = clock_now();
    /* The grant's queue= is the capacity the virtualiser uses too. */
    uint32_t capacity = grant.queue_capacity != 0 ? grant.queue_capacity : cfg->capacity;
    if (net_link_init(&net_pd_link, &cfg->rx, &cfg->tx, capacity, cached_now, NULL) != 0) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": network queues unusable\n");
        return -1;
    }
    net_link_ops_t ops = net_link_ops(&net_pd_link);
    /* The per-boot secret for TCP ISNs and LWIP_RAND (net_random.h). */
    uint8_t extra[6 + sizeof net_pd_now + NET_PD_SEED_LEN];
    size_t extra_len = 6 + sizeof net_pd_now;
    for (size_t i = 0; i < 6; i++) {
        extra[i] = grant.mac[i];
    }
    for (size_t i = 0; i < sizeof net_pd_now; i++) {
        extra[6 + i] = (uint8_t)(net_pd_now >> (8 * i));
    }
    if (net_seed != 0) {
        const volatile uint8_t *seed = (const volatile uint8_t *)net_seed;
        for (size_t i = 0; i < NET_PD_SEED_LEN; i++) {
            extra[extra_len++] = seed[i]; /* copied once, used only as entropy */
        }
    }
    unsigned sources = net_random_init(seed_clock, NULL, extra, extra_len);
    if ((sources & (NET_RANDOM_SRC_RDSEED | NET_RANDOM_SRC_RDRAND)) == 0) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": no RDSEED/RDRAND, network secret from TSC jitter only\n");
    }
    net_stack_on_address(on_address, NULL);
    if (net_stack_init(&grant, &ops) != NET_OK) {
        microkit_dbg_puts(microkit_name);
        microkit_dbg_puts(": network stack failed to start\n");
        return -1;
    }
    run_stack();
    return 0;
}

bool net_client_pd_notified(microkit_channel ch)
{
    if (ch != net_pd_cfg.rx_channel && ch != net_pd_cfg.tx_channel &&
        ch != net_pd_cfg.timer_channel && !(net_pd_cfg.has_tick && ch == net_pd_cfg.tick_channel)) {
        return false;
    }
    if (ch == net_pd_cfg.timer_channel) {
        net_pd_armed_deadline = 0;
        /* A deadline is due: check it against the timer's own time. */
        timer_clock_forget(&net_pd_clock);
    }
    run_stack();
    return true;
}
