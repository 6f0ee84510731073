/* pong: answers every notification from ping with one of its own. */
#include <microkit.h>

#define PING 0

static unsigned int count;

void init(void)
{
    microkit_dbg_puts("pong: ready\n");
}

void notified(microkit_channel ch)
{
    if (ch != PING)
        return;
    count++;
    microkit_dbg_puts("pong: got ping ");
    microkit_dbg_put32(count);
    microkit_dbg_puts("\n");
    microkit_notify(PING);
}
