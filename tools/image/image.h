/*
 * The image writer: a checked system description plus the kernel and PD
 * ELF files in, one bootable Multiboot file out (layout in kernel/abi/image.h).
 *
 * Placement is static and deterministic: every memory region without a
 * phys_addr, every IPC buffer and every stack gets a fixed physical address
 * at build time, so the isolation report can state where everything lives
 * and the kernel only checks, at boot, that the machine has RAM there.
 */
#ifndef SUBSTRATE_TOOLS_IMAGE_H
#define SUBSTRATE_TOOLS_IMAGE_H

#include <stdint.h>
#include <stdio.h>

#include "tools/sdf/sdf.h"

/* Physical address where the writer starts placing regions, stacks and IPC buffers. */
#define IMAGE_ZERO_BASE 0x4000000ull /* 64 MiB; the loaded file must end below it */

typedef struct {
    uint64_t ipc_buffer_phys;
    uint64_t stack_phys;        /* lowest byte of the stack */
    uint64_t *map_page_size;    /* [pd.map_count]: largest page each map uses */
} image_pd_place_t;

typedef struct {
    uint64_t *mr_phys;          /* [sys->mr_count] */
    image_pd_place_t *pds;      /* [pd_count] */
    size_t pd_count;
    uint64_t zero_start, zero_end;
    uint64_t high_start, high_end; /* regions with 1 GiB pages, from 4 GiB up */
} image_placement_t;

/*
 * Places every region, IPC buffer and stack without reading any file.
 * 0 on success; on error a diagnostic to `diag` and nothing to free.
 */
int image_place(const sdf_system_t *sys, image_placement_t *out, FILE *diag);
void image_placement_free(image_placement_t *pl);

/* The largest page (0x1000, 0x200000, 0x40000000) a mapping with this alignment can use. */
uint64_t image_page_size_for(uint64_t vaddr, uint64_t paddr, uint64_t size, uint64_t max_page);

/*
 * Writes the bootable image `out` (and, when `report` is not NULL, a text
 * report of the placement). 0 on success; on error a diagnostic to `diag`
 * and no output file.
 */
int image_build(const sdf_system_t *sys, const char *kernel_elf, const char *out, const char *report, FILE *diag);

#endif
