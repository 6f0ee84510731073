/*
 * How every host test reports a case: one line, `PASS: name` or
 * `FAIL: name why`, which scripts/run-tests counts; main() ends with
 * `return test_failures ? 1 : 0;` so the suite fails with its cases.
 *
 * Include it once, in the test's one C file (its state is file-static).
 */
#ifndef SUBSTRATE_TESTS_HARNESS_H
#define SUBSTRATE_TESTS_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int test_failures;

/* PASS when fail_fmt is NULL; otherwise FAIL with the formatted reason. */
__attribute__((format(printf, 2, 3), unused))
static void test_verdict(const char *name, const char *fail_fmt, ...)
{
    if (!fail_fmt) {
        printf("PASS: %s\n", name);
        return;
    }
    test_failures++;
    printf("FAIL: %s ", name);
    va_list ap;
    va_start(ap, fail_fmt);
    vprintf(fail_fmt, ap);
    va_end(ap);
    printf("\n");
}

__attribute__((unused))
static void test_expect(const char *name, bool ok, const char *file, int line, const char *what)
{
    if (ok) {
        test_verdict(name, NULL);
    } else {
        test_verdict(name, "(%s:%d: %s)", file, line, what);
    }
}

/* One case decided by a condition; a failure names the line and the condition. */
#define TEST_EXPECT(name, cond) test_expect((name), (cond), __FILE__, __LINE__, #cond)

#endif
