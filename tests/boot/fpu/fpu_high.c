/* high: keeps its own xmm15 and x87 control word across every switch. */
#include <microkit.h>

#include "tests/boot/fpu/fpu.h"

#define LOW 0
#define MINE 0x5555666677778888ull
#define MY_CW 0x037F

static unsigned int bad, runs;

void init(void)
{
    fpu_set(MINE, MY_CW);
}

void notified(microkit_channel ch)
{
    if (ch != LOW)
        return;
    if (fpu_get_xmm() != MINE || fpu_get_cw() != MY_CW) {
        if (!bad++)
            microkit_dbg_puts("fpu: high's state was corrupted\n");
    }
    runs++;
    /* Put our values back, so that low sees them if the kernel mixes the two up. */
    fpu_set(MINE, MY_CW);
    microkit_notify(LOW);
}
