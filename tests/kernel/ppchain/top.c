/* ppchain test, top (passive, priority 200): multiplies. */
#include <stdint.h>
#include <microkit.h>

#define MIDDLE_CH 4

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    if (ch != MIDDLE_CH || microkit_msginfo_get_count(msginfo) != 2)
        return microkit_msginfo_new(0, 0);
    microkit_mr_set(0, microkit_mr_get(0) * microkit_mr_get(1));
    return microkit_msginfo_new(microkit_msginfo_get_label(msginfo), 1);
}
