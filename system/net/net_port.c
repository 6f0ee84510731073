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
#include "system/net/net_stack.h"

static uint64_t net_rand_state = 0x9E3779B97F4A7C15ull;

void net_port_seed(uint64_t seed)
{
    net_rand_state ^= seed * 0xBF58476D1CE4E5B9ull;
    if (net_rand_state == 0) {
        net_rand_state = 0x9E3779B97F4A7C15ull;
    }
}

/* xorshift64*: ports and DHCP/DNS transaction ids only; see docs/net.md on
 * what it does not protect against. */
uint32_t net_port_rand(void)
{
    uint64_t x = net_rand_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    net_rand_state = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
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
