/*
 * The serial virtualiser: several clients share one UART.
 *
 * Output: each client writes into its own transmit ring; the virtualiser
 * moves only whole lines (through '\n') into the driver's ring, one line per
 * client per pass, so two clients' lines never interleave. A client whose
 * ring fills without a newline has its ring's worth forwarded as one piece,
 * so a client cannot block the console by never ending a line.
 * Input: characters from the driver go to the selected client. Typing
 * SERIAL_VIRT_SWITCH (Ctrl-\) and then a digit selects that client. If the
 * selected client does not read, its input is dropped; nothing waits for it.
 */
#ifndef SUBSTRATE_SYSTEM_VIRT_SERIAL_VIRT_H
#define SUBSTRATE_SYSTEM_VIRT_SERIAL_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include "ddf/serial.h"

#define SERIAL_VIRT_MAX_CLIENTS 8
#define SERIAL_VIRT_SWITCH 0x1Cu   /* Ctrl-\ */

typedef struct {
    void *tx_region; size_t tx_region_size;   /* client -> virtualiser */
    void *rx_region; size_t rx_region_size;   /* virtualiser -> client */
    uint32_t capacity;
} serial_virt_client_cfg_t;

typedef struct {
    void *drv_tx_region; size_t drv_tx_region_size;   /* virtualiser -> driver */
    void *drv_rx_region; size_t drv_rx_region_size;   /* driver -> virtualiser */
    uint32_t drv_capacity;     /* at least every client's capacity */
    size_t client_count;
    serial_virt_client_cfg_t clients[SERIAL_VIRT_MAX_CLIENTS];
} serial_virt_cfg_t;

typedef struct {
    serial_queue_t tx, rx;
    uint64_t lines, rx_dropped;
    bool broken;
} serial_virt_client_t;

typedef struct {
    serial_queue_t drv_tx, drv_rx;
    size_t client_count;
    serial_virt_client_t clients[SERIAL_VIRT_MAX_CLIENTS];
    uint32_t selected;          /* client receiving input */
    bool switch_pending;        /* SERIAL_VIRT_SWITCH seen, digit expected */
    uint32_t next_client;
    bool notify_drv_tx, notify_drv_rx_space;
    uint32_t notify_clients_rx;   /* bit i: client i has input */
    uint32_t notify_clients_tx;   /* bit i: client i has space again */
} serial_virt_t;

typedef enum { SERIAL_VIRT_OK = 0, SERIAL_VIRT_EINVAL } serial_virt_err_t;

serial_virt_err_t serial_virt_init(serial_virt_t *v, const serial_virt_cfg_t *cfg);
void serial_virt_poll(serial_virt_t *v);

#endif
