/* The example's crasher: says so, then writes to an unmapped address. */
#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("crasher: crashing\n");
    *(volatile int *)0x100000 = 0;
}

void notified(microkit_channel ch)
{
}
