/* Checks that the clocks work: realtime is after 2020, monotonic never goes back. */
#include <stdio.h>
#include <time.h>

int main(void)
{
    struct timespec a, b, now;
    if (clock_gettime(CLOCK_MONOTONIC, &a) != 0 || clock_gettime(CLOCK_REALTIME, &now) != 0)
        return 1;
    volatile unsigned spin = 0;
    for (unsigned i = 0; i < 100000; i++)
        spin += i;
    if (spin == 1)
        return 2;
    if (clock_gettime(CLOCK_MONOTONIC, &b) != 0)
        return 1;
    int forward = b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec);
    int recent = now.tv_sec > 1577836800; /* 2020-01-01 */
    printf("monotonic %s, realtime %s\n", forward ? "ok" : "went back", recent ? "ok" : "too old");
    return forward && recent ? 0 : 1;
}
