/*
 * The network virtualiser PD: a thin wrapper around system/virt/net_virt.c.
 * Channel 0 is the driver; channel 1 + i is client i.
 *
 * Its clients come from the system description (net_virt.h,
 * net_virt_slots_config): slot i is a client when the description maps
 * net_c<i>_rx, net_c<i>_tx, net_c<i>_rx_data and net_c<i>_tx_data into this
 * PD (setvar_vaddr; their sizes with setvar_size="net_c<i>_rx_size" and so on,
 * else the defaults below), for slots 0..n-1, n at most NET_VIRT_MAX_CLIENTS.
 * Client i's grant is the read-only region at net_c<i>_grant (the same region
 * the client maps as net_config); its MAC is the grant's, its frames are
 * filtered by it, and its queue= sets the ring capacity of both its queues.
 * Without a grant region a client is a raw Ethernet client with the fallback
 * MAC 52:54:00:00:00:a1 + 0x11 * i, capacity NET_VIRT_PD_CLIENT_CAP, and
 * only its source MAC enforced.
 *
 * Channel NET_VIRT_PD_TIMER_CH, when the description gives it as a protected
 * call to the timer driver (ddf/timer.h), is the clock DHCP leases end by;
 * without it a lease lasts until a DHCPNAK.
 */
#include <microkit.h>

#include "ddf/timer_pd.h"
#include "system/virt/net_virt.h"

#define NET_VIRT_PD_DRIVER_CH 0
#define NET_VIRT_PD_CLIENT_CH(i) (1 + (i))
#define NET_VIRT_PD_TIMER_CH (1 + NET_VIRT_MAX_CLIENTS)
#define NET_VIRT_PD_QUEUE_SIZE 0x2000u
#define NET_VIRT_PD_DRIVER_CAP 128u
#define NET_VIRT_PD_CLIENT_CAP 64u
#define NET_VIRT_PD_DMA_SIZE 0x80000u
#define NET_VIRT_PD_CLIENT_DATA_SIZE 0x40000u
#define NET_VIRT_PD_GRANT_SIZE 0x1000u

/* Patched by the builder, so kept in .data, in the ELF file. The sizes of
 * the driver's queues and of the DMA regions come from setvar_size
 * (net_drv_rx_size, net_drv_tx_size, net_rx_dma_size, net_tx_dma_size) when
 * the description gives them, else the defaults above. */
#define NET_VIRT_DATA __attribute__((section(".data")))
uintptr_t net_drv_rx NET_VIRT_DATA, net_drv_tx NET_VIRT_DATA, net_rx_dma NET_VIRT_DATA, net_tx_dma NET_VIRT_DATA;
uint64_t net_drv_rx_size NET_VIRT_DATA, net_drv_tx_size NET_VIRT_DATA, net_rx_dma_size NET_VIRT_DATA,
    net_tx_dma_size NET_VIRT_DATA;

#define NET_VIRT_SLOT(i)                                                                                    \
    uintptr_t net_c##i##_rx NET_VIRT_DATA, net_c##i##_tx NET_VIRT_DATA, net_c##i##_rx_data NET_VIRT_DATA,   \
        net_c##i##_tx_data NET_VIRT_DATA, net_c##i##_grant NET_VIRT_DATA;                                   \
    uint64_t net_c##i##_rx_size NET_VIRT_DATA, net_c##i##_tx_size NET_VIRT_DATA,                            \
        net_c##i##_rx_data_size NET_VIRT_DATA, net_c##i##_tx_data_size NET_VIRT_DATA,                       \
        net_c##i##_grant_size NET_VIRT_DATA;
NET_VIRT_SLOT(0)
NET_VIRT_SLOT(1)
NET_VIRT_SLOT(2)
NET_VIRT_SLOT(3)
NET_VIRT_SLOT(4)
NET_VIRT_SLOT(5)
NET_VIRT_SLOT(6)
NET_VIRT_SLOT(7)
_Static_assert(NET_VIRT_MAX_CLIENTS == 8, "one NET_VIRT_SLOT line per client slot");

#define NET_VIRT_SLOT_FILL(s, i)                                                                            \
    do {                                                                                                    \
        (s)->rx = net_c##i##_rx;                                                                            \
        (s)->tx = net_c##i##_tx;                                                                            \
        (s)->rx_data = net_c##i##_rx_data;                                                                  \
        (s)->tx_data = net_c##i##_tx_data;                                                                  \
        (s)->grant = net_c##i##_grant;                                                                      \
        (s)->rx_size = net_c##i##_rx_size;                                                                  \
        (s)->tx_size = net_c##i##_tx_size;                                                                  \
        (s)->rx_data_size = net_c##i##_rx_data_size;                                                        \
        (s)->tx_data_size = net_c##i##_tx_data_size;                                                        \
        (s)->grant_size = net_c##i##_grant_size;                                                            \
    } while (0)

static net_virt_t virt;
static timer_clock_t lease_clock;

/* The timer's time, carried forward by the TSC between calls. */
static uint64_t clock_now(void *ctx)
{
    (void)ctx;
    static microkit_channel timer_channel = NET_VIRT_PD_TIMER_CH;
    return timer_clock_now(&lease_clock, timer_clock_rdtsc(), timer_pd_call, &timer_channel);
}

static void put_slot_error(const char *what, size_t slot)
{
    microkit_dbg_puts("net_virt: client slot ");
    microkit_dbg_putc((char)('0' + slot));
    microkit_dbg_puts(what);
}

void init(void)
{
    /* Static: a PD's stack is one page. */
    static net_virt_slot_t slots[NET_VIRT_MAX_CLIENTS];
    NET_VIRT_SLOT_FILL(&slots[0], 0);
    NET_VIRT_SLOT_FILL(&slots[1], 1);
    NET_VIRT_SLOT_FILL(&slots[2], 2);
    NET_VIRT_SLOT_FILL(&slots[3], 3);
    NET_VIRT_SLOT_FILL(&slots[4], 4);
    NET_VIRT_SLOT_FILL(&slots[5], 5);
    NET_VIRT_SLOT_FILL(&slots[6], 6);
    NET_VIRT_SLOT_FILL(&slots[7], 7);
    const net_virt_slot_defaults_t defaults = {.queue_size = NET_VIRT_PD_QUEUE_SIZE,
                                               .data_size = NET_VIRT_PD_CLIENT_DATA_SIZE,
                                               .grant_size = NET_VIRT_PD_GRANT_SIZE,
                                               .capacity = NET_VIRT_PD_CLIENT_CAP};
    static net_virt_cfg_t cfg;
    cfg.drv_rx_region = (void *)net_drv_rx;
    cfg.drv_rx_region_size = net_drv_rx_size != 0 ? net_drv_rx_size : NET_VIRT_PD_QUEUE_SIZE;
    cfg.drv_tx_region = (void *)net_drv_tx;
    cfg.drv_tx_region_size = net_drv_tx_size != 0 ? net_drv_tx_size : NET_VIRT_PD_QUEUE_SIZE;
    cfg.drv_capacity = NET_VIRT_PD_DRIVER_CAP;
    cfg.rx_dma = (uint8_t *)net_rx_dma;
    cfg.rx_dma_size = net_rx_dma_size != 0 ? net_rx_dma_size : NET_VIRT_PD_DMA_SIZE;
    cfg.tx_dma = (uint8_t *)net_tx_dma;
    cfg.tx_dma_size = net_tx_dma_size != 0 ? net_tx_dma_size : NET_VIRT_PD_DMA_SIZE;
    if ((microkit_pps >> NET_VIRT_PD_TIMER_CH) & 1u) {
        cfg.now_ns = clock_now;
    }
    size_t bad = 0;
    switch (net_virt_slots_config(slots, &defaults, &cfg, &bad)) {
    case NET_VIRT_SLOTS_OK:
        break;
    case NET_VIRT_SLOTS_NONE:
        microkit_dbg_puts("net_virt: the system description gives no client\n");
        return;
    case NET_VIRT_SLOTS_PARTIAL:
        put_slot_error(": some of its queue and data regions are not mapped\n", bad);
        return;
    case NET_VIRT_SLOTS_GAP:
        put_slot_error(": clients must be slots 0..n-1 without gaps\n", bad);
        return;
    }
    if (net_virt_init(&virt, &cfg) != NET_VIRT_OK) {
        microkit_dbg_puts("net_virt: bad configuration (a queue region too small for its capacity?)\n");
        return;
    }
    for (uint32_t i = 0; i < virt.client_count; i++) {
        const net_virt_client_t *c = &virt.clients[i];
        microkit_dbg_puts("net_virt: client ");
        microkit_dbg_putc((char)('0' + i));
        if (c->disabled) {
            microkit_dbg_puts(": grant rejected (");
            microkit_dbg_puts(net_config_strerror(c->grant_err));
            microkit_dbg_puts("), client disabled\n");
        } else if (c->filtered) {
            microkit_dbg_puts(": grant accepted, transmit filtered\n");
            if (c->grant.dhcp) {
                microkit_dbg_puts(cfg.now_ns != NULL ? "net_virt: DHCP leases end by the timer's clock\n"
                                                     : "net_virt: no timer channel: a DHCP lease lasts until a NAK\n");
            }
        } else {
            microkit_dbg_puts(": no grant region, raw Ethernet (source MAC only)\n");
        }
    }
}

#ifdef NET_VIRT_PD_STATS
/* Test builds: the counters on the console whenever a client's drop count
 * changed, and after every NET_VIRT_PD_STATS delivered frames. */
static void put_counter(const char *name, uint64_t v)
{
    microkit_dbg_puts(name);
    microkit_dbg_put32((uint32_t)v);
}

static void stats(void)
{
    static uint64_t last_drops, last_frames;
    uint64_t drops = 0, frames = 0;
    for (uint32_t i = 0; i < virt.client_count; i++) {
        drops += virt.clients[i].rx_dropped;
        frames += virt.clients[i].rx_frames;
    }
    if (drops == last_drops && frames - last_frames < NET_VIRT_PD_STATS) {
        return;
    }
    last_drops = drops;
    last_frames = frames;
    put_counter("net_virt: no-owner ", virt.rx_no_owner);
    put_counter(" bad-driver ", virt.bad_driver_descs);
    for (uint32_t i = 0; i < virt.client_count; i++) {
        put_counter(" | rx ", virt.clients[i].rx_frames);
        put_counter(" dropped ", virt.clients[i].rx_dropped);
        put_counter(" tx ", virt.clients[i].tx_frames);
        put_counter(" bad ", virt.clients[i].bad_descs);
    }
    for (uint32_t i = 0; i < virt.client_count; i++) {
        put_counter(" | filtered ", virt.clients[i].tx_filtered);
    }
    microkit_dbg_puts("\n");
}

/* The offload counters, on a line of their own (tests match the one above),
 * only when a drop for an offload rule or the driver's word changed, or
 * after every 256 delivered frames: the console is slow under emulation, and
 * the line above already comes with every frame in test builds. */
static void offload_stats(void)
{
    static uint64_t last_drops, last_frames;
    static uint32_t last_word;
    uint64_t drops = virt.rx_broken_chains + virt.rx_bad_offload + virt.rx_gso_to_all, frames = 0;
    for (uint32_t i = 0; i < virt.client_count; i++) {
        const net_virt_client_t *c = &virt.clients[i];
        drops += c->rx_gso_refused + c->tx_broken_chains + c->tx_bad_offload + c->tx_offload_refused;
        frames += c->rx_frames;
    }
    if (drops == last_drops && virt.drv_tx_offloads == last_word && frames - last_frames < 256) {
        return;
    }
    last_drops = drops;
    last_word = virt.drv_tx_offloads;
    last_frames = frames;
    put_counter("net_virt: offloads: driver-tx ", virt.drv_tx_offloads);
    put_counter(" rx-broken-chains ", virt.rx_broken_chains);
    put_counter(" rx-bad-offload ", virt.rx_bad_offload);
    put_counter(" rx-gso-to-all ", virt.rx_gso_to_all);
    for (uint32_t i = 0; i < virt.client_count; i++) {
        const net_virt_client_t *c = &virt.clients[i];
        put_counter(" | rx-gso ", c->rx_gso_frames);
        put_counter(" tx-gso ", c->tx_gso_frames);
        put_counter(" rx-gso-not-wanted ", c->rx_gso_refused);
        put_counter(" rx-csum-done ", c->rx_csum_completed);
        put_counter(" tx-broken-chains ", c->tx_broken_chains);
        put_counter(" tx-bad-offload ", c->tx_bad_offload);
        put_counter(" tx-offload-not-offered ", c->tx_offload_refused);
    }
    microkit_dbg_puts("\n");
}
#endif

void notified(microkit_channel ch)
{
    (void)ch;
    net_virt_poll(&virt);
#ifdef NET_VIRT_PD_STATS
    stats();
    offload_stats();
#endif
    /* The driver serves both directions from one channel. */
    if (virt.notify_drv_rx || virt.notify_drv_tx) {
        microkit_notify(NET_VIRT_PD_DRIVER_CH);
    }
    for (uint32_t i = 0; i < virt.client_count; i++) {
        if ((virt.notify_clients_rx | virt.notify_clients_tx) & (1u << i)) {
            microkit_notify(NET_VIRT_PD_CLIENT_CH(i));
        }
    }
}
