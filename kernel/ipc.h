/*
 * Notifications, protected procedure calls, the receive loop's events, and
 * a parent's control of its children (restart, stop, fault replies).
 */
#ifndef SUBSTRATE_KERNEL_IPC_H
#define SUBSTRATE_KERNEL_IPC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/pd.h"

/*
 * Sets notification bit `bit` of `target` and wakes it if it is waiting; a
 * passive target runs on `donor`'s scheduling context (NULL for an IRQ).
 */
void ipc_signal(pd_t *target, uint32_t bit, const pd_t *donor);
uint64_t ipc_notify(pd_t *cur, uint64_t channel);
void ipc_ppcall(pd_t *cur, uint64_t channel, uint64_t msginfo);
void ipc_recv(pd_t *cur, uint64_t action, uint64_t arg);
uint64_t ipc_pd_restart(pd_t *cur, uint64_t child_id, uint64_t entry);
uint64_t ipc_pd_stop(pd_t *cur, uint64_t child_id);
/* Handles a protected call or its reply without the scheduler when it can; false otherwise. */
bool ipc_fastpath(pd_t *cur);
/* Hands the current PD's fault (already recorded in it) to its parent, or reports it. */
void ipc_fault(pd_t *pd);

#endif
