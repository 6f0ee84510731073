/*
 * The protection-domain half of a network client: the Microkit event loop
 * around the stack (net_stack.h), its link to the network virtualiser
 * (net_link.h) and the L2 timer (ddf/timer.h). A service PD calls
 * net_client_pd_init() from init() and net_client_pd_notified() from
 * notified(), and otherwise uses only system/net/sock.h.
 *
 * Restart: a PD restarted by its parent starts again at init() with its
 * memory as it was. net_client_pd_init() notices and wipes the stack's state
 * (lwIP's and the sockets', kept in the `net_state` section) before starting
 * afresh, and the link recovers its buffers from the queues (net_link.c).
 */
#ifndef SUBSTRATE_NET_CLIENT_PD_H
#define SUBSTRATE_NET_CLIENT_PD_H

#include <microkit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "system/net/net_link.h"

typedef struct {
    microkit_channel rx_channel;    /* virtualiser, receive queues */
    microkit_channel tx_channel;    /* virtualiser, transmit queues */
    microkit_channel timer_channel; /* timer driver, protected calls */
    bool has_tick;                  /* a periodic wake-up on tick_channel, for */
    microkit_channel tick_channel;  /* timer drivers that fire no timeouts */
    net_link_region_t rx, tx;
    uint32_t capacity;              /* ring capacity, as the system description sizes it */
    const char *config;             /* the grant text (net_config.h) */
    size_t config_len;
} net_client_pd_cfg_t;

/* Returns 0, or -1 after printing why (bad grant, bad regions). */
int net_client_pd_init(const net_client_pd_cfg_t *cfg);

/* Handles a notification; false when `ch` is none of the stack's. */
bool net_client_pd_notified(microkit_channel ch);

/* Prints "NAME: MESSAGE a.b.c.d\n" on the debug console. */
void net_client_pd_print_ip(const char *message, uint32_t ip);

#endif
