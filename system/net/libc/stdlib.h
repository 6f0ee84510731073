/* lwIP names <stdlib.h> for atoi (netif_find); freestanding builds only. */
#ifndef SUBSTRATE_NET_LIBC_STDLIB_H
#define SUBSTRATE_NET_LIBC_STDLIB_H

#include <stddef.h>

int atoi(const char *s);

#endif
