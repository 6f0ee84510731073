/* Prints its arguments, one per line, then their count. */
#include <stdio.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        printf("arg %d: %s\n", i, argv[i]);
    printf("argc=%d\n", argc);
    return 0;
}
