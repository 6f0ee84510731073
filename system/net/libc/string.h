/*
 * The few string functions lwIP uses, for freestanding builds only (the host
 * build uses the C library's). Implemented in system/net/libc/string.c as
 * weak symbols, so a PD runtime that brings its own wins at link time.
 */
#ifndef SUBSTRATE_NET_LIBC_STRING_H
#define SUBSTRATE_NET_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif
