/*
 * Reporting for the driver framework's QEMU test PDs: each check prints
 *     DDFTEST CHECK <name> ok
 *     DDFTEST CHECK <name> FAIL <value>
 * on the console, and the PD that ends a run writes the verdict to QEMU's
 * isa-debug-exit device (0 = pass). tests/ddf/qemu_test.py reads both.
 */
#ifndef SUBSTRATE_TESTS_DDF_DDFTEST_H
#define SUBSTRATE_TESTS_DDF_DDFTEST_H

#include <microkit.h>
#include <stdbool.h>
#include <stdint.h>

static unsigned ddftest_failures;

static inline void ddftest_check(const char *name, bool ok, uint64_t value)
{
    microkit_dbg_puts("DDFTEST CHECK ");
    microkit_dbg_puts(name);
    if (ok) {
        microkit_dbg_puts(" ok\n");
        return;
    }
    ddftest_failures++;
    microkit_dbg_puts(" FAIL ");
    microkit_dbg_put32((uint32_t)(value >> 32));
    microkit_dbg_put32((uint32_t)value);
    microkit_dbg_puts("\n");
}

/* Ends the run through the exit device granted as `ioport_id` at 0xf4. */
static inline void ddftest_end(microkit_ioport ioport_id)
{
    microkit_dbg_puts(ddftest_failures ? "DDFTEST END failures\n" : "DDFTEST END\n");
    microkit_x86_ioport_write_32(ioport_id, 0xf4, ddftest_failures ? 1 : 0);
}

#endif
