/*
 * server: a passive PD that adds up the words of every protected call. It
 * runs only on its callers' time.
 */
#include <stdint.h>
#include <microkit.h>

/* Set by the builder to where the prefilled "greeting" region is mapped. */
uintptr_t greeting;

void init(void)
{
    microkit_dbg_puts("server: ready (passive)\n");
    microkit_dbg_puts("server: greeting says '");
    microkit_dbg_puts((const char *)greeting);
    microkit_dbg_puts("'\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    seL4_Word sum = 0;
    seL4_Word count = microkit_msginfo_get_count(msginfo);
    for (seL4_Word i = 0; i < count; i++)
        sum += microkit_mr_get((seL4_Uint8)i);
    microkit_dbg_puts("server: call on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(" with ");
    microkit_dbg_put32((seL4_Uint32)count);
    microkit_dbg_puts(" words\n");
    microkit_mr_set(0, sum);
    return microkit_msginfo_new(microkit_msginfo_get_label(msginfo), 1);
}
