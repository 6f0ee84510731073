/*
 * Notifications, protected procedure calls, the receive loop's events, and
 * a parent's control of its children (restart, stop, fault replies).
 */
#ifndef SUBSTRATE_KERNEL_IPC_H
#define SUBSTRATE_KERNEL_IPC_H

#include <stdint.h>

#include "kernel/pd.h"

/* Sets notification bit `bit` of `target` and wakes it if it is waiting. */
void ipc_signal(pd_t *target, uint32_t bit);
uint64_t ipc_notify(pd_t *cur, uint64_t channel);
void ipc_ppcall(pd_t *cur, uint64_t channel, uint64_t msginfo);
void ipc_recv(pd_t *cur, uint64_t action, uint64_t arg);
uint64_t ipc_pd_restart(pd_t *cur, uint64_t child_id, uint64_t entry);
uint64_t ipc_pd_stop(pd_t *cur, uint64_t child_id);
/* Hands the current PD's fault (already recorded in it) to its parent, or reports it. */
void ipc_fault(pd_t *pd);

#endif
