/*
 * What the two-thread queue stress tests share: a notification is a POSIX
 * semaphore, and a wait gives up after 10 s, so a lost wake-up fails the
 * test instead of hanging it.
 */
#ifndef SUBSTRATE_TESTS_DDF_STRESS_H
#define SUBSTRATE_TESTS_DDF_STRESS_H

#include <errno.h>
#include <semaphore.h>
#include <stdbool.h>
#include <time.h>

/* Waits for one notification on s; false after 10 s without one. */
static inline bool wait_notified(sem_t *s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 10;
    while (sem_timedwait(s, &ts) != 0) {
        if (errno != EINTR) {
            return false;
        }
    }
    return true;
}

#endif
