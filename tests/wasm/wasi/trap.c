/* Prints a line, then traps: the runner must report the trap and fail. */
#include <stdio.h>

int main(void)
{
    printf("before the trap\n");
    fflush(stdout);
    __builtin_trap();
}
