/*
 * Information-flow graph: edges from the description, and paths over them.
 *
 * The graph is a plain edge list: systems have at most 63 PDs, so a
 * breadth-first search that scans every edge per visited PD is cheap and
 * keeps the code obvious. The search records, for each PD, the edge that
 * first reached it, which yields a shortest path to show the user.
 */
#include "tools/check/flow.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    flow_graph_t *g;
    size_t cap;
} builder_t;

/* Callers add each edge once, so no search for duplicates is needed. */
static int add_edge(builder_t *b, uint32_t from, uint32_t to, flow_kind_t kind, uint32_t detail)
{
    flow_graph_t *g = b->g;
    if (g->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        flow_edge_t *grown = realloc(g->edges, cap * sizeof *grown);
        if (!grown)
            return -1;
        g->edges = grown;
        b->cap = cap;
    }
    g->edges[g->count++] = (flow_edge_t){.from = from, .to = to, .kind = kind, .detail = detail};
    return 0;
}

/* One writer -> reader edge per region and ordered pair of PDs that map it. */
static int add_memory_edges(builder_t *b, const sdf_system_t *sys)
{
    size_t n = sys->pd_count;
    if (sys->mr_count == 0 || n == 0)
        return 0;
    /* perms[mr * n + pd]: the union of pd's permissions on region mr. */
    uint8_t *perms = calloc(sys->mr_count * n, 1);
    if (!perms)
        return -1;
    for (size_t p = 0; p < n; p++)
        for (size_t i = 0; i < sys->pds[p].map_count; i++)
            perms[sys->pds[p].maps[i].mr * n + p] |= sys->pds[p].maps[i].perms;
    int rc = 0;
    for (uint32_t mr = 0; mr < sys->mr_count && rc == 0; mr++) {
        const uint8_t *row = &perms[mr * n];
        for (uint32_t a = 0; a < n && rc == 0; a++) {
            if (!(row[a] & SDF_PERM_W))
                continue;
            for (uint32_t r = 0; r < n && rc == 0; r++)
                if (r != a && row[r])
                    rc = add_edge(b, a, r, FLOW_MEMORY, mr);
        }
    }
    free(perms);
    return rc;
}

static int add_channel_edges(builder_t *b, const sdf_system_t *sys)
{
    for (uint32_t c = 0; c < sys->channel_count; c++)
        for (int e = 0; e < 2; e++) {
            const sdf_channel_end_t *me = &sys->channels[c].end[e];
            const sdf_channel_end_t *peer = &sys->channels[c].end[1 - e];
            if (me->notify && add_edge(b, me->pd, peer->pd, FLOW_NOTIFY, c))
                return -1;
            if (me->pp && (add_edge(b, me->pd, peer->pd, FLOW_CALL, c) ||
                           add_edge(b, peer->pd, me->pd, FLOW_REPLY, c)))
                return -1;
        }
    return 0;
}

int flow_build(const sdf_system_t *sys, flow_graph_t *graph)
{
    *graph = (flow_graph_t){.pd_count = sys->pd_count};
    builder_t b = {.g = graph};
    if (add_memory_edges(&b, sys) || add_channel_edges(&b, sys))
        goto fail;
    for (uint32_t i = 0; i < sys->pd_count; i++) {
        uint32_t parent = sys->pds[i].parent;
        if (parent != SDF_NONE && (add_edge(&b, parent, i, FLOW_PARENT, 0) ||
                                   add_edge(&b, i, parent, FLOW_FAULT, 0)))
            goto fail;
    }
    return 0;
fail:
    flow_free(graph);
    return -1;
}

void flow_free(flow_graph_t *graph)
{
    free(graph->edges);
    graph->edges = NULL;
    graph->count = 0;
}

/*
 * Breadth-first search from `from`; via[i] is the edge that first reached i.
 * first[a][b] is the first edge from a to b, so each step looks at PDs, not
 * at every edge.
 */
static void search(const flow_graph_t *g, uint32_t from, uint32_t *via, bool *seen)
{
    uint32_t first[SDF_MAX_PDS][SDF_MAX_PDS];
    size_t n = g->pd_count;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            first[a][b] = SDF_NONE;
    for (uint32_t e = 0; e < g->count; e++)
        if (first[g->edges[e].from][g->edges[e].to] == SDF_NONE)
            first[g->edges[e].from][g->edges[e].to] = e;
    uint32_t queue[SDF_MAX_PDS + 1];
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++) {
        seen[i] = false;
        via[i] = SDF_NONE;
    }
    queue[tail++] = from;
    while (head < tail) {
        uint32_t at = queue[head++];
        for (uint32_t to = 0; to < n; to++) {
            uint32_t e = first[at][to];
            if (e == SDF_NONE || seen[to])
                continue;
            seen[to] = true;
            via[to] = e;
            if (to != from && tail < sizeof queue / sizeof queue[0])
                queue[tail++] = to;
        }
    }
}

void flow_reachable(const flow_graph_t *graph, uint32_t from, bool *reach)
{
    uint32_t via[SDF_MAX_PDS];
    if (graph->pd_count > SDF_MAX_PDS)
        return;
    search(graph, from, via, reach);
}

size_t flow_path(const flow_graph_t *graph, uint32_t from, uint32_t to, uint32_t *path)
{
    uint32_t via[SDF_MAX_PDS];
    bool seen[SDF_MAX_PDS];
    if (graph->pd_count > SDF_MAX_PDS || from == to)
        return 0;
    search(graph, from, via, seen);
    if (!seen[to])
        return 0;
    size_t n = 0;
    for (uint32_t at = to; at != from && n < graph->pd_count; at = graph->edges[via[at]].from)
        path[n++] = via[at];
    for (size_t i = 0; i < n / 2; i++) {
        uint32_t t = path[i];
        path[i] = path[n - 1 - i];
        path[n - 1 - i] = t;
    }
    return n;
}

const char *flow_kind_name(flow_kind_t kind)
{
    switch (kind) {
    case FLOW_MEMORY: return "memory";
    case FLOW_NOTIFY: return "notify";
    case FLOW_CALL: return "call";
    case FLOW_REPLY: return "reply";
    case FLOW_PARENT: return "parent";
    case FLOW_FAULT: return "fault";
    }
    return "?";
}

void flow_describe(const sdf_system_t *sys, const flow_edge_t *e, char *buf, size_t size)
{
    const char *from = sys->pds[e->from].name, *to = sys->pds[e->to].name;
    const sdf_channel_t *ch = e->kind == FLOW_NOTIFY || e->kind == FLOW_CALL ||
                                      e->kind == FLOW_REPLY
                                  ? &sys->channels[e->detail]
                                  : NULL;
    switch (e->kind) {
    case FLOW_MEMORY:
        snprintf(buf, size, "shared memory '%s' (%s writes, %s reads)", sys->mrs[e->detail].name,
                 from, to);
        break;
    case FLOW_NOTIFY:
        snprintf(buf, size, "notification (%s notifies %s, channel line %u)", from, to,
                 ch->loc.line);
        break;
    case FLOW_CALL:
        snprintf(buf, size, "protected call (%s calls %s, channel line %u)", from, to,
                 ch->loc.line);
        break;
    case FLOW_REPLY:
        snprintf(buf, size, "reply (%s answers a call from %s, channel line %u)", from, to,
                 ch->loc.line);
        break;
    case FLOW_PARENT:
        snprintf(buf, size, "parenthood (%s can stop and restart its child %s)", from, to);
        break;
    case FLOW_FAULT:
        snprintf(buf, size, "fault delivery (%s's faults go to its parent %s)", from, to);
        break;
    }
}
