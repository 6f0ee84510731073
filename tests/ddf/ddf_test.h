/*
 * A small harness for the driver-framework host tests: each test is a
 * function; CHECK records the first failed condition; RUN prints the
 * PASS:/FAIL: line scripts/run-tests reads. A test binary exits non-zero when
 * any test failed.
 */
#ifndef SUBSTRATE_TESTS_DDF_TEST_H
#define SUBSTRATE_TESTS_DDF_TEST_H

#include <stdio.h>

static int ddf_test_failures;
static const char *ddf_test_why;
static int ddf_test_line;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond) && ddf_test_why == NULL) {                                                     \
            ddf_test_why = #cond;                                                                  \
            ddf_test_line = __LINE__;                                                              \
        }                                                                                          \
    } while (0)

#define RUN(name, fn)                                                                              \
    do {                                                                                           \
        ddf_test_why = NULL;                                                                       \
        fn();                                                                                      \
        if (ddf_test_why == NULL) {                                                                \
            printf("PASS: %s\n", name);                                                            \
        } else {                                                                                   \
            printf("FAIL: %s line %d: %s\n", name, ddf_test_line, ddf_test_why);                   \
            ddf_test_failures++;                                                                   \
        }                                                                                          \
        fflush(stdout);                                                                            \
    } while (0)

#endif
