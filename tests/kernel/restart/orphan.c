/*
 * restart test, orphan (priority 50, no parent): faults once. The kernel
 * must report the fault (name, address, instruction pointer) and stop this
 * PD alone; the heartbeat below it must keep running.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/restart/restart.h"

void init(void)
{
    microkit_dbg_puts("restart: orphan faults now\n");
    *(volatile uint64_t *)RESTART_ORPHAN_ADDR = 1;
    microkit_dbg_puts("restart: orphan continued after its fault\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
