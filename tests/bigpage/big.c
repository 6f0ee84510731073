/*
 * bigpage test, big: touches both ends of every region it maps.
 *
 *   huge  1 GiB with a 1 GiB page (2 MiB pages after the kernel shatters it
 *         on a CPU without pdpe1gb): a word at each end, each read back after
 *         both are written, so the two ends are distinct memory;
 *   hpet  the HPET's registers, uncached, in the middle of ordinary memory:
 *         its capability register must read as QEMU's HPET (vendor 0x8086,
 *         a 10 ns period), which only the device itself answers;
 *   low, mid, high  the memory around it, at both ends;
 *   near_top  2 MiB pages just below the PD's stack and IPC buffer, which
 *         share its 1 GiB range (this PD runs, so those work too).
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"

#define GIB 0x40000000ull
#define HPET_VENDOR_INTEL 0x8086
#define HPET_PERIOD_FS 10000000u /* QEMU's HPET ticks every 10 ns */

uintptr_t huge, low, hpet, mid, high, near_top;

static bool both_ends(uintptr_t base, uint64_t size, uint64_t seed)
{
    volatile uint64_t *first = (volatile uint64_t *)base;
    volatile uint64_t *last = (volatile uint64_t *)(base + size - sizeof(uint64_t));
    *first = seed;
    *last = ~seed;
    return *first == seed && *last == ~seed;
}

void init(void)
{
    ktest_puts("bigpage: touching the regions\n");
    ktest_check("huge-page-both-ends", both_ends(huge, GIB, 0x1111222233334444ull), "huge", huge);
    ktest_check("huge-page-middle", both_ends(huge + GIB / 2 - 0x1000, 0x2000, 0x5555666677778888ull),
                "huge", huge);
    ktest_check("low-both-ends", both_ends(low, 0x200000, 0x0101010101010101ull), "low", low);
    ktest_check("mid-both-ends", both_ends(mid, 0x1ff000, 0x0202020202020202ull), "mid", mid);
    ktest_check("high-both-ends", both_ends(high, 0x400000, 0x0303030303030303ull), "high", high);
    ktest_check("near-top-both-ends", both_ends(near_top, 0x200000, 0x0404040404040404ull), "near_top", near_top);

    volatile uint32_t *regs = (volatile uint32_t *)hpet;
    uint32_t caps = regs[0], period = regs[1];
    ktest_check_eq("device-page-is-the-hpet-vendor", caps >> 16, HPET_VENDOR_INTEL);
    ktest_check_eq("device-page-is-the-hpet-period", period, HPET_PERIOD_FS);
    (void)regs[0xffc / 4];
    ktest_check("device-page-last-word-readable", true, "", 0);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
