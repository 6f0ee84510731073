/*
 * low: sets its own xmm15 and x87 control word, wakes `high` (which sets
 * different ones), and checks its values are intact each time it runs again.
 * Ends the run with the verdict on the exit device.
 */
#include <microkit.h>

#include "tests/boot/fpu/fpu.h"

#define HIGH 0
#define ROUNDS 1000
#define MINE 0x1111222233334444ull
#define MY_CW 0x027F

static unsigned int round_number, bad;

static void finish(void)
{
    microkit_dbg_puts(bad ? "fpu: state was corrupted\n" : "fpu: 1000 round trips, state intact in both PDs\n");
    microkit_x86_ioport_write_32(0, 0xf4, bad ? 1 : 0);
}

void init(void)
{
    fpu_set(MINE, MY_CW);
    microkit_notify(HIGH);
}

void notified(microkit_channel ch)
{
    if (ch != HIGH)
        return;
    if (fpu_get_xmm() != MINE || fpu_get_cw() != MY_CW)
        bad++;
    if (++round_number == ROUNDS) {
        finish();
        return;
    }
    microkit_notify(HIGH);
}
