/*
 * A periodic wake-up for network clients while no timer driver PD fires
 * timeouts: at the lowest priority it watches the TSC and notifies each
 * client every few milliseconds, so lwIP's timers (retransmission, delayed
 * ACK, ARP, DHCP) run. Channels 0 and 1 are the two clients.
 */
#include <microkit.h>
#include <stdint.h>

#define TICKER_CLIENTS 2
#define TICKER_PERIOD_CYCLES 20000000u /* about 5-10 ms at the TSC rates QEMU shows */

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (uint64_t)hi << 32 | lo;
}

void init(void)
{
    uint64_t last = rdtsc();
    for (;;) {
        uint64_t now = rdtsc();
        if (now - last >= TICKER_PERIOD_CYCLES) {
            last = now;
            for (microkit_channel ch = 0; ch < TICKER_CLIENTS; ch++) {
                microkit_notify(ch);
            }
        }
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
