/*
 * ids test, high (passive, priority 200): answers a call with the channel it
 * came in on, and answers a notification on channel c by notifying back on
 * the other channel, so the low PD sees both edge ids arrive.
 */
#include <stdint.h>
#include <microkit.h>

void init(void)
{
}

void notified(microkit_channel ch)
{
    /* Back on both, in the opposite order: delivery order is the receiver's. */
    (void)ch;
    microkit_notify(61);
    microkit_notify(0);
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)msginfo;
    microkit_mr_set(0, ch);
    return microkit_msginfo_new(ch, 1);
}
