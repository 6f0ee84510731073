/*
 * The network virtualiser PD: a thin wrapper around system/virt/net_virt.c.
 * Channel 0 is the driver; channel 1 + i is client i. Client i's grant is the
 * read-only region at net_c<i>_grant (the same region the client maps as
 * net_config, filled from the grant file its system description names with
 * prefill_path); its MAC is the grant's and its frames are filtered by it.
 * Without that region a client is a raw Ethernet client with the fallback
 * MAC 52:54:00:00:00:a1 + 0x11 * i and only its source MAC enforced (the
 * driver framework's own test system, and systems not yet given grants).
 */
#include <microkit.h>

#include "system/virt/net_virt.h"

#define NET_VIRT_PD_DRIVER_CH 0
#define NET_VIRT_PD_CLIENT_CH(i) (1 + (i))
#define NET_VIRT_PD_CLIENTS 2
#define NET_VIRT_PD_QUEUE_SIZE 0x2000u
#define NET_VIRT_PD_DRIVER_CAP 128u
#define NET_VIRT_PD_CLIENT_CAP 64u
#define NET_VIRT_PD_DMA_SIZE 0x40000u
#define NET_VIRT_PD_CLIENT_DATA_SIZE 0x20000u
#define NET_VIRT_PD_GRANT_SIZE 0x1000u

uintptr_t net_drv_rx, net_drv_tx, net_rx_dma, net_tx_dma;
uintptr_t net_c0_rx, net_c0_tx, net_c0_rx_data, net_c0_tx_data;
uintptr_t net_c1_rx, net_c1_tx, net_c1_rx_data, net_c1_tx_data;
uintptr_t net_c0_grant __attribute__((section(".data")));
uintptr_t net_c1_grant __attribute__((section(".data")));

static net_virt_t virt;

void init(void)
{
    net_virt_cfg_t cfg = {.drv_rx_region = (void *)net_drv_rx, .drv_rx_region_size = NET_VIRT_PD_QUEUE_SIZE,
                          .drv_tx_region = (void *)net_drv_tx, .drv_tx_region_size = NET_VIRT_PD_QUEUE_SIZE,
                          .drv_capacity = NET_VIRT_PD_DRIVER_CAP, .rx_dma = (uint8_t *)net_rx_dma,
                          .rx_dma_size = NET_VIRT_PD_DMA_SIZE, .tx_dma = (uint8_t *)net_tx_dma,
                          .tx_dma_size = NET_VIRT_PD_DMA_SIZE, .client_count = NET_VIRT_PD_CLIENTS};
    uintptr_t rx[2] = {net_c0_rx, net_c1_rx}, tx[2] = {net_c0_tx, net_c1_tx};
    uintptr_t rxd[2] = {net_c0_rx_data, net_c1_rx_data}, txd[2] = {net_c0_tx_data, net_c1_tx_data};
    uintptr_t grant[2] = {net_c0_grant, net_c1_grant};
    for (uint32_t i = 0; i < NET_VIRT_PD_CLIENTS; i++) {
        cfg.clients[i] = (net_virt_client_cfg_t){
            .rx_region = (void *)rx[i], .rx_region_size = NET_VIRT_PD_QUEUE_SIZE, .tx_region = (void *)tx[i],
            .tx_region_size = NET_VIRT_PD_QUEUE_SIZE, .capacity = NET_VIRT_PD_CLIENT_CAP,
            .rx_data = (uint8_t *)rxd[i], .rx_data_size = NET_VIRT_PD_CLIENT_DATA_SIZE,
            .tx_data = (uint8_t *)txd[i], .tx_data_size = NET_VIRT_PD_CLIENT_DATA_SIZE,
            .grant = (const uint8_t *)grant[i], .grant_size = grant[i] != 0 ? NET_VIRT_PD_GRANT_SIZE : 0,
            .mac = {0x52, 0x54, 0x00, 0x00, 0x00, (uint8_t)(0xA1 + 0x11 * i)}};
    }
    if (net_virt_init(&virt, &cfg) != NET_VIRT_OK) {
        microkit_dbg_puts("net_virt: bad configuration\n");
        return;
    }
    for (uint32_t i = 0; i < NET_VIRT_PD_CLIENTS; i++) {
        const net_virt_client_t *c = &virt.clients[i];
        microkit_dbg_puts("net_virt: client ");
        microkit_dbg_putc((char)('0' + i));
        if (c->disabled) {
            microkit_dbg_puts(": grant rejected (");
            microkit_dbg_puts(net_config_strerror(c->grant_err));
            microkit_dbg_puts("), client disabled\n");
        } else if (c->filtered) {
            microkit_dbg_puts(": grant accepted, transmit filtered\n");
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
#endif

void notified(microkit_channel ch)
{
    (void)ch;
    net_virt_poll(&virt);
#ifdef NET_VIRT_PD_STATS
    stats();
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
