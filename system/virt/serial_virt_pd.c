/*
 * The serial virtualiser PD: a thin wrapper around system/virt/serial_virt.c.
 * Channel 0 is the UART driver; channels 1.. are the clients.
 */
#include <microkit.h>

#include "system/virt/serial_virt.h"

#define SERIAL_VIRT_PD_DRIVER_CH 0
#define SERIAL_VIRT_PD_CLIENT_CH(i) (1 + (i))
#ifndef SERIAL_VIRT_PD_CLIENTS
#define SERIAL_VIRT_PD_CLIENTS 3
#endif
#define SERIAL_VIRT_PD_REGION_SIZE 0x1000u
#define SERIAL_VIRT_PD_DRIVER_CAP 2048u
#define SERIAL_VIRT_PD_CLIENT_CAP 1024u

uintptr_t serial_drv_tx, serial_drv_rx;
uintptr_t serial_tx0, serial_rx0, serial_tx1, serial_rx1, serial_tx2, serial_rx2;

static serial_virt_t virt;

void init(void)
{
    serial_virt_cfg_t cfg = {.drv_tx_region = (void *)serial_drv_tx, .drv_tx_region_size = SERIAL_VIRT_PD_REGION_SIZE,
                             .drv_rx_region = (void *)serial_drv_rx, .drv_rx_region_size = SERIAL_VIRT_PD_REGION_SIZE,
                             .drv_capacity = SERIAL_VIRT_PD_DRIVER_CAP, .client_count = SERIAL_VIRT_PD_CLIENTS};
    uintptr_t tx[3] = {serial_tx0, serial_tx1, serial_tx2};
    uintptr_t rx[3] = {serial_rx0, serial_rx1, serial_rx2};
    for (uint32_t i = 0; i < SERIAL_VIRT_PD_CLIENTS; i++) {
        cfg.clients[i] = (serial_virt_client_cfg_t){.tx_region = (void *)tx[i], .tx_region_size = SERIAL_VIRT_PD_REGION_SIZE,
                                                    .rx_region = (void *)rx[i], .rx_region_size = SERIAL_VIRT_PD_REGION_SIZE,
                                                    .capacity = SERIAL_VIRT_PD_CLIENT_CAP};
    }
    if (serial_virt_init(&virt, &cfg) != SERIAL_VIRT_OK) {
        microkit_dbg_puts("serial_virt: bad configuration\n");
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
    serial_virt_poll(&virt);
    if (virt.notify_drv_tx || virt.notify_drv_rx_space) {
        microkit_notify(SERIAL_VIRT_PD_DRIVER_CH);
    }
    for (uint32_t i = 0; i < virt.client_count; i++) {
        if ((virt.notify_clients_rx | virt.notify_clients_tx) & (1u << i)) {
            microkit_notify(SERIAL_VIRT_PD_CLIENT_CH(i));
        }
    }
}
