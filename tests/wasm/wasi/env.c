/* Prints one environment variable, or says it is not set. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    const char *v = getenv("WASI_TEST_VAR");
    printf("WASI_TEST_VAR=%s\n", v ? v : "(unset)");
    return 0;
}
