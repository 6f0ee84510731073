/*
 * The information-flow graph of a system: which protection domain can affect
 * which, derived only from the system description.
 *
 * An edge A -> B means that A can make something happen in B or put
 * information into B:
 *   memory  A maps a region writable that B maps (every map is readable);
 *   notify  A holds a channel end to B with notify="true";
 *   call    A makes protected calls to B (arguments flow A -> B) ...
 *   reply   ... and the reply flows back, B -> A;
 *   parent  A is B's parent: it can stop and restart B;
 *   fault   B is A's child: B's faults are delivered to A.
 */
#ifndef SUBSTRATE_TOOLS_CHECK_FLOW_H
#define SUBSTRATE_TOOLS_CHECK_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/sdf/sdf.h"

typedef enum {
    FLOW_MEMORY,
    FLOW_NOTIFY,
    FLOW_CALL,
    FLOW_REPLY,
    FLOW_PARENT,
    FLOW_FAULT,
} flow_kind_t;

typedef struct {
    uint32_t from, to;   /* PD indices */
    flow_kind_t kind;
    uint32_t detail;     /* FLOW_MEMORY: region index; NOTIFY/CALL/REPLY: channel index */
} flow_edge_t;

typedef struct {
    flow_edge_t *edges;
    size_t count;
    size_t pd_count;
} flow_graph_t;

/* Builds the graph; 0 on success, -1 when out of memory. Each edge appears once. */
int flow_build(const sdf_system_t *sys, flow_graph_t *graph);
void flow_free(flow_graph_t *graph);

/*
 * A shortest path from `from` to `to` (from != to) as edge indices into
 * graph->edges, in order. `path` has room for pd_count entries. Returns the
 * number of edges, or 0 when `to` cannot be reached.
 */
size_t flow_path(const flow_graph_t *graph, uint32_t from, uint32_t to, uint32_t *path);

/* Every PD reachable from `from` (not counting itself unless on a cycle): reach[i]. */
void flow_reachable(const flow_graph_t *graph, uint32_t from, bool *reach);

/* A short phrase for an edge, e.g. "shared memory 'ring' (a writes)". */
void flow_describe(const sdf_system_t *sys, const flow_edge_t *edge, char *buf, size_t size);

const char *flow_kind_name(flow_kind_t kind);

#endif
