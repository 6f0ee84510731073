/*
 * The block virtualiser PD: a thin wrapper around system/virt/blk_virt.c.
 *
 * The virtio-blk driver is its child: when the driver faults, this PD resets
 * the driver's connection, keeps every outstanding request, restarts the
 * driver, and re-issues the requests once the driver is ready again.
 */
#include <microkit.h>

#include "system/virt/blk_virt.h"
#include "system/virt/blk_virt_pd.h"

/* Patched by the builder (setvar). */
uintptr_t blk_drv_queue;
uintptr_t blk_dma;
uintptr_t blk_client_queue0, blk_client_queue1;
uintptr_t blk_client_data0, blk_client_data1;

static blk_virt_t virt;

static void flush_notifications(void)
{
    if (virt.notify_driver) {
        microkit_notify(BLK_VIRT_PD_DRIVER_CH);
    }
    for (uint32_t i = 0; i < virt.client_count; i++) {
        if (virt.notify_clients & (1u << i)) {
            microkit_notify(BLK_VIRT_PD_CLIENT_CH(i));
        }
    }
}

void init(void)
{
    blk_virt_cfg_t cfg = {.driver_region = (void *)blk_drv_queue, .driver_region_size = BLK_VIRT_PD_QUEUE_SIZE,
                          .driver_capacity = BLK_VIRT_PD_DRIVER_CAP, .dma = (uint8_t *)blk_dma,
                          .dma_size = BLK_VIRT_PD_DMA_SIZE, .client_count = BLK_VIRT_PD_CLIENTS};
    uintptr_t queues[2] = {blk_client_queue0, blk_client_queue1};
    uintptr_t data[2] = {blk_client_data0, blk_client_data1};
    for (uint32_t i = 0; i < BLK_VIRT_PD_CLIENTS; i++) {
        cfg.clients[i] = (blk_virt_client_cfg_t){.region = (void *)queues[i], .region_size = BLK_VIRT_PD_QUEUE_SIZE,
                                                 .capacity = BLK_VIRT_PD_CLIENT_CAP, .data = (uint8_t *)data[i],
                                                 .data_size = BLK_VIRT_PD_CLIENT_DATA_SIZE, .partition = i};
    }
    if (blk_virt_init(&virt, &cfg) != BLK_VIRT_OK) {
        microkit_dbg_puts("blk_virt: bad configuration\n");
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
    blk_virt_state_t before = virt.state;
    blk_virt_poll(&virt);
    if (before != virt.state && virt.state == BLK_VIRT_NO_TABLE) {
        microkit_dbg_puts("blk_virt: no usable partition table: ");
        microkit_dbg_puts(blk_part_err_str(virt.table_err));
        microkit_dbg_puts("\n");
    }
    flush_notifications();
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply_msginfo)
{
    (void)msginfo;
    (void)reply_msginfo;
    if (child != BLK_VIRT_PD_DRIVER_CHILD) {
        return seL4_False;
    }
    microkit_dbg_puts("blk_virt: driver faulted; restarting it and re-issuing outstanding requests\n");
    blk_virt_driver_fault(&virt);
    microkit_pd_restart(child, BLK_VIRT_PD_ENTRY);
    return seL4_False;
}
