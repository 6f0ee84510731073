/*
 * Isolation policies: flows a system must never allow, checked against the
 * flow graph of its description.
 *
 * A policy file has one rule per line; '#' starts a comment:
 *     deny flow A -> B    no chain of flows at all leads from A to B
 *     deny read A B       A maps no memory that B maps writable
 *     deny write A B      A maps no memory writable that B maps
 * A and B are protection domain names of the system.
 */
#ifndef SUBSTRATE_TOOLS_CHECK_POLICY_H
#define SUBSTRATE_TOOLS_CHECK_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tools/sdf/sdf.h"

typedef enum { POLICY_DENY_FLOW, POLICY_DENY_READ, POLICY_DENY_WRITE } policy_kind_t;

typedef struct {
    policy_kind_t kind;
    uint32_t a, b;      /* PD indices */
    uint32_t line;
} policy_rule_t;

typedef struct {
    char *file;
    policy_rule_t *rules;
    size_t count;
} check_policy_t;

/*
 * Parses `len` bytes of policy text against `sys`. On error prints
 * FILE:LINE:COLUMN: error: ... for every bad line to diag, returns -1 and
 * leaves *out empty.
 */
int check_policy_parse(const char *file_name, const char *buf, size_t len,
                       const sdf_system_t *sys, check_policy_t *out, FILE *diag);
void check_policy_free(check_policy_t *policy);

/*
 * Checks every rule; prints each violated rule with its evidence (the path,
 * or the regions) to `out`. When `marked` is not NULL (pd_count * pd_count
 * entries, cleared by the caller), marked[a * pd_count + b] is set for every
 * flow a -> b that is part of the evidence, so a picture can show it.
 * Returns the number of violated rules, or -1 when out of memory.
 */
int check_policy_eval(const check_policy_t *policy, const sdf_system_t *sys, FILE *out,
                      bool *marked);

#endif
