/*
 * lwIP's compiler and platform description for substrate.
 *
 * The same lwIP sources build twice: freestanding for protection domains and
 * hosted for the host tests and fuzz targets. Nothing here may depend on a
 * hosted C library: diagnostics and assertion failures go through two hooks
 * that the port (net_port.c) implements for each environment.
 */
#ifndef SUBSTRATE_NET_ARCH_CC_H
#define SUBSTRATE_NET_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

/* x86_64 only. */
#define BYTE_ORDER LITTLE_ENDIAN
/* Byte order by the compiler's builtins, inlined (one bswap or rotate).
 * lwIP's own are functions in def.c, a call and a return for every header
 * field it reads or writes: about two dozen per 64-byte round trip. */
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* No <inttypes.h>, <ctype.h> or <unistd.h> in a freestanding build. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#if !__STDC_HOSTED__
#define LWIP_NO_UNISTD_H 1 /* hosted builds take ssize_t from <unistd.h> */
#endif
#define X8_F  "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* lwIP's own errno values; the host's are never mixed in. */
#define LWIP_PROVIDE_ERRNO 1

void net_port_diag(const char *msg);
void net_port_assert_failed(const char *msg, const char *file, int line);
uint32_t net_port_rand(void);

/* Debug messages are dropped: lwIP formats them printf-style and we have no
 * printf in a PD. Assertions report and stop the stack (see net_port.c). */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) net_port_assert_failed((x), __FILE__, __LINE__)
#define LWIP_RAND() net_port_rand()

#endif
