/*
 * The serial virtualiser (see serial_virt.h for the model).
 *
 * Owns: which client gets input, the order in which clients' lines go out.
 * Invariants: the driver's ring only ever receives a client's characters as a
 * complete line (or a full ring's worth), copied in one go, so lines stay
 * whole; a client's characters are copied out of its ring exactly once.
 * Must never: wait for a client.
 */
#include "system/virt/serial_virt.h"

#include <string.h>

serial_virt_err_t serial_virt_init(serial_virt_t *v, const serial_virt_cfg_t *cfg)
{
    serial_queue_t probe;
    if (v == NULL || cfg == NULL || cfg->client_count == 0 || cfg->client_count > SERIAL_VIRT_MAX_CLIENTS ||
        serial_attach(&probe, cfg->drv_tx_region, cfg->drv_tx_region_size, cfg->drv_capacity, true, false) !=
            DDF_RING_OK ||
        serial_attach(&probe, cfg->drv_rx_region, cfg->drv_rx_region_size, cfg->drv_capacity, false, false) !=
            DDF_RING_OK) {
        return SERIAL_VIRT_EINVAL;
    }
    for (size_t i = 0; i < cfg->client_count; i++) {
        const serial_virt_client_cfg_t *c = &cfg->clients[i];
        if (c->capacity > cfg->drv_capacity ||
            serial_attach(&probe, c->tx_region, c->tx_region_size, c->capacity, false, false) != DDF_RING_OK ||
            serial_attach(&probe, c->rx_region, c->rx_region_size, c->capacity, true, false) != DDF_RING_OK) {
            return SERIAL_VIRT_EINVAL;
        }
    }
    memset(v, 0, sizeof(*v));
    (void)serial_attach(&v->drv_tx, cfg->drv_tx_region, cfg->drv_tx_region_size, cfg->drv_capacity, true, true);
    (void)serial_attach(&v->drv_rx, cfg->drv_rx_region, cfg->drv_rx_region_size, cfg->drv_capacity, false, true);
    v->client_count = cfg->client_count;
    for (size_t i = 0; i < cfg->client_count; i++) {
        const serial_virt_client_cfg_t *c = &cfg->clients[i];
        (void)serial_attach(&v->clients[i].tx, c->tx_region, c->tx_region_size, c->capacity, false, true);
        (void)serial_attach(&v->clients[i].rx, c->rx_region, c->rx_region_size, c->capacity, true, true);
    }
    return SERIAL_VIRT_OK;
}

/* Length of the piece client `c` may send now: through its first '\n', or its
 * whole ring when full; 0 when it has no complete line. */
static uint32_t piece_length(serial_virt_client_t *c)
{
    ddf_ring_err_t err;
    uint32_t waiting = ddf_ring_count(&c->tx.ring, &err);
    if (err != DDF_RING_OK) {
        c->broken = true;
        return 0;
    }
    for (uint32_t i = 0; i < waiting; i++) {
        uint8_t ch;
        if (serial_peek_at(&c->tx, i, &ch) != DDF_RING_OK) {
            return 0;
        }
        if (ch == '\n') {
            return i + 1;
        }
    }
    return waiting == c->tx.ring.capacity ? waiting : 0;
}

/* Moves one line of client i to the driver; true if it did. */
static bool forward_line(serial_virt_t *v, uint32_t i)
{
    serial_virt_client_t *c = &v->clients[i];
    if (c->broken) {
        return false;
    }
    uint32_t n = piece_length(c);
    ddf_ring_err_t err;
    uint32_t used = ddf_ring_count(&v->drv_tx.ring, &err);
    if (n == 0 || err != DDF_RING_OK || v->drv_tx.ring.capacity - used < n) {
        return false;
    }
    for (uint32_t k = 0; k < n; k++) {
        uint8_t ch = 0;
        (void)serial_get(&c->tx, &ch);     /* present: counted above, and only we consume */
        (void)serial_put(&v->drv_tx, ch);  /* room: checked above, and only we produce */
    }
    c->lines++;
    v->notify_drv_tx = true;
    if (serial_should_notify_space(&c->tx)) {
        v->notify_clients_tx |= 1u << i;
    }
    return true;
}

static void route_input(serial_virt_t *v)
{
    uint8_t ch;
    bool took = false;
    while (serial_get(&v->drv_rx, &ch) == DDF_RING_OK) {
        took = true;
        if (v->switch_pending) {
            v->switch_pending = false;
            if (ch >= '0' && ch < '0' + v->client_count) {
                v->selected = (uint32_t)(ch - '0');
                continue;
            }
        } else if (ch == SERIAL_VIRT_SWITCH) {
            v->switch_pending = true;
            continue;
        }
        serial_virt_client_t *c = &v->clients[v->selected];
        if (serial_put(&c->rx, ch) != DDF_RING_OK) {
            c->rx_dropped++;
            continue;
        }
        v->notify_clients_rx |= 1u << v->selected;
    }
    if (took && serial_should_notify_space(&v->drv_rx)) {
        v->notify_drv_rx_space = true;
    }
}

void serial_virt_poll(serial_virt_t *v)
{
    v->notify_drv_tx = v->notify_drv_rx_space = false;
    v->notify_clients_rx = v->notify_clients_tx = 0;
    if (v->client_count == 0) {
        return;
    }
    route_input(v);
    bool progress = true;
    while (progress) {
        progress = false;
        for (uint32_t k = 0; k < v->client_count; k++) {
            if (forward_line(v, (v->next_client + k) % (uint32_t)v->client_count)) {
                progress = true;
            }
        }
        v->next_client = (v->next_client + 1) % (uint32_t)v->client_count;
    }
    if (v->notify_drv_tx && !serial_should_notify(&v->drv_tx)) {
        v->notify_drv_tx = false;
    }
    /* While the driver still has characters to send, ask it to tell us when it
     * has taken some: a client's next line may be waiting for that room. */
    if (!serial_empty(&v->drv_tx)) {
        serial_request_space_signal(&v->drv_tx);
    }
}
