/*
 * irqlevel test, helper (priority 100): answers every notification with one.
 * Being below the uart PD, it runs only when that PD waits, which makes its
 * answer a watchdog: see uart.c.
 */
#include <microkit.h>

void init(void)
{
}

void notified(microkit_channel ch)
{
    microkit_notify(ch);
}
