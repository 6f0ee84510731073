/*
 * Writes the system report (Markdown) and the flow graph (DOT).
 *
 * Everything here is derived from the parsed model, the page planner
 * (through layout.c) and the flow graph (flow.c); this file only formats.
 * Names in the description are the user's text, so they are written into
 * Markdown tables with '|' escaped and into DOT as quoted, escaped strings.
 */
#include "tools/check/report.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "tools/check/flow.h"
#include "tools/check/layout.h"
#include "tools/image/image.h"

/* Writes s with the characters that would break a Markdown table cell escaped. */
static void md(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '\\' || *s == '`' || *s == '*' || *s == '_' || *s == '<')
            fputc('\\', out);
        fputc(*s, out);
    }
}

/* Writes s as the inside of a DOT double-quoted string. */
static void dot_str(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
}

static void human_size(uint64_t n, char *buf, size_t size)
{
    if (n >= SDF_PAGE_1G && n % SDF_PAGE_1G == 0)
        snprintf(buf, size, "%llu GiB", (unsigned long long)(n >> 30));
    else if (n >= 0x100000 && n % 0x100000 == 0)
        snprintf(buf, size, "%llu MiB", (unsigned long long)(n >> 20));
    else if (n >= 0x400 && n % 0x400 == 0)
        snprintf(buf, size, "%llu KiB", (unsigned long long)(n >> 10));
    else
        snprintf(buf, size, "%llu B", (unsigned long long)n);
}

static void perms_string(uint8_t p, char buf[4])
{
    buf[0] = (p & SDF_PERM_R) ? 'r' : '-';
    buf[1] = (p & SDF_PERM_W) ? 'w' : '-';
    buf[2] = (p & SDF_PERM_X) ? 'x' : '-';
    buf[3] = '\0';
}

static void write_pages(FILE *out, const layout_map_t *m)
{
    static const char *const names[LAYOUT_SIZES] = {"4 KiB", "2 MiB", "1 GiB"};
    bool first = true;
    for (int s = LAYOUT_SIZES - 1; s >= 0; s--) {
        if (!m->pages[s])
            continue;
        fprintf(out, "%s%zu × %s", first ? "" : " + ", m->pages[s], names[s]);
        first = false;
    }
}

/* The other PDs that map region mr, with their permissions. */
static void write_sharers(FILE *out, const sdf_system_t *sys, size_t self, uint32_t mr)
{
    bool any = false;
    for (size_t p = 0; p < sys->pd_count; p++) {
        if (p == self)
            continue;
        const sdf_pd_t *pd = &sys->pds[p];
        uint8_t perms = 0;
        for (size_t i = 0; i < pd->map_count; i++)
            if (pd->maps[i].mr == mr)
                perms |= pd->maps[i].perms;
        if (!perms)
            continue;
        char ps[4];
        perms_string(perms, ps);
        fprintf(out, "%s", any ? ", " : "");
        md(out, pd->name);
        fprintf(out, " (%s)", ps);
        any = true;
    }
    if (!any)
        fprintf(out, "none");
}

static int write_maps(FILE *out, const sdf_system_t *sys, const image_placement_t *pl, size_t p)
{
    const sdf_pd_t *pd = &sys->pds[p];
    layout_pd_t layout;
    if (layout_plan_pd(sys, pl ? pl->mr_phys : NULL, p, false, &layout) != 0)
        return -1;
    fprintf(out, "- page-table pages: %zu (a 4 KiB-only plan needs %zu); the program image's "
                 "own pages are not counted\n\n", layout.tables, layout_tables_4k(sys, p));
    if (pd->map_count == 0) {
        fprintf(out, "Mappings: none.\n\n");
        layout_free(&layout);
        return 0;
    }
    fprintf(out, "| virtual range | region | physical | pages | perms | cached | shared with |\n"
                 "|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < pd->map_count; i++) {
        const sdf_map_t *m = &pd->maps[i];
        const sdf_mr_t *mr = &sys->mrs[m->mr];
        char size[32], ps[4];
        human_size(mr->size, size, sizeof size);
        perms_string(m->perms, ps);
        fprintf(out, "| 0x%llx–0x%llx | ", (unsigned long long)m->vaddr,
                (unsigned long long)(m->vaddr + mr->size - 1));
        md(out, mr->name);
        fprintf(out, " (%s) | ", size);
        if (mr->has_phys_addr)
            fprintf(out, "0x%llx–0x%llx (fixed)", (unsigned long long)mr->phys_addr,
                    (unsigned long long)(mr->phys_addr + mr->size - 1));
        else if (pl)
            fprintf(out, "0x%llx–0x%llx", (unsigned long long)pl->mr_phys[m->mr],
                    (unsigned long long)(pl->mr_phys[m->mr] + mr->size - 1));
        else
            fprintf(out, "placed by the builder");
        fprintf(out, " | ");
        write_pages(out, &layout.maps[i]);
        fprintf(out, " | %s | %s | ", ps, m->cached ? "yes" : "no");
        write_sharers(out, sys, p, m->mr);
        fprintf(out, " |\n");
    }
    fprintf(out, "\n");
    layout_free(&layout);
    return 0;
}

static void write_channels(FILE *out, const sdf_system_t *sys, size_t p)
{
    bool any = false;
    for (size_t c = 0; c < sys->channel_count; c++)
        for (int e = 0; e < 2; e++) {
            const sdf_channel_end_t *me = &sys->channels[c].end[e];
            const sdf_channel_end_t *peer = &sys->channels[c].end[1 - e];
            if (me->pd != p)
                continue;
            if (!any)
                fprintf(out, "| id | peer | peer's id | may notify peer | may call peer | "
                             "called by peer |\n|---|---|---|---|---|---|\n");
            any = true;
            fprintf(out, "| %u | ", me->id);
            md(out, sys->pds[peer->pd].name);
            fprintf(out, " | %u | %s | %s | %s |\n", peer->id, me->notify ? "yes" : "no",
                    me->pp ? "yes" : "no", peer->pp ? "yes" : "no");
        }
    fprintf(out, any ? "\n" : "Channels: none.\n\n");
}

static void write_irqs_ports(FILE *out, const sdf_pd_t *pd)
{
    if (pd->irq_count) {
        fprintf(out, "| irq id | form | source | vector | mode |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < pd->irq_count; i++) {
            const sdf_irq_t *q = &pd->irqs[i];
            if (q->kind == SDF_IRQ_IOAPIC)
                fprintf(out, "| %u | IOAPIC | ioapic %u pin %u | %u | %s, active %s |\n", q->id,
                        q->ioapic, q->pin, q->vector, q->level_triggered ? "level" : "edge",
                        q->active_low ? "low" : "high");
            else
                fprintf(out, "| %u | MSI | PCI %02x:%02x.%x handle %llu | %u | message |\n",
                        q->id, q->pci_bus, q->pci_dev, q->pci_func,
                        (unsigned long long)q->handle, q->vector);
        }
        fprintf(out, "\n");
    } else {
        fprintf(out, "IRQs: none.\n\n");
    }
    if (pd->ioport_count) {
        fprintf(out, "| ioport id | ports |\n|---|---|\n");
        for (size_t i = 0; i < pd->ioport_count; i++)
            fprintf(out, "| %u | 0x%x–0x%x |\n", pd->ioports[i].id, pd->ioports[i].addr,
                    pd->ioports[i].addr + pd->ioports[i].size - 1);
        fprintf(out, "\n");
    } else {
        fprintf(out, "I/O ports: none.\n\n");
    }
}

static int write_pd(FILE *out, const sdf_system_t *sys, const image_placement_t *pl, size_t p)
{
    const sdf_pd_t *pd = &sys->pds[p];
    fprintf(out, "## Protection domain ");
    md(out, pd->name);
    fprintf(out, "\n\n- line %u of the description\n", pd->loc.line);
    fprintf(out, "- priority %u, budget %llu µs per period %llu µs, %s, cpu %u, stack %llu KiB\n",
            pd->priority, (unsigned long long)pd->budget_us, (unsigned long long)pd->period_us,
            pd->passive ? "passive" : "active", pd->cpu,
            (unsigned long long)(pd->stack_size >> 10));
    fprintf(out, "- program image: ");
    md(out, pd->program_image_path ? pd->program_image_path : pd->program_image);
    fprintf(out, "\n- parent: ");
    if (pd->parent == SDF_NONE) {
        fprintf(out, "none");
    } else {
        md(out, sys->pds[pd->parent].name);
        fprintf(out, " (child id %u)", pd->child_id);
    }
    fprintf(out, "\n- children: ");
    bool any = false;
    for (size_t c = 0; c < sys->pd_count; c++)
        if (sys->pds[c].parent == p) {
            fprintf(out, "%s", any ? ", " : "");
            md(out, sys->pds[c].name);
            fprintf(out, " (id %u)", sys->pds[c].child_id);
            any = true;
        }
    fprintf(out, "%s\n", any ? "" : "none");
    if (pl)
        fprintf(out, "- stack at physical 0x%llx–0x%llx, IPC buffer at physical 0x%llx\n",
                (unsigned long long)pl->pds[p].stack_phys,
                (unsigned long long)(pl->pds[p].stack_phys + pd->stack_size - 1),
                (unsigned long long)pl->pds[p].ipc_buffer_phys);
    if (write_maps(out, sys, pl, p) != 0)
        return -1;
    write_channels(out, sys, p);
    write_irqs_ports(out, pd);
    return 0;
}

/* Every region once: size, page size, where it lives, what fills it, who maps it. */
static void write_regions(FILE *out, const sdf_system_t *sys, const image_placement_t *pl)
{
    if (sys->mr_count == 0)
        return;
    fprintf(out, "## Memory regions\n\n| region | size | page size | physical | prefilled from | "
                 "mapped by |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sys->mr_count; i++) {
        const sdf_mr_t *mr = &sys->mrs[i];
        char size[32], page[32];
        human_size(mr->size, size, sizeof size);
        human_size(mr->page_size, page, sizeof page);
        fprintf(out, "| ");
        md(out, mr->name);
        fprintf(out, " | %s | %s%s | ", size, page, mr->page_size_given ? "" : " (inferred)");
        if (mr->has_phys_addr || pl) {
            uint64_t phys = mr->has_phys_addr ? mr->phys_addr : pl->mr_phys[i];
            fprintf(out, "0x%llx–0x%llx%s", (unsigned long long)phys,
                    (unsigned long long)(phys + mr->size - 1), mr->has_phys_addr ? " (fixed)" : "");
        } else {
            fprintf(out, "placed by the builder");
        }
        fprintf(out, " | ");
        if (!mr->prefill_path) {
            fprintf(out, "—");
        } else {
            md(out, mr->prefill_file ? mr->prefill_file : mr->prefill_path);
            if (mr->prefill_file)
                fprintf(out, " (%llu bytes)", (unsigned long long)mr->prefill_size);
        }
        fprintf(out, " | ");
        bool any = false;
        for (size_t p = 0; p < sys->pd_count; p++) {
            uint8_t perms = 0;
            for (size_t m = 0; m < sys->pds[p].map_count; m++)
                if (sys->pds[p].maps[m].mr == i)
                    perms |= sys->pds[p].maps[m].perms;
            if (!perms)
                continue;
            char ps[4];
            perms_string(perms, ps);
            fprintf(out, "%s", any ? ", " : "");
            md(out, sys->pds[p].name);
            fprintf(out, " (%s)", ps);
            any = true;
        }
        fprintf(out, "%s |\n", any ? "" : "nobody");
    }
    fprintf(out, "\n");
}

static int write_flows(FILE *out, const sdf_system_t *sys)
{
    flow_graph_t g;
    if (flow_build(sys, &g) != 0)
        return -1;
    fprintf(out, "## Information flow\n\n"
                 "An edge A → B means A can affect B: A writes memory B maps, A notifies B, A "
                 "calls B (and B's reply flows back), A is B's parent (it can stop and restart "
                 "B) or A is B's child (A's faults go to B).\n\n");
    if (g.count == 0) {
        fprintf(out, "No PD can affect another.\n\n");
    } else {
        fprintf(out, "### Direct\n\n| from | to | through |\n|---|---|---|\n");
        for (size_t i = 0; i < g.count; i++) {
            char what[256];
            flow_describe(sys, &g.edges[i], what, sizeof what);
            fprintf(out, "| ");
            md(out, sys->pds[g.edges[i].from].name);
            fprintf(out, " | ");
            md(out, sys->pds[g.edges[i].to].name);
            fprintf(out, " | ");
            md(out, what);
            fprintf(out, " |\n");
        }
        fprintf(out, "\n");
    }
    fprintf(out, "### Transitive\n\n| PD | can affect, directly or through others |\n"
                 "|---|---|\n");
    for (uint32_t p = 0; p < sys->pd_count; p++) {
        bool reach[SDF_MAX_PDS] = {false};
        flow_reachable(&g, p, reach);
        fprintf(out, "| ");
        md(out, sys->pds[p].name);
        fprintf(out, " | ");
        bool any = false;
        for (size_t q = 0; q < sys->pd_count; q++)
            if (reach[q] && q != p) {
                fprintf(out, "%s", any ? ", " : "");
                md(out, sys->pds[q].name);
                any = true;
            }
        fprintf(out, "%s |\n", any ? "" : "nobody");
    }
    fprintf(out, "\n");
    flow_free(&g);
    return 0;
}

int check_report_write(const sdf_system_t *sys, FILE *out)
{
    /* The image writer's placement, so physical addresses are the image's own. */
    image_placement_t placement;
    FILE *quiet = fopen("/dev/null", "w");
    bool placed = quiet && image_place(sys, &placement, quiet) == 0;
    if (quiet)
        fclose(quiet);
    const image_placement_t *pl = placed ? &placement : NULL;
    fprintf(out, "# System report: ");
    md(out, sys->file_count ? sys->files[0] : "(description)");
    fprintf(out, "\n\n%zu protection domain%s, %zu memory region%s, %zu channel%s.\n\n"
                 "Page sizes are the ones the page planner chooses: the largest page that the "
                 "map's virtual and physical alignment, its extent and the region's page_size "
                 "allow. %s\n\n", sys->pd_count, sys->pd_count == 1 ? "" : "s", sys->mr_count,
            sys->mr_count == 1 ? "" : "s", sys->channel_count, sys->channel_count == 1 ? "" : "s",
            placed ? "Physical addresses are the image writer's placement; \"fixed\" marks a "
                     "region's own phys_addr."
                   : "A region without phys_addr is placed by the builder at an address "
                     "aligned to its page size.");
    write_regions(out, sys, pl);
    int rc = 0;
    for (size_t p = 0; p < sys->pd_count && rc == 0; p++)
        rc = write_pd(out, sys, pl, p);
    if (rc == 0)
        rc = write_flows(out, sys);
    if (placed)
        image_placement_free(&placement);
    return rc != 0 || ferror(out) ? -1 : 0;
}

int check_report_dot(const sdf_system_t *sys, FILE *out)
{
    return check_report_dot_marked(sys, NULL, out);
}

int check_report_dot_marked(const sdf_system_t *sys, const bool *marked, FILE *out)
{
    flow_graph_t g;
    if (flow_build(sys, &g) != 0)
        return -1;
    fprintf(out, "digraph flow {\n    rankdir=LR;\n    node [shape=box, fontname=\"sans\"];\n"
                 "    edge [fontname=\"sans\", fontsize=10];\n");
    for (size_t p = 0; p < sys->pd_count; p++) {
        fprintf(out, "    pd%zu [label=\"", p);
        dot_str(out, sys->pds[p].name);
        fprintf(out, "\\nprio %u\"];\n", sys->pds[p].priority);
    }
    /* One arrow per ordered pair, labelled with every way the flow happens. */
    for (uint32_t a = 0; a < sys->pd_count; a++)
        for (uint32_t b = 0; b < sys->pd_count; b++) {
            bool any = false;
            for (size_t i = 0; i < g.count; i++) {
                const flow_edge_t *e = &g.edges[i];
                if (e->from != a || e->to != b)
                    continue;
                if (!any)
                    fprintf(out, "    pd%u -> pd%u [label=\"", a, b);
                else
                    fprintf(out, "\\n");
                fprintf(out, "%s", flow_kind_name(e->kind));
                if (e->kind == FLOW_MEMORY) {
                    fprintf(out, " ");
                    dot_str(out, sys->mrs[e->detail].name);
                }
                any = true;
            }
            if (any)
                fprintf(out, "\"%s];\n",
                        marked && marked[a * sys->pd_count + b]
                            ? ", color=red, fontcolor=red, penwidth=2.5"
                            : "");
        }
    fprintf(out, "}\n");
    flow_free(&g);
    return ferror(out) ? -1 : 0;
}
