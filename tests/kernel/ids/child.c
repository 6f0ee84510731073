/* ids test, child 61 of low: faults once at a known address. */
#include <stdint.h>
#include <microkit.h>

void init(void)
{
    *(volatile uint64_t *)0x6100000ull = 61;
}

void notified(microkit_channel ch)
{
    (void)ch;
}
