/*
 * syscalls test, ticker (priority 100): notifies the fuzzer forever, so that
 * a random call that makes the fuzzer wait for an event always ends.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/syscalls/syscalls.h"

uintptr_t progress;

void init(void)
{
    syscalls_progress_t *p = (syscalls_progress_t *)progress;
    for (uint64_t n = 1;; n++) {
        if (n % 64 == 0) {
            p->ticks = p->ticks + 1;
            microkit_notify(0);
        }
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
}
