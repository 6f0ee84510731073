/*
 * libFuzzer target: the network virtualiser under hostile clients and a
 * hostile driver. The input is a script of operations: frames arriving,
 * raw descriptors from clients and driver, scribbles over shared indices,
 * polls, bytes a client writes into its transmit buffers. After every poll
 * the ownership invariant must hold: each DMA buffer is either idle in the
 * virtualiser or lent to the driver, exactly once. Client 1 has a grant, and
 * every frame of its that reaches the driver must pass that grant's filter.
 */
#include <stdlib.h>
#include <string.h>

#include "system/net/net_filter.h"
#include "system/virt/net_virt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 16u
#define BUFS 16u
#define DATA (BUFS * NET_BUFFER_SIZE)

static _Alignas(64) uint8_t drv_rx_region[2048], drv_tx_region[2048];
static _Alignas(64) uint8_t cli_rx_region[2][2048], cli_tx_region[2][2048];
static uint8_t rx_dma[DATA], tx_dma[DATA], cli_rx_data[2][DATA], cli_tx_data[2][DATA];
static net_virt_t virt;
static const char grant1[] = "mac=02:00:00:00:00:02 ip=10.0.2.16/24 tcp=7,8000-8010 udp=53";

static void check_invariants(void)
{
    uint32_t lent = 0;
    for (uint32_t b = 0; b < virt.rx_bufs; b++) {
        lent += virt.rx_at_driver[b];
    }
    for (uint32_t i = 0; i < virt.rx_idle_count; i++) {
        if (virt.rx_at_driver[virt.rx_idle[i]]) {
            abort();
        }
    }
    if (lent + virt.rx_idle_count != virt.rx_bufs) {
        abort();
    }
    lent = 0;
    for (uint32_t b = 0; b < virt.tx_bufs; b++) {
        lent += virt.tx_at_driver[b];
    }
    if (lent + virt.tx_idle_count != virt.tx_bufs) {
        abort();
    }
}

static uint64_t take64(const uint8_t **p, size_t *n)
{
    uint64_t v = 0;
    size_t k = *n < 8 ? *n : 8;
    memcpy(&v, *p, k);
    *p += k;
    *n -= k;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t macs[3][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
    net_virt_cfg_t cfg = {.drv_rx_region = drv_rx_region, .drv_rx_region_size = sizeof(drv_rx_region),
                          .drv_tx_region = drv_tx_region, .drv_tx_region_size = sizeof(drv_tx_region),
                          .drv_capacity = CAP, .rx_dma = rx_dma, .rx_dma_size = DATA, .tx_dma = tx_dma,
                          .tx_dma_size = DATA, .client_count = 2};
    for (int i = 0; i < 2; i++) {
        cfg.clients[i] = (net_virt_client_cfg_t){
            .rx_region = cli_rx_region[i], .rx_region_size = sizeof(cli_rx_region[i]),
            .tx_region = cli_tx_region[i], .tx_region_size = sizeof(cli_tx_region[i]), .capacity = CAP,
            .rx_data = cli_rx_data[i], .rx_data_size = DATA, .tx_data = cli_tx_data[i], .tx_data_size = DATA};
        memcpy(cfg.clients[i].mac, macs[i], 6);
    }
    cfg.clients[1].grant = (const uint8_t *)grant1;
    cfg.clients[1].grant_size = sizeof grant1;
    if (net_virt_init(&virt, &cfg) != NET_VIRT_OK) {
        abort();
    }
    net_queue_t drv_rx, drv_tx, cli_rx[2], cli_tx[2];
    (void)net_attach(&drv_rx, drv_rx_region, sizeof(drv_rx_region), CAP, true, false);
    (void)net_attach(&drv_tx, drv_tx_region, sizeof(drv_tx_region), CAP, false, false);
    for (int i = 0; i < 2; i++) {
        (void)net_attach(&cli_rx[i], cli_rx_region[i], sizeof(cli_rx_region[i]), CAP, false, false);
        (void)net_attach(&cli_tx[i], cli_tx_region[i], sizeof(cli_tx_region[i]), CAP, true, false);
    }
    net_virt_poll(&virt);
    while (size > 0) {
        uint8_t op = *data++;
        size--;
        int c = (op >> 4) & 1;
        net_buff_desc_t d;
        switch (op & 0xF) {
        case 0: { /* a frame arrives in the next lent buffer: dst choice, length, payload */
            if (net_dequeue_free(&drv_rx, &d) != DDF_RING_OK) {
                break;
            }
            uint64_t v = take64(&data, &size);
            uint16_t len = (uint16_t)(v & 0xFFF);
            if (d.offset <= DATA - NET_BUFFER_SIZE && d.offset % NET_BUFFER_SIZE == 0) {
                memcpy(rx_dma + d.offset, macs[(op >> 5) % 3], 6);
                rx_dma[d.offset + 14] = (uint8_t)(v >> 16);
            }
            (void)net_enqueue_active(&drv_rx, d.offset, len);
            break;
        }
        case 1: /* client offers a raw receive descriptor */
            (void)net_enqueue_free(&cli_rx[c], take64(&data, &size), (uint16_t)take64(&data, &size));
            break;
        case 2: /* client queues a raw transmit descriptor */
            (void)net_enqueue_active(&cli_tx[c], take64(&data, &size), (uint16_t)take64(&data, &size));
            break;
        case 3: /* scribble over a shared index */
            ((uint32_t *)(op & 0x20 ? cli_rx_region[c] : cli_tx_region[c]))[(op >> 6) * 16] =
                (uint32_t)take64(&data, &size);
            break;
        case 4: /* driver returns a raw receive descriptor */
            (void)net_enqueue_active(&drv_rx, take64(&data, &size), (uint16_t)take64(&data, &size));
            break;
        case 5: /* driver sends what it has; client 1's frames must obey its grant */
            while (net_dequeue_active(&drv_tx, &d) == DDF_RING_OK) {
                if (d.offset <= DATA - NET_BUFFER_SIZE && d.len <= NET_BUFFER_SIZE &&
                    memcmp(tx_dma + d.offset + 6, macs[1], 6) == 0 &&
                    net_filter_tx(&virt.clients[1].grant, tx_dma + d.offset, d.len) != NET_FILTER_PASS) {
                    abort();
                }
                (void)net_enqueue_free(&drv_tx, d.offset, 0);
            }
            break;
        case 6: /* driver returns a raw transmit descriptor */
            (void)net_enqueue_free(&drv_tx, take64(&data, &size), 0);
            break;
        case 7: /* client reads what it got */
            while (net_dequeue_active(&cli_rx[c], &d) == DDF_RING_OK) {
                (void)net_enqueue_free(&cli_rx[c], d.offset, 0);
            }
            break;
        case 8: { /* client writes 8 bytes into its transmit data */
            uint64_t at = take64(&data, &size) % (DATA - 8);
            uint64_t v = take64(&data, &size);
            memcpy(cli_tx_data[c] + at, &v, 8);
            break;
        }
        case 9: /* client writes a plausible IPv4 UDP header at a slot */
        {
            uint8_t *f = cli_tx_data[c] + ((op >> 5) % BUFS) * NET_BUFFER_SIZE;
            static const uint8_t hdr[] = {0x08, 0x00, 0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 2, 16};
            memcpy(f + 12, hdr, sizeof hdr);
            uint64_t v = take64(&data, &size);
            memcpy(f + 26, &v, 8); /* source and destination address */
            v = take64(&data, &size);
            memcpy(f + 34, &v, 4); /* ports */
            break;
        }
        default:
            net_virt_poll(&virt);
            check_invariants();
            break;
        }
    }
    net_virt_poll(&virt);
    check_invariants();
    return 0;
}
