/*
 * A bounds-checked reader for the ELF files the builder consumes: the
 * kernel and every PD program. It reads x86_64 little-endian executables
 * only, and never trusts a size or offset in the file before checking it
 * against the buffer.
 */
#ifndef SUBSTRATE_TOOLS_IMAGE_ELF_H
#define SUBSTRATE_TOOLS_IMAGE_ELF_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_SEG_X 1u
#define ELF_SEG_W 2u
#define ELF_SEG_R 4u

typedef struct {
    uint64_t vaddr, paddr, offset, filesz, memsz;
    uint32_t flags; /* ELF_SEG_* */
} elf_segment_t;

typedef struct {
    const uint8_t *data;
    size_t size;
    uint64_t entry;
    elf_segment_t segs[ELF_MAX_SEGMENTS];
    size_t seg_count;
    size_t symtab_off, sym_count; /* 0 when the file has no symbol table */
    size_t strtab_off, strtab_size;
} elf_file_t;

/* Parses `data` (which must outlive `out`); 0 on success, else -1 with a reason in `err`. */
int elf_parse(const uint8_t *data, size_t size, elf_file_t *out, char *err, size_t err_len);

/* Finds a defined symbol by name; 0 on success. */
int elf_symbol(const elf_file_t *elf, const char *name, uint64_t *vaddr, uint64_t *size);

/* The segment that holds [vaddr, vaddr + len) in memory, or NULL. */
const elf_segment_t *elf_segment_at(const elf_file_t *elf, uint64_t vaddr, uint64_t len);

#endif
