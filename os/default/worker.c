/*
 * worker: a child that crashes on its first run. Its memory survives the
 * restart, so the second run sees that it already crashed once and works.
 */
#include <microkit.h>

#define CLIENT 0

static volatile unsigned int runs;
/* Nothing is mapped at the bottom of a PD's address space. */
static int *volatile unmapped = (int *)0x10;

void init(void)
{
    runs++;
    if (runs == 1) {
        microkit_dbg_puts("worker: first run, touching an unmapped address\n");
        *unmapped = 1;
    }
    microkit_dbg_puts("worker: run ");
    microkit_dbg_put32(runs);
    microkit_dbg_puts(" is healthy\n");
    microkit_notify(CLIENT);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
