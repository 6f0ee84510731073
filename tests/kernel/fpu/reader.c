/*
 * fpu test, reader (priority 200): each time the writer wakes it, looks at
 * its XMM registers before touching them, counts any that holds the
 * writer's secret, then fills them with values of its own.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/fpu/fpu.h"

uintptr_t result;

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
    /*
     * Not zeroed first: the compiler would zero it through an XMM register
     * and wipe what is to be looked at. The assembly fills every word.
     */
    uint64_t seen[16], mine[16];
    fpu_store_all(seen);
    fpu_result_t *r = (fpu_result_t *)result;
    for (unsigned i = 0; i < 16; i++) {
        // NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): filled by fpu_store_all
        if ((seen[i] >> 32) == FPU_SECRET_TAG)
            r->leaks = r->leaks + 1;
        mine[i] = FPU_READER_VALUE;
    }
    fpu_load_all(mine);
    r->rounds = r->rounds + 1;
}
