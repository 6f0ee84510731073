/*
 * The boot image ABI: what the image writer (tools/image/) leaves in memory
 * for the kernel to find, and nothing else.
 *
 * The image is one flat Multiboot file loaded at IMAGE_LOAD_PHYS. It holds
 * the kernel, then (page-aligned) an image_header_t with its tables, then the
 * bytes of every PD's ELF segments. Everything else a PD owns (its page-table
 * pool, stack, IPC buffer and memory regions) is placed by the writer at fixed
 * physical addresses in the "zero area" [zero_start, zero_end), which the
 * kernel checks against the boot loader's memory map and clears at boot.
 *
 * The writer records the physical address of the header in the kernel's
 * variable `boot_image_header_phys`. All offsets below are bytes from the
 * start of the header. Every layout here is fixed-width and little-endian;
 * the writer is the only producer and the kernel the only consumer.
 */
#ifndef SUBSTRATE_KERNEL_ABI_IMAGE_H
#define SUBSTRATE_KERNEL_ABI_IMAGE_H

#include <stdint.h>

#define IMAGE_MAGIC 0x4D49425553ull /* "SUBIM" */
#define IMAGE_VERSION 2u
#define IMAGE_LOAD_PHYS 0x100000ull

#define IMAGE_MAX_PDS 63
#define IMAGE_MAX_CHANNELS 62        /* channel ids 0..61 */
#define IMAGE_MAX_IOPORTS 63         /* ioport ids 0..62 */
#define IMAGE_MAX_MAPS 512           /* mappings per PD, including stack and IPC buffer */
#define IMAGE_MAX_IRQS 128
#define IMAGE_NAME_LEN 64
#define IMAGE_NONE 0xFFu

/*
 * Memory the writer places: below IMAGE_PHYS_LIMIT (the zero area), and
 * regions with 1 GiB pages from IMAGE_HIGH_BASE up to IMAGE_HIGH_LIMIT (the
 * high area), which is where PCs put RAM beyond the 32-bit hole.
 */
#define IMAGE_PHYS_LIMIT 0x100000000ull
#define IMAGE_HIGH_BASE 0x100000000ull
#define IMAGE_HIGH_LIMIT 0x1000000000ull /* 64 GiB: the kernel's direct map */

/* The kernel's IRQ vectors: CPU vector = IMAGE_IRQ_VECTOR_BASE + sdf vector. */
#define IMAGE_IRQ_VECTOR_BASE 0x30u
#define IMAGE_IRQ_VECTOR_MAX 0xDFu /* last vector a PD's IRQ may use */

/* Channel end flags. */
#define IMAGE_CH_NOTIFY 1u
#define IMAGE_CH_PP 2u

typedef struct {
    uint8_t peer;      /* PD index of the other end, or IMAGE_NONE */
    uint8_t peer_id;   /* the channel id the other end uses */
    uint8_t flags;     /* IMAGE_CH_* that this end may do */
    uint8_t irq;       /* index into the IRQ table when this id is an IRQ, else IMAGE_NONE */
} image_channel_t;

typedef struct {
    uint16_t base;
    uint16_t reserved;
    uint32_t size;     /* ports; base + size <= 0x10000; 0 when the id is unused */
} image_ioport_t;

/* One mapping of a PD's address space; attrs are VSPACE_ATTR_* from lib/vspace. */
typedef struct {
    uint64_t vaddr, paddr, size;
    uint32_t attrs;
    uint32_t reserved;
    uint64_t max_page;
} image_map_t;

typedef struct {
    char name[IMAGE_NAME_LEN];
    uint8_t priority;
    uint8_t passive;
    uint8_t parent;                  /* PD index or IMAGE_NONE */
    uint8_t child_id;                /* id in the parent */
    uint32_t map_count;
    uint64_t map_offset;             /* image_map_t[map_count] */
    uint64_t budget_us, period_us;
    uint64_t entry;                  /* user entry point */
    uint64_t stack_top;              /* initial stack pointer */
    uint64_t ipc_buffer_phys;        /* 4 KiB, also mapped at SDF_PD_IPC_BUFFER */
    uint64_t pool_phys;              /* page-table pool: pool_tables 4 KiB tables */
    uint64_t pool_tables;
    image_channel_t channels[IMAGE_MAX_CHANNELS];
    uint8_t children[IMAGE_MAX_CHANNELS]; /* PD index of child id, or IMAGE_NONE */
    image_ioport_t ioports[IMAGE_MAX_IOPORTS];
} image_pd_t;

enum { IMAGE_IRQ_IOAPIC = 0, IMAGE_IRQ_MSI = 1 };

typedef struct {
    uint8_t pd, channel, kind, vector; /* vector: CPU vector */
    uint8_t ioapic, pin, level, active_low;
    uint8_t pci_bus, pci_dev, pci_func, reserved;
    uint32_t reserved2;
} image_irq_t;

typedef struct {
    uint64_t magic;
    uint32_t version;
    uint32_t header_size;            /* sizeof(image_header_t) */
    uint32_t pd_count, irq_count;
    uint64_t pd_offset;              /* image_pd_t[pd_count] */
    uint64_t irq_offset;             /* image_irq_t[irq_count] */
    uint64_t image_end;              /* physical end of the loaded file */
    uint64_t zero_start, zero_end;   /* physical; cleared by the kernel at boot */
    uint64_t high_start, high_end;   /* physical, at or above IMAGE_HIGH_BASE; cleared too (empty: equal) */
    uint64_t total_size;             /* bytes of the header and all its tables */
} image_header_t;

#endif
