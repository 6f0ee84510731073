/*
 * The system report: per protection domain, what it maps (virtual range,
 * physical placement, page sizes, permissions, caching, sharers), which
 * channels it can notify or call, its IRQs, I/O ports, children and
 * scheduling; then the information-flow graph, direct and transitive.
 *
 * The builder calls check_report_write for `-r REPORT`; `substrate check`
 * writes the same report and the graph.
 */
#ifndef SUBSTRATE_TOOLS_CHECK_REPORT_H
#define SUBSTRATE_TOOLS_CHECK_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "tools/sdf/sdf.h"

/* The report in Markdown. 0 on success, -1 on an output or memory error. */
int check_report_write(const sdf_system_t *sys, FILE *out);

/* The information-flow graph in Graphviz DOT. 0 on success, -1 on error. */
int check_report_dot(const sdf_system_t *sys, FILE *out);

/*
 * The same, with the flows a -> b for which marked[a * pd_count + b] is set
 * drawn in red (the evidence of violated policy rules, from
 * check_policy_eval); marked may be NULL.
 */
int check_report_dot_marked(const sdf_system_t *sys, const bool *marked, FILE *out);

#endif
