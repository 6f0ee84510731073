/* faults test, child 1: faults at once, at an address that names it. */
#include <stdint.h>
#include <microkit.h>

void init(void)
{
    *(volatile uint64_t *)(0x1000000ull * 1) = 1;
}

void notified(microkit_channel ch)
{
    (void)ch;
}
