/* The example's passive server: adds two words, and echoes notifications. */
#include <stdint.h>
#include <microkit.h>

#define CLIENT 2

uintptr_t shared_vaddr;

void init(void)
{
    microkit_dbg_puts("server: ready\n");
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("server: notified, the client wrote '");
    microkit_dbg_puts((const char *)shared_vaddr);
    microkit_dbg_puts("'\n");
    microkit_notify(ch);
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    if (ch != CLIENT || microkit_msginfo_get_count(msginfo) != 2)
        return microkit_msginfo_new(0, 0);
    microkit_mr_set(0, microkit_mr_get(0) + microkit_mr_get(1));
    return microkit_msginfo_new(microkit_msginfo_get_label(msginfo) + 1, 1);
}
