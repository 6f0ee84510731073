/*
 * I/O port access on behalf of a PD, through a granted ioport id.
 */
#ifndef SUBSTRATE_KERNEL_IOPORT_H
#define SUBSTRATE_KERNEL_IOPORT_H

#include <stdint.h>

#include "kernel/pd.h"

uint64_t ioport_out(const pd_t *cur, uint64_t id, uint64_t port, uint64_t width, uint64_t value);
uint64_t ioport_in(const pd_t *cur, uint64_t id, uint64_t port, uint64_t width, uint64_t *value);

#endif
