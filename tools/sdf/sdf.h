/*
 * The system description model: what a `.system` file says, after parsing
 * and validation.
 *
 * The parser (sdf_parse.c) turns seL4 Microkit's XML System Description
 * Format into this model and rejects every mistake with a FILE:LINE:COLUMN
 * diagnostic. Everything downstream (the page planner, the image writer, the
 * isolation report) reads only this model and may assume it is valid:
 *   - names are unique per kind, and every reference names something that exists;
 *   - ids are unique in their scope and within Microkit's limits;
 *   - sizes and addresses are page-aligned where the format requires it;
 *   - no two maps of one PD overlap, and none overlaps the PD's stack or IPC buffer;
 *   - a channel end with pp="true" calls a PD of strictly higher priority.
 *
 * Indices, not pointers, link the tables, so the model can be copied, freed in
 * one go and compared in tests.
 */
#ifndef SUBSTRATE_TOOLS_SDF_H
#define SUBSTRATE_TOOLS_SDF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SDF_MAX_PDS 63          /* Microkit's limit on protection domains */
#define SDF_MAX_CHANNEL_ID 61   /* channel, irq and child ids are 0..61 */
#define SDF_MAX_IOPORT_ID 62    /* Microkit allows ioport ids 0..62 */
#define SDF_MAX_PRIORITY 254
#define SDF_PD_NAME_MAX 64      /* including the terminating NUL, as microkit_name[] */
#define SDF_NONE UINT32_MAX     /* "no index" in the tables below */

/*
 * The top of every PD's user half belongs to what the image adds to each PD,
 * so the description's maps must end at or below SDF_PD_RESERVED_BASE:
 *   SDF_PD_IPC_BUFFER  one 4 KiB page, the IPC buffer (message registers);
 *   SDF_PD_STACK_TOP   the stack grows down from here, stack_size bytes,
 *                      with an unmapped guard page below it and above it.
 * The very last user page stays unmapped, so no instruction can run at the
 * edge of the canonical hole.
 */
#define SDF_PD_RESERVED_BASE 0x00007FFFF0000000ull
#define SDF_PD_STACK_TOP     0x00007FFFFFE00000ull
#define SDF_PD_IPC_BUFFER    0x00007FFFFFF00000ull
#define SDF_USER_TOP         0x0000800000000000ull /* end of the user half */

/* Where in a source file an element starts; every diagnostic names one. */
typedef struct {
    const char *file; /* owned by sdf_system_t */
    uint32_t line;
    uint32_t column;
} sdf_loc_t;

/* Page sizes the x86_64 MMU supports. */
enum { SDF_PAGE_4K = 0x1000, SDF_PAGE_2M = 0x200000, SDF_PAGE_1G = 0x40000000 };

/* Map permissions, as Microkit's `perms` letters. Write-only is rejected. */
enum { SDF_PERM_R = 1, SDF_PERM_W = 2, SDF_PERM_X = 4 };

typedef struct {
    char *name;
    uint64_t size;          /* bytes, a multiple of page_size; without `size`, the prefill
                             * file's length rounded up to the page size */
    uint64_t page_size;     /* SDF_PAGE_*; what `page_size` says, or the largest that divides size
                             * (and phys_addr, when given); only a given one binds map alignment */
    bool page_size_given;   /* true when the description named page_size explicitly */
    bool has_phys_addr;
    uint64_t phys_addr;     /* fixed physical placement (devices); only when has_phys_addr */
    char *prefill_path;     /* file whose bytes fill the start of the region, or NULL */
    char *prefill_file;     /* prefill_path found through the search path; NULL until found */
    uint64_t prefill_size;  /* bytes in prefill_file when it is set; the image writer refuses
                             * more than size */
    sdf_loc_t loc;
} sdf_mr_t;

typedef struct {
    uint32_t mr;            /* index into sdf_system_t.mrs */
    uint64_t vaddr;
    uint8_t perms;          /* SDF_PERM_* bits */
    bool cached;
    char *setvar_vaddr;     /* symbol patched with vaddr, or NULL */
    char *setvar_size;      /* symbol patched with the region's size, or NULL */
    char *setvar_prefill_size; /* symbol patched with the prefill file's length, or NULL */
    sdf_loc_t loc;
} sdf_map_t;

typedef enum { SDF_IRQ_IOAPIC, SDF_IRQ_MSI } sdf_irq_kind_t;

typedef struct {
    uint32_t id;            /* channel id the IRQ is delivered on, 0..61 */
    sdf_irq_kind_t kind;
    uint32_t vector;        /* CPU vector offset Microkit's `vector` names */
    /* IOAPIC form */
    uint32_t ioapic;
    uint32_t pin;
    bool level_triggered;   /* trigger="level"; edge otherwise */
    bool active_low;        /* polarity="low"; high otherwise */
    /* MSI form */
    uint8_t pci_bus, pci_dev, pci_func;
    uint64_t handle;
    char *setvar_id;        /* symbol patched with id, or NULL */
    sdf_loc_t loc;
} sdf_irq_t;

typedef struct {
    uint32_t id;            /* 0..62 */
    uint16_t addr;          /* first port */
    uint32_t size;          /* number of ports; addr + size <= 0x10000 */
    char *setvar_id;        /* symbol patched with id, or NULL */
    char *setvar_addr;      /* symbol patched with addr, or NULL */
    sdf_loc_t loc;
} sdf_ioport_t;

typedef enum { SDF_SETVAR_REGION_PADDR } sdf_setvar_kind_t;

/* <setvar symbol="..." region_paddr="MR"/>: patch a symbol with a region's physical address. */
typedef struct {
    char *symbol;
    sdf_setvar_kind_t kind;
    uint32_t mr;            /* index into sdf_system_t.mrs */
    sdf_loc_t loc;
} sdf_setvar_t;

typedef struct {
    char *name;
    uint8_t priority;       /* 0..254 */
    uint64_t budget_us;     /* default 1000 */
    uint64_t period_us;     /* default = budget; budget <= period */
    bool passive;
    uint64_t stack_size;    /* default 0x1000, 4 KiB multiple, at most 16 MiB */
    uint32_t cpu;           /* default 0 */
    char *program_image;    /* path as written in the description */
    char *program_image_path; /* resolved through --search-path; NULL before resolution */
    uint32_t parent;        /* index of the parent PD, or SDF_NONE */
    uint32_t child_id;      /* this PD's id in its parent; valid when parent != SDF_NONE */
    char *setvar_id;        /* symbol in the parent patched with child_id, or NULL */
    sdf_map_t *maps;     size_t map_count;
    sdf_irq_t *irqs;     size_t irq_count;
    sdf_ioport_t *ioports; size_t ioport_count;
    sdf_setvar_t *setvars; size_t setvar_count;
    sdf_loc_t loc;
} sdf_pd_t;

typedef struct {
    uint32_t pd;            /* index into sdf_system_t.pds */
    uint32_t id;            /* the channel id this end uses, 0..61 */
    bool notify;            /* this end may notify the other (default true) */
    bool pp;                /* this end may make protected calls to the other (default false) */
    sdf_loc_t loc;
} sdf_channel_end_t;

typedef struct {
    sdf_channel_end_t end[2];
    sdf_loc_t loc;
} sdf_channel_t;

typedef struct {
    sdf_mr_t *mrs;          size_t mr_count;
    sdf_pd_t *pds;          size_t pd_count;   /* parents and children, flattened; parent before child */
    sdf_channel_t *channels; size_t channel_count;
    char **files;           size_t file_count; /* file names that sdf_loc_t.file points into */
} sdf_system_t;

#endif
