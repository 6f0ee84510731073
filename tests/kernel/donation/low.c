/* donation test, low (priority 100): counts forever in the shared page. */
#include <stdint.h>
#include <microkit.h>

uintptr_t counter;

void init(void)
{
    volatile uint64_t *c = (volatile uint64_t *)counter;
    for (;;)
        *c = *c + 1;
}

void notified(microkit_channel ch)
{
    (void)ch;
}
