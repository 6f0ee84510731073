/*
 * The timer driver PD: a thin wrapper around system/drivers/hpet_timer.c.
 * Clients make protected calls (ddf/timer.h) on their channels; the HPET's
 * comparator 0 interrupts on TIMER_PD_IRQ_CH (IOAPIC pin 2, legacy
 * replacement route); each expired timeout notifies its client's channel.
 */
#include <microkit.h>

#include "ddf/timer_clock.h"
#include "system/drivers/hpet_timer.h"

#define TIMER_PD_IRQ_CH 0

uintptr_t hpet_regs;

static hpet_timer_t timer;
static bool ready;

static void deliver(uint64_t due)
{
    for (uint32_t ch = 0; ch < HPET_TIMER_MAX_CLIENTS; ch++) {
        if ((due >> ch) & 1u) {
            microkit_notify(ch);
        }
    }
}

void init(void)
{
    if (hpet_timer_init(&timer, (volatile void *)hpet_regs, timer_clock_rdtsc) != HPET_TIMER_OK) {
        microkit_dbg_puts("timer: no usable HPET\n");
        return;
    }
    ready = true;
    microkit_irq_ack(TIMER_PD_IRQ_CH);
    microkit_dbg_puts(timer.read_tsc ? "timer: ready (HPET, TSC calibrated)\n" : "timer: ready (HPET)\n");
}

void notified(microkit_channel ch)
{
    if (ch != TIMER_PD_IRQ_CH || !ready) {
        return;
    }
    microkit_irq_ack(ch);
    deliver(hpet_timer_expire(&timer));
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    uint64_t reply[TIMER_REPLY_WORDS] = {TIMER_ERR_INVALID};
    uint32_t words = 0;
    if (ready && ch != TIMER_PD_IRQ_CH) {
        words = hpet_timer_call(&timer, ch, microkit_msginfo_get_label(msginfo), microkit_mr_get(0), reply);
        deliver(hpet_timer_expire(&timer));
    }
    words = words == 0 ? 1 : words;
    for (uint32_t i = 0; i < words; i++) {
        microkit_mr_set((uint8_t)i, reply[i]);
    }
    return microkit_msginfo_new(0, words);
}
