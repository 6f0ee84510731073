/*
 * Reporting helpers for the kernel test PDs.
 *
 * A test PD asserts what it observes and reports each assertion on the debug
 * console in the one format the host harness (tests/kernel/harness) reads:
 *     KTEST CHECK <name> ok
 *     KTEST CHECK <name> FAIL <why>
 *     KTEST END
 * The PD that ends a run also writes the verdict to QEMU's isa-debug-exit
 * device through an I/O port the system description grants it with id
 * KTEST_EXIT_IOPORT, so the harness sees the result even if the console is
 * lost. Only Microkit API is used here, so the helpers work unchanged on any
 * Microkit-compatible kernel.
 *
 * Header-only on purpose: every test PD is one C file, built exactly as a
 * Microkit example builds its PDs.
 */
#ifndef SUBSTRATE_TESTS_KERNEL_KTEST_H
#define SUBSTRATE_TESTS_KERNEL_KTEST_H

#include <stdbool.h>
#include <stdint.h>
#include <microkit.h>
#include "lib/text/text.h"

/* The exit device: <ioport id="62" addr="0xf4" size="4"/> in the reporting PD. */
#define KTEST_EXIT_IOPORT 62
#define KTEST_EXIT_PORT 0xf4

static unsigned ktest_failures;

static inline void ktest_puts(const char *s)
{
    microkit_dbg_puts(s);
}

static inline void ktest_put_dec(uint64_t v)
{
    char buf[TEXT_DECIMAL_SIZE];
    microkit_dbg_puts(text_decimal(buf, v));
}

static inline void ktest_put_hex(uint64_t v)
{
    char buf[19];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 16; i++) {
        unsigned nibble = (unsigned)(v >> (60 - 4 * i)) & 0xf;
        buf[2 + i] = (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
    }
    buf[18] = 0;
    microkit_dbg_puts(buf);
}

/* Reports one assertion; `why` and `value` explain a failure. */
static inline void ktest_check(const char *name, bool ok, const char *why, uint64_t value)
{
    microkit_dbg_puts("KTEST CHECK ");
    microkit_dbg_puts(name);
    if (ok) {
        microkit_dbg_puts(" ok\n");
        return;
    }
    ktest_failures++;
    microkit_dbg_puts(" FAIL ");
    microkit_dbg_puts(why);
    microkit_dbg_puts(" ");
    ktest_put_hex(value);
    microkit_dbg_puts("\n");
}

/* Reports got == want, printing both on failure. */
static inline void ktest_check_eq(const char *name, uint64_t got, uint64_t want)
{
    microkit_dbg_puts("KTEST CHECK ");
    microkit_dbg_puts(name);
    if (got == want) {
        microkit_dbg_puts(" ok\n");
        return;
    }
    ktest_failures++;
    microkit_dbg_puts(" FAIL got ");
    ktest_put_dec(got);
    microkit_dbg_puts(" want ");
    ktest_put_dec(want);
    microkit_dbg_puts("\n");
}

/* A measured figure, for the log and for benchmarks. */
static inline void ktest_figure(const char *name, uint64_t value)
{
    microkit_dbg_puts("KTEST FIGURE ");
    microkit_dbg_puts(name);
    microkit_dbg_puts(" ");
    ktest_put_dec(value);
    microkit_dbg_puts("\n");
}

/* Ends the run: the verdict goes to the console and to the exit device. */
static inline void ktest_end(void)
{
    microkit_dbg_puts(ktest_failures ? "KTEST END failures\n" : "KTEST END\n");
    microkit_x86_ioport_write_8(KTEST_EXIT_IOPORT, KTEST_EXIT_PORT, ktest_failures ? 1 : 0);
}

static inline uint64_t ktest_rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Waits here forever without burning the CPU more than needed. */
static inline void ktest_spin_forever(void)
{
    for (;;)
        __asm__ volatile("pause");
}

#endif
