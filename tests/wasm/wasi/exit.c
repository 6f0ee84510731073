/* Exits with the status given as its argument, after printing to stdout and stderr. */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("exiting with %s\n", argc > 1 ? argv[1] : "0");
    fprintf(stderr, "a line on stderr\n");
    exit(argc > 1 ? (int)strtol(argv[1], NULL, 10) : 0);
}
