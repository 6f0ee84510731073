/* budget test, spinner (priority 200, 1 ms every 10 ms): counts forever. */
#include <stdint.h>
#include <microkit.h>

uintptr_t spins;

void init(void)
{
    volatile uint64_t *count = (volatile uint64_t *)spins;
    for (;;) {
        uint64_t n = *count + 1;
        *count = n;
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
