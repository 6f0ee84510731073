/* What the ppcall test's client and server agree on. */
#ifndef SUBSTRATE_TESTS_KERNEL_PPCALL_H
#define SUBSTRATE_TESTS_KERNEL_PPCALL_H

#include <stdint.h>

#define PPCALL_CALLS 3000
#define PPCALL_WORDS 64
#define PPCALL_CLIENT_CH 3   /* the client's end */
#define PPCALL_SERVER_CH 7   /* the server's end */
#define PPCALL_LABEL_REPORT 0xFFFF /* asks the server for its statistics */

/* Word i of request n, and the server's answer to it. */
static inline uint64_t ppcall_request_word(uint64_t n, unsigned i)
{
    return (n * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)i << 56) ^ (uint64_t)i;
}

static inline uint64_t ppcall_reply_word(uint64_t request, unsigned i)
{
    return ~request + (uint64_t)i * 0x100000001ull;
}

#endif
