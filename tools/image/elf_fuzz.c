/*
 * libFuzzer target for the ELF reader: any bytes, then every query the
 * builder makes of a parsed file. No input may crash it or read outside it.
 */
#include <stddef.h>
#include <stdint.h>

#include "tools/image/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    elf_file_t e;
    char why[128];
    if (elf_parse(data, size, &e, why, sizeof(why)) != 0)
        return 0;
    uint64_t v, s;
    (void)elf_symbol(&e, "microkit_name", &v, &s);
    (void)elf_symbol(&e, "boot_image_header_phys", &v, &s);
    for (size_t i = 0; i < e.seg_count; i++)
        (void)elf_segment_at(&e, e.segs[i].vaddr, e.segs[i].memsz);
    return 0;
}
