/*
 * The platform half of the lwIP port (arch/cc.h): random numbers and the
 * assertion hook. Time (sys_now) lives with the stack, which owns the link's
 * clock.
 *
 * lwIP asserts only internal invariants; reaching one means the stack's state
 * is corrupt, so we stop here (a trap) and let the PD's parent restart it.
 * Continuing would risk sending garbage on the wire.
 */
#include <stddef.h>
#include <stdint.h>

#include "system/net/arch/cc.h"
#include "system/net/net_random.h"
#include "system/net/net_stack.h"

/* LWIP_RAND: ports and DHCP/DNS transaction ids, from the keyed generator
 * (net_random.h), never a plain counter or LCG. */
void net_port_seed(uint64_t seed)
{
    net_random_mix(&seed, sizeof seed);
}

uint32_t net_port_rand(void)
{
    return net_random_u32();
}

void net_port_diag(const char *msg)
{
    (void)msg;
}

void net_port_assert_failed(const char *msg, const char *file, int line)
{
    (void)msg;
    (void)file;
    (void)line;
    __builtin_trap();
}
