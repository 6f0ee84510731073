/*
 * ELF64 reading with every offset checked.
 *
 * The file is outside input: a PD image comes from whoever built it. Each
 * header field is read with memcpy from a range already proved to lie inside
 * the buffer, sums are checked for overflow before use, and anything this
 * reader does not expect is an error with a reason, never undefined
 * behaviour. Nothing is allocated; results point into the caller's buffer.
 */
#include "tools/image/elf.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t err_len, const char *why)
{
    if (err && err_len)
        snprintf(err, err_len, "%s", why);
    return -1;
}

/* True when [off, off + len) lies inside a buffer of `size` bytes. */
static int in_bounds(size_t size, uint64_t off, uint64_t len)
{
    return off <= size && len <= size - off;
}

int elf_parse(const uint8_t *data, size_t size, elf_file_t *out, char *err, size_t err_len)
{
    Elf64_Ehdr eh;
    memset(out, 0, sizeof(*out));
    if (!data || size < sizeof(eh))
        return fail(err, err_len, "file too small to be ELF");
    memcpy(&eh, data, sizeof(eh));
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
        return fail(err, err_len, "not an ELF file");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return fail(err, err_len, "not a 64-bit little-endian ELF file");
    if (eh.e_machine != EM_X86_64)
        return fail(err, err_len, "not an x86_64 ELF file");
    if (eh.e_type != ET_EXEC)
        return fail(err, err_len, "not an executable (ET_EXEC) ELF file");
    if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0)
        return fail(err, err_len, "bad program header table");
    if (!in_bounds(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
        return fail(err, err_len, "program headers lie outside the file");
    out->data = data;
    out->size = size;
    out->entry = eh.e_entry;
    for (size_t i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        if (out->seg_count == ELF_MAX_SEGMENTS)
            return fail(err, err_len, "too many loadable segments");
        if (ph.p_filesz > ph.p_memsz)
            return fail(err, err_len, "segment file size exceeds its memory size");
        if (!in_bounds(size, ph.p_offset, ph.p_filesz))
            return fail(err, err_len, "segment data lies outside the file");
        if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr || ph.p_paddr + ph.p_memsz < ph.p_paddr)
            return fail(err, err_len, "segment wraps around the address space");
        elf_segment_t *s = &out->segs[out->seg_count++];
        s->vaddr = ph.p_vaddr;
        s->paddr = ph.p_paddr;
        s->offset = ph.p_offset;
        s->filesz = ph.p_filesz;
        s->memsz = ph.p_memsz;
        s->flags = ph.p_flags & (ELF_SEG_R | ELF_SEG_W | ELF_SEG_X);
    }
    if (out->seg_count == 0)
        return fail(err, err_len, "no loadable segment");

    /* The symbol table is optional; a malformed one is an error. */
    if (eh.e_shoff == 0 || eh.e_shnum == 0)
        return 0;
    if (eh.e_shentsize != sizeof(Elf64_Shdr) ||
        !in_bounds(size, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
        return fail(err, err_len, "section headers lie outside the file");
    for (size_t i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh, link;
        memcpy(&sh, data + eh.e_shoff + i * sizeof(sh), sizeof(sh));
        if (sh.sh_type != SHT_SYMTAB)
            continue;
        if (sh.sh_entsize != sizeof(Elf64_Sym) || !in_bounds(size, sh.sh_offset, sh.sh_size))
            return fail(err, err_len, "symbol table lies outside the file");
        if (sh.sh_link >= eh.e_shnum)
            return fail(err, err_len, "symbol table names no string table");
        memcpy(&link, data + eh.e_shoff + (size_t)sh.sh_link * sizeof(link), sizeof(link));
        if (link.sh_type != SHT_STRTAB || !in_bounds(size, link.sh_offset, link.sh_size))
            return fail(err, err_len, "string table lies outside the file");
        out->symtab_off = sh.sh_offset;
        out->sym_count = sh.sh_size / sizeof(Elf64_Sym);
        out->strtab_off = link.sh_offset;
        out->strtab_size = link.sh_size;
        break;
    }
    return 0;
}

int elf_symbol(const elf_file_t *elf, const char *name, uint64_t *vaddr, uint64_t *size)
{
    size_t name_len = strlen(name);
    for (size_t i = 0; i < elf->sym_count; i++) {
        Elf64_Sym sym;
        memcpy(&sym, elf->data + elf->symtab_off + i * sizeof(sym), sizeof(sym));
        if (sym.st_shndx == SHN_UNDEF || sym.st_name >= elf->strtab_size)
            continue;
        const char *s = (const char *)elf->data + elf->strtab_off + sym.st_name;
        size_t room = elf->strtab_size - sym.st_name;
        if (room > name_len && memcmp(s, name, name_len) == 0 && s[name_len] == '\0') {
            *vaddr = sym.st_value;
            *size = sym.st_size;
            return 0;
        }
    }
    return -1;
}

const elf_segment_t *elf_segment_at(const elf_file_t *elf, uint64_t vaddr, uint64_t len)
{
    for (size_t i = 0; i < elf->seg_count; i++) {
        const elf_segment_t *s = &elf->segs[i];
        if (vaddr >= s->vaddr && len <= s->memsz && vaddr - s->vaddr <= s->memsz - len)
            return s;
    }
    return NULL;
}
