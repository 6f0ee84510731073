/*
 * Address-space layout of each protection domain as the page planner
 * (lib/vspace) will build it: which page sizes each map ends up with, and how
 * many page-table pages the PD needs.
 *
 * Physical addresses come from the caller: the image writer's placement
 * (image_place) in the report, so the page sizes are the ones of the real
 * image. With mr_phys == NULL, regions with phys_addr sit there and the
 * others are assumed one after another at addresses aligned to their page
 * size, which is what the image writer guarantees.
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
 * Plans PD `pd` of `sys`, region mr at mr_phys[mr] (see above for NULL). With only_4k every mapping is limited to 4 KiB
 * pages (the baseline a builder without large pages would produce). Besides
 * the description's maps, the plan holds the PD's stack and IPC buffer; the
 * program image is not known here and is left out. Returns 0, or -1 when the
 * planner refuses (it cannot for a valid description) or memory runs out.
 */
int layout_plan_pd(const sdf_system_t *sys, const uint64_t *mr_phys, size_t pd, bool only_4k,
                   layout_pd_t *out);
void layout_free(layout_pd_t *layout);

/*
 * The page-table pages a 4 KiB-only plan of PD `pd` needs, counted directly:
 * one PML4, and one table per 512 GiB, 1 GiB and 2 MiB slot that holds a
 * mapped page. Equal to layout_plan_pd(..., true, ...).tables (the tests
 * check it) without planning every 4 KiB page, which takes long for 1 GiB
 * regions. Returns 0 when out of memory.
 */
size_t layout_tables_4k(const sdf_system_t *sys, size_t pd);

/* The physical address the layout assumes for region mr when given no placement. */
uint64_t layout_region_paddr(const sdf_system_t *sys, size_t mr);

#endif
