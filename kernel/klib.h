/*
 * The few library routines the freestanding kernel needs. The compiler may
 * also emit calls to memset and memcpy itself, so those names exist too.
 */
#ifndef SUBSTRATE_KERNEL_KLIB_H
#define SUBSTRATE_KERNEL_KLIB_H

#include <stddef.h>
#include <stdint.h>

void *k_memset(void *dst, int c, size_t n);
void *k_memcpy(void *dst, const void *src, size_t n);

#define K_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
