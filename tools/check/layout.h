/*
 * Address-space layout of each protection domain as the page planner
 * (lib/vspace) will build it: which page sizes each map ends up with, and how
 * many page-table pages the PD needs.
 *
 * Regions with phys_addr sit there. For the others the builder chooses the
 * placement; until its placement function is available here, the layout
 * assumes what the builder guarantees, a physical address aligned to the
 * region's page size, and the report says "placed by the builder".
 */
#ifndef SUBSTRATE_TOOLS_CHECK_LAYOUT_H
#define SUBSTRATE_TOOLS_CHECK_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tools/sdf/sdf.h"

enum { LAYOUT_4K, LAYOUT_2M, LAYOUT_1G, LAYOUT_SIZES };

typedef struct {
    size_t pages[LAYOUT_SIZES]; /* leaves of each size this map uses */
} layout_map_t;

typedef struct {
    size_t tables;         /* page-table pages, PML4 included */
    layout_map_t *maps;    /* one per sdf_pd_t.maps entry */
} layout_pd_t;

/*
 * Plans PD `pd` of `sys`. With only_4k every mapping is limited to 4 KiB
 * pages (the baseline a builder without large pages would produce). Besides
 * the description's maps, the plan holds the PD's stack and IPC buffer; the
 * program image is not known here and is left out. Returns 0, or -1 when the
 * planner refuses (it cannot for a valid description) or memory runs out.
 */
int layout_plan_pd(const sdf_system_t *sys, size_t pd, bool only_4k, layout_pd_t *out);
void layout_free(layout_pd_t *layout);

/* The physical address the layout assumes for region mr. */
uint64_t layout_region_paddr(const sdf_system_t *sys, size_t mr);

#endif
