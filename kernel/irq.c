/*
 * IRQ routing.
 *
 * Each IRQ the builder granted has a CPU vector of its own. When it fires,
 * the kernel masks it (the IOAPIC pin, or for MSI a kernel-side in-service
 * flag, since MSI has no mask the kernel owns), acknowledges the LAPIC, and
 * signals the owning PD's channel. It stays masked until that PD calls
 * microkit_irq_ack on that channel; an MSI that arrives meanwhile is held
 * and delivered on the ack, so none is lost and none is delivered twice.
 */
#include "kernel/irq.h"

#include "kernel/abi/syscall.h"
#include "kernel/arch/x86_64/apic.h"
#include "kernel/ipc.h"

typedef struct {
    const image_irq_t *desc;
    bool in_service;
    bool pending;
} irq_state_t;

static irq_state_t irq_states[IMAGE_MAX_IRQS];
static uint8_t irq_by_vector[256]; /* index + 1 into irq_states; 0 = none */
static uint32_t irq_count;

int irq_init(const image_irq_t *irqs, uint32_t count)
{
    if (count > IMAGE_MAX_IRQS)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        const image_irq_t *d = &irqs[i];
        if (d->vector < IMAGE_IRQ_VECTOR_BASE || d->vector > IMAGE_IRQ_VECTOR_MAX || irq_by_vector[d->vector] ||
            d->pd >= pd_count || d->channel >= IMAGE_MAX_CHANNELS || d->pin >= 24)
            return -1;
        irq_states[i].desc = d;
        irq_by_vector[d->vector] = (uint8_t)(i + 1);
    }
    irq_count = count;
    for (uint32_t i = 0; i < count; i++)
        if (irqs[i].kind == IMAGE_IRQ_IOAPIC)
            ioapic_route(irqs[i].pin, irqs[i].vector, irqs[i].level, irqs[i].active_low);
    return 0;
}

void irq_handle(uint32_t vector)
{
    uint8_t slot = vector < 256 ? irq_by_vector[vector] : 0;
    if (!slot) {
        apic_eoi();
        return;
    }
    irq_state_t *s = &irq_states[slot - 1];
    if (s->desc->kind == IMAGE_IRQ_IOAPIC)
        ioapic_mask(s->desc->pin, true);
    apic_eoi();
    if (s->in_service) {
        s->pending = true;
        return;
    }
    s->in_service = true;
    ipc_signal(&pd_table[s->desc->pd], s->desc->channel, 0);
}

uint64_t ipc_irq_ack(pd_t *cur, uint64_t channel)
{
    if (channel >= IMAGE_MAX_CHANNELS)
        return SYS_ECAP;
    uint8_t idx = cur->desc->channels[channel].irq;
    if (idx == IMAGE_NONE || idx >= irq_count || irq_states[idx].desc->pd != cur->index)
        return SYS_ECAP;
    irq_state_t *s = &irq_states[idx];
    if (!s->in_service)
        return SYS_OK;
    if (s->pending) {
        s->pending = false;
        ipc_signal(cur, s->desc->channel, 0);
        return SYS_OK;
    }
    s->in_service = false;
    if (s->desc->kind == IMAGE_IRQ_IOAPIC)
        ioapic_mask(s->desc->pin, false);
    return SYS_OK;
}
