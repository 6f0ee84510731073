/* ppchain test, middle (passive, priority 150): adds, and asks top to multiply. */
#include <stdint.h>
#include <microkit.h>

#define CLIENT_CH 2
#define TOP_CH 3

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    if (ch != CLIENT_CH || microkit_msginfo_get_count(msginfo) != 2)
        return microkit_msginfo_new(0, 0);
    uint64_t a = microkit_mr_get(0), b = microkit_mr_get(1);
    microkit_mr_set(0, a);
    microkit_mr_set(1, b);
    microkit_msginfo answer = microkit_ppcall(TOP_CH, microkit_msginfo_new(microkit_msginfo_get_label(msginfo) + 1, 2));
    if (microkit_msginfo_get_count(answer) != 1)
        return microkit_msginfo_new(0, 0);
    uint64_t product = microkit_mr_get(0);
    microkit_mr_set(0, a + b + product);
    return microkit_msginfo_new(microkit_msginfo_get_label(answer) + 1, 1);
}
