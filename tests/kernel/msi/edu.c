/*
 * msi test, edu (priority 150): drives QEMU's `edu` PCI device, which raises
 * an interrupt when its register 0x60 is written, through PCI MSI.
 *
 * The PD places the device's registers (BAR0) at the physical address its
 * system description maps, points the device's MSI capability at the local
 * APIC with the CPU vector the kernel gives this PD's MSI, enables bus
 * mastering, and then raises MSI_ROUNDS interrupts, one at a time: each must
 * arrive as notified(MSI_CH) and show in the device's interrupt status.
 *
 * Then HOLD_ROUNDS rounds of a second kind: the handler raises the next MSI
 * before acknowledging the kernel. MSI has no mask the kernel owns, so the
 * kernel must hold that interrupt: nothing may arrive until
 * microkit_irq_ack, and then exactly one. The priority-100 helper answers
 * every notification once this PD waits, which is how the PD knows that
 * whatever was going to arrive has arrived.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define PCI_IOPORT 1
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define EDU_BUS 0
#define EDU_DEV 4
#define EDU_BAR0 0xe0000000u
#define EDU_VENDOR_DEVICE 0x11e81234u
#define MSI_CH 5
#define HELPER_CH 2
#define MSI_ROUNDS 200
#define HOLD_ROUNDS 50
/* The CPU vector that <irq ... vector="20"/> becomes. */
#ifndef MSI_CPU_VECTOR
#define MSI_CPU_VECTOR (0x30 + 20)
#endif

/* edu's registers. */
#define EDU_IDENT 0x00
#define EDU_LIVENESS 0x04
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64

uintptr_t edu_regs;

static uint64_t rounds, bad_status, while_pending;
static uint64_t hold_rounds, early, lost;
static bool pending;

/* The second kind of round: waiting for an MSI, holding one, or expecting the held one. */
static enum { ONE_AT_A_TIME, HOLD_WAIT, HELD, AFTER_ACK, DONE } state = ONE_AT_A_TIME;

static uint32_t pci_read(unsigned offset)
{
    uint32_t addr = 0x80000000u | (EDU_BUS << 16) | (EDU_DEV << 11) | (offset & 0xfc);
    microkit_x86_ioport_write_32(PCI_IOPORT, PCI_ADDR, addr);
    return microkit_x86_ioport_read_32(PCI_IOPORT, PCI_DATA);
}

static void pci_write(unsigned offset, uint32_t value)
{
    uint32_t addr = 0x80000000u | (EDU_BUS << 16) | (EDU_DEV << 11) | (offset & 0xfc);
    microkit_x86_ioport_write_32(PCI_IOPORT, PCI_ADDR, addr);
    microkit_x86_ioport_write_32(PCI_IOPORT, PCI_DATA, value);
}

static volatile uint32_t *reg(unsigned offset)
{
    return (volatile uint32_t *)(edu_regs + offset);
}

/* The offset of the MSI capability, or 0. */
static unsigned find_msi(void)
{
    if (!(pci_read(0x04) & (1u << 20)))
        return 0;
    unsigned at = pci_read(0x34) & 0xfc;
    for (int guard = 0; at && guard < 48; guard++) {
        uint32_t header = pci_read(at);
        if ((header & 0xff) == 0x05)
            return at;
        at = (header >> 8) & 0xfc;
    }
    return 0;
}

static void raise_irq(void)
{
    pending = true;
    *reg(EDU_IRQ_RAISE) = 1;
}

static void finish(void)
{
    state = DONE;
    ktest_check_eq("msi-delivered", rounds, MSI_ROUNDS);
    ktest_check_eq("device-status-shows-each-msi", bad_status, 0);
    ktest_check_eq("one-msi-at-a-time", while_pending, 0);
    ktest_check_eq("msi-held-until-ack", early, 0);
    ktest_check_eq("held-msi-delivered-once-on-ack", hold_rounds, HOLD_ROUNDS);
    ktest_check_eq("no-msi-lost", lost, 0);
    ktest_end();
}

/* Reads and clears the device's interrupt status; true when it showed an interrupt. */
static bool device_ack(void)
{
    uint32_t status = *reg(EDU_IRQ_STATUS);
    *reg(EDU_IRQ_ACK) = status;
    return status & 1;
}

static void on_msi_holding(void)
{
    if (!device_ack())
        bad_status++;
    switch (state) {
    case HOLD_WAIT:
        /* Raise the next one before acknowledging the kernel: it must be held. */
        state = HELD;
        raise_irq();
        microkit_notify(HELPER_CH);
        return;
    case AFTER_ACK:
        /* The held one, delivered on the acknowledgement. */
        hold_rounds++;
        if (hold_rounds == HOLD_ROUNDS) {
            microkit_irq_ack(MSI_CH);
            finish();
            return;
        }
        state = HOLD_WAIT;
        microkit_irq_ack(MSI_CH);
        raise_irq();
        return;
    case HELD:
        early++;
        finish();
        return;
    default:
        return;
    }
}

static void on_helper(void)
{
    switch (state) {
    case HELD:
        /* Nothing arrived while unacknowledged; the acknowledgement releases it. */
        state = AFTER_ACK;
        microkit_irq_ack(MSI_CH);
        microkit_notify(HELPER_CH);
        return;
    case AFTER_ACK:
        /* This PD waited and the held interrupt never came. */
        lost++;
        finish();
        return;
    default:
        return;
    }
}

void init(void)
{
    uint32_t id = pci_read(0x00);
    ktest_check_eq("edu-found-at-00-04-0", id, EDU_VENDOR_DEVICE);
    if (id != EDU_VENDOR_DEVICE) {
        ktest_end();
        return;
    }
    /* BAR0 where the description maps it, with decoding off while it moves. */
    pci_write(0x04, pci_read(0x04) & ~0x7u);
    pci_write(0x10, EDU_BAR0);
    unsigned msi = find_msi();
    ktest_check("edu-has-msi", msi != 0, "capability", msi);
    if (!msi) {
        ktest_end();
        return;
    }
    uint32_t control = pci_read(msi) >> 16;
    bool is64 = control & (1u << 7);
    pci_write(msi + 4, 0xfee00000u); /* the local APIC of CPU 0 */
    if (is64) {
        pci_write(msi + 8, 0);
        pci_write(msi + 12, MSI_CPU_VECTOR);
    } else {
        pci_write(msi + 8, MSI_CPU_VECTOR);
    }
    /* Enable MSI (one vector), then memory decoding and bus mastering. */
    pci_write(msi, (pci_read(msi) & ~(0x70u << 16)) | (1u << 16));
    pci_write(0x04, (pci_read(0x04) & ~0x7u) | 0x6u | (1u << 10));

    ktest_check_eq("edu-ident", *reg(EDU_IDENT) & 0xff, 0xed);
    *reg(EDU_LIVENESS) = 0x12345678u;
    ktest_check_eq("edu-liveness", *reg(EDU_LIVENESS), ~0x12345678u);
    ktest_puts("msi: edu ready\n");
    raise_irq();
}

void notified(microkit_channel ch)
{
    if (ch == HELPER_CH) {
        on_helper();
        return;
    }
    if (ch != MSI_CH)
        return;
    if (state != ONE_AT_A_TIME) {
        on_msi_holding();
        return;
    }
    if (!pending)
        while_pending++;
    pending = false;
    uint32_t status = *reg(EDU_IRQ_STATUS);
    if (!(status & 1))
        bad_status++;
    *reg(EDU_IRQ_ACK) = status;
    rounds++;
    microkit_irq_ack(MSI_CH);
    if (rounds < MSI_ROUNDS) {
        raise_irq();
        return;
    }
    state = HOLD_WAIT;
    raise_irq();
}
