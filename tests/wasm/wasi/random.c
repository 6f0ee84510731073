/* Checks that random_get gives bytes that are not all zero and differ between calls. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
    unsigned char a[32] = {0}, b[32] = {0}, zero[32] = {0};
    if (getentropy(a, sizeof a) != 0 || getentropy(b, sizeof b) != 0)
        return 1;
    int ok = memcmp(a, zero, sizeof a) != 0 && memcmp(a, b, sizeof a) != 0;
    printf("random %s\n", ok ? "ok" : "bad");
    return ok ? 0 : 1;
}
