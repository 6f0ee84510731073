/*
 * The image writer.
 *
 * Physical layout, from low to high:
 *   0x100000         the kernel's loadable segments, by physical address
 *   header           image_header_t, the PD and IRQ tables, every PD's map list
 *   segments         each PD ELF segment, page-aligned, bss included, symbols patched
 *   pools            each PD's page-table pool (zero; the kernel plans into it)
 *   ...              (unused up to IMAGE_ZERO_BASE)
 *   IMAGE_ZERO_BASE  regions (largest page size first, aligned to it), IPC buffers, stacks
 * The loaded file ends at the pools; the zero area is cleared by the kernel.
 *
 * Every PD's page-table pool is sized by running the same planner the kernel
 * runs (lib/vspace) on the same mappings, plus one table per 1 GiB page for
 * the kernel's shattering on CPUs without 1 GiB pages.
 *
 * The writer trusts the model (sdf.h's invariants) but not the ELF files:
 * every PD segment must be in the user half below the reserved top, not
 * writable and executable at once, and not share a page with another
 * segment or a map.
 */
#include "tools/image/image.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kernel/abi/image.h"
#include "lib/vspace/vspace_plan.h"
#include "tools/image/elf.h"

#define PAGE 0x1000ull
#define MB_MAGIC 0x1BADB002u

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
    return v & ~(a - 1);
}

uint64_t image_page_size_for(uint64_t vaddr, uint64_t paddr, uint64_t size, uint64_t max_page)
{
    static const uint64_t sizes[] = {VSPACE_PAGE_1G, VSPACE_PAGE_2M};
    for (size_t i = 0; i < 2; i++) {
        uint64_t p = sizes[i];
        if (p > max_page || (vaddr % p) != (paddr % p))
            continue;
        if (align_up(vaddr, p) + p <= vaddr + size)
            return p;
    }
    return VSPACE_PAGE_4K;
}

void image_placement_free(image_placement_t *pl)
{
    for (size_t i = 0; pl->pds && i < pl->pd_count; i++)
        free(pl->pds[i].map_page_size);
    free(pl->pds);
    free(pl->mr_phys);
    memset(pl, 0, sizeof(*pl));
}

static void placement_free_n(image_placement_t *pl, size_t n)
{
    for (size_t i = 0; pl->pds && i < n; i++)
        free(pl->pds[i].map_page_size);
    free(pl->pds);
    free(pl->mr_phys);
    memset(pl, 0, sizeof(*pl));
}

int image_place(const sdf_system_t *sys, image_placement_t *out, FILE *diag)
{
    static const uint64_t classes[] = {SDF_PAGE_1G, SDF_PAGE_2M, SDF_PAGE_4K};
    memset(out, 0, sizeof(*out));
    out->mr_phys = calloc(sys->mr_count ? sys->mr_count : 1, sizeof(uint64_t));
    out->pds = calloc(sys->pd_count ? sys->pd_count : 1, sizeof(image_pd_place_t));
    if (!out->mr_phys || !out->pds) {
        fprintf(diag, "error: out of memory placing the system\n");
        placement_free_n(out, 0);
        return 1;
    }
    uint64_t cursor = IMAGE_ZERO_BASE;
    out->zero_start = cursor;
    /*
     * Stacks and IPC buffers first, then regions by increasing page size, each
     * aligned to its page size: large regions then start at the first suitable
     * boundary above everything small, which keeps the top of the layout (the
     * RAM the machine must have) as low as it can be.
     */
    for (size_t i = 0; i < sys->pd_count; i++) {
        const sdf_pd_t *pd = &sys->pds[i];
        out->pds[i].ipc_buffer_phys = cursor;
        cursor += PAGE;
        out->pds[i].stack_phys = cursor;
        cursor += align_up(pd->stack_size ? pd->stack_size : PAGE, PAGE);
    }
    uint64_t high = IMAGE_HIGH_BASE;
    out->high_start = high;
    for (size_t c = 3; c-- > 0;) {
        for (size_t i = 0; i < sys->mr_count; i++) {
            const sdf_mr_t *mr = &sys->mrs[i];
            if (mr->has_phys_addr) {
                out->mr_phys[i] = mr->phys_addr;
                continue;
            }
            uint64_t ps = mr->page_size ? mr->page_size : PAGE;
            if (ps != classes[c])
                continue;
            if (ps == SDF_PAGE_1G) {
                /* 1 GiB pages need 1 GiB of RAM in one aligned piece: above 4 GiB on a PC. */
                out->mr_phys[i] = high;
                high += align_up(mr->size, ps);
                continue;
            }
            cursor = align_up(cursor, ps);
            out->mr_phys[i] = cursor;
            cursor += align_up(mr->size, PAGE);
        }
    }
    for (size_t i = 0; i < sys->pd_count; i++) {
        const sdf_pd_t *pd = &sys->pds[i];
        out->pd_count = i + 1;
        out->pds[i].map_page_size = calloc(pd->map_count ? pd->map_count : 1, sizeof(uint64_t));
        if (!out->pds[i].map_page_size) {
            fprintf(diag, "error: out of memory placing the system\n");
            placement_free_n(out, i);
            return 1;
        }
        for (size_t m = 0; m < pd->map_count; m++) {
            const sdf_map_t *map = &pd->maps[m];
            const sdf_mr_t *mr = &sys->mrs[map->mr];
            out->pds[i].map_page_size[m] =
                image_page_size_for(map->vaddr, out->mr_phys[map->mr], mr->size, mr->page_size);
        }
    }
    out->zero_end = cursor;
    out->high_end = high;
    if (high > IMAGE_HIGH_LIMIT) {
        fprintf(diag, "error: the system's regions with 1 GiB pages need %llu GiB, more than the %llu GiB substrate "
                      "supports; make them smaller or use 2 MiB pages\n",
                (unsigned long long)((high - IMAGE_HIGH_BASE) >> 30),
                (unsigned long long)((IMAGE_HIGH_LIMIT - IMAGE_HIGH_BASE) >> 30));
        placement_free_n(out, sys->pd_count);
        return 1;
    }
    if (cursor > IMAGE_PHYS_LIMIT) {
        fprintf(diag, "error: the system's memory regions and stacks need %llu MiB above %llu MiB, more than fits "
                      "below 4 GiB; make the regions smaller\n",
                (unsigned long long)((cursor - IMAGE_ZERO_BASE) >> 20), (unsigned long long)(IMAGE_ZERO_BASE >> 20));
        placement_free_n(out, sys->pd_count);
        return 1;
    }
    return 0;
}

/* ---- building ---- */

typedef struct {
    uint8_t *buf;         /* the file, indexed by physical address - IMAGE_LOAD_PHYS */
    size_t size;
} flat_t;

typedef struct {
    uint8_t *file;        /* the ELF file's bytes */
    size_t file_size;
    elf_file_t elf;
    uint64_t seg_phys[ELF_MAX_SEGMENTS]; /* where each segment's first page goes */
    vspace_mapping_t *maps;
    size_t map_count;
    uint64_t pool_phys, pool_tables;
} pd_build_t;

static int read_file(const char *path, uint8_t **data, size_t *size, FILE *diag)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(diag, "%s: error: cannot open: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = 1;
    uint8_t *buf = NULL;
    if (fseek(f, 0, SEEK_END) != 0)
        goto out;
    long len = ftell(f);
    if (len < 0 || len > (1l << 30) || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc(len ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len)
        goto out;
    *data = buf;
    *size = (size_t)len;
    buf = NULL;
    rc = 0;
out:
    if (rc)
        fprintf(diag, "%s: error: cannot read the file\n", path);
    free(buf);
    fclose(f);
    return rc;
}

static int flat_reserve(flat_t *flat, uint64_t phys_end, FILE *diag)
{
    if (phys_end > IMAGE_ZERO_BASE) {
        fprintf(diag, "error: the kernel and PD programs need %llu KiB, more than the %llu KiB the image "
                      "layout allows below the region area; make the programs (or their bss) smaller\n",
                (unsigned long long)((phys_end - IMAGE_LOAD_PHYS) >> 10),
                (unsigned long long)((IMAGE_ZERO_BASE - IMAGE_LOAD_PHYS) >> 10));
        return 1;
    }
    size_t need = (size_t)(phys_end - IMAGE_LOAD_PHYS);
    if (need <= flat->size)
        return 0;
    uint8_t *nb = realloc(flat->buf, need);
    if (!nb) {
        fprintf(diag, "error: out of memory\n");
        return 1;
    }
    memset(nb + flat->size, 0, need - flat->size);
    flat->buf = nb;
    flat->size = need;
    return 0;
}

/* Writes `len` bytes of `value` (little-endian) into the copy of a PD symbol. */
static int patch_symbol(flat_t *flat, const sdf_pd_t *pd, const pd_build_t *b, const char *sym, const void *value,
                        size_t len, bool required, FILE *diag)
{
    uint64_t vaddr, size;
    if (elf_symbol(&b->elf, sym, &vaddr, &size) != 0) {
        if (!required)
            return 0;
        fprintf(diag, "%s:%u:%u: error: program '%s' of PD '%s' has no symbol '%s' to set; declare it, e.g. "
                      "`uintptr_t %s;`\n",
                pd->loc.file, pd->loc.line, pd->loc.column, pd->program_image, pd->name, sym, sym);
        return 1;
    }
    if (size == 0 || size > len)
        size = len;
    const elf_segment_t *seg = elf_segment_at(&b->elf, vaddr, size);
    if (!seg) {
        fprintf(diag, "%s:%u:%u: error: symbol '%s' of PD '%s' is not in a loadable segment\n", pd->loc.file,
                pd->loc.line, pd->loc.column, sym, pd->name);
        return 1;
    }
    size_t idx = (size_t)(seg - b->elf.segs);
    uint64_t phys = b->seg_phys[idx] + (vaddr - align_down(seg->vaddr, PAGE));
    memcpy(flat->buf + (phys - IMAGE_LOAD_PHYS), value, size);
    return 0;
}

/*
 * Where a region's prefill file is: where the parser found it through the
 * search path, else the path as written, else beside the system description
 * that names it. `buf` holds the last form when that is the one returned.
 */
static const char *prefill_location(const sdf_mr_t *mr, char *buf, size_t buf_size)
{
    if (mr->prefill_file)
        return mr->prefill_file;
    const char *path = mr->prefill_path;
    FILE *probe = fopen(path, "rb");
    if (probe) {
        fclose(probe);
        return path;
    }
    const char *slash = mr->loc.file ? strrchr(mr->loc.file, '/') : NULL;
    if (path[0] != '/' && slash) {
        int dir_len = (int)(slash - mr->loc.file);
        int w = snprintf(buf, buf_size, "%.*s/%s", dir_len, mr->loc.file, path);
        if (w > 0 && (size_t)w < buf_size)
            return buf;
    }
    return path;
}

static int read_prefill(const sdf_mr_t *mr, uint8_t **data, size_t *len, FILE *diag)
{
    char buf[4096];
    if (read_file(prefill_location(mr, buf, sizeof(buf)), data, len, diag)) {
        fprintf(diag, "%s:%u:%u: error: cannot read prefill_path '%s' of memory_region '%s'\n", mr->loc.file,
                mr->loc.line, mr->loc.column, mr->prefill_path, mr->name);
        return 1;
    }
    return 0;
}

/* The length of a region's prefill file, for setvar_prefill_size; 0 without one. */
static int prefill_length(const sdf_mr_t *mr, uint64_t *length, FILE *diag)
{
    *length = 0;
    if (!mr->prefill_path)
        return 0;
    char buf[4096];
    struct stat st;
    if (stat(prefill_location(mr, buf, sizeof(buf)), &st) != 0) {
        fprintf(diag, "%s:%u:%u: error: cannot read prefill_path '%s' of memory_region '%s'\n", mr->loc.file,
                mr->loc.line, mr->loc.column, mr->prefill_path, mr->name);
        return 1;
    }
    *length = (uint64_t)st.st_size;
    return 0;
}

static int load_kernel(const char *path, flat_t *flat, uint64_t *header_sym_phys, uint8_t **kfile, FILE *diag)
{
    size_t ksize;
    elf_file_t k;
    char why[128];
    if (read_file(path, kfile, &ksize, diag))
        return 1;
    if (elf_parse(*kfile, ksize, &k, why, sizeof(why)) != 0) {
        fprintf(diag, "%s: error: kernel: %s\n", path, why);
        return 1;
    }
    uint64_t end = 0;
    for (size_t i = 0; i < k.seg_count; i++) {
        const elf_segment_t *s = &k.segs[i];
        if (s->paddr < IMAGE_LOAD_PHYS || s->paddr + s->memsz > IMAGE_ZERO_BASE) {
            fprintf(diag, "%s: error: kernel segment at physical 0x%llx is outside the image\n", path,
                    (unsigned long long)s->paddr);
            return 1;
        }
        if (s->paddr + s->memsz > end)
            end = s->paddr + s->memsz;
    }
    if (flat_reserve(flat, align_up(end, PAGE), diag))
        return 1;
    if (!flat->buf) {
        fprintf(diag, "%s: error: the kernel has no loadable bytes\n", path);
        return 1;
    }
    for (size_t i = 0; i < k.seg_count; i++)
        memcpy(flat->buf + (k.segs[i].paddr - IMAGE_LOAD_PHYS), k.data + k.segs[i].offset, k.segs[i].filesz);
    uint64_t vaddr, size;
    if (elf_symbol(&k, "boot_image_header_phys", &vaddr, &size) != 0 || !elf_segment_at(&k, vaddr, 8)) {
        fprintf(diag, "%s: error: not a substrate kernel (no boot_image_header_phys)\n", path);
        return 1;
    }
    const elf_segment_t *s = elf_segment_at(&k, vaddr, 8);
    *header_sym_phys = s->paddr + (vaddr - s->vaddr);
    return 0;
}

static int add_map(pd_build_t *b, uint64_t vaddr, uint64_t paddr, uint64_t size, uint32_t attrs, uint64_t max_page)
{
    if (b->map_count == IMAGE_MAX_MAPS)
        return 1;
    vspace_mapping_t *m = &b->maps[b->map_count++];
    m->vaddr = vaddr;
    m->paddr = paddr;
    m->size = size;
    m->attrs = attrs;
    m->max_page = max_page;
    return 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Reads a PD's ELF and checks its segments against the PD's other mappings. */
static int load_pd_elf(const sdf_pd_t *pd, pd_build_t *b, FILE *diag)
{
    char why[128];
    if (pd->cpu != 0) {
        fprintf(diag, "%s:%u:%u: error: PD '%s' asks for cpu %u, but substrate runs every PD on CPU 0; remove cpu "
                      "or set it to 0\n",
                pd->loc.file, pd->loc.line, pd->loc.column, pd->name, pd->cpu);
        return 1;
    }
    const char *path = pd->program_image_path ? pd->program_image_path : pd->program_image;
    if (read_file(path, &b->file, &b->file_size, diag))
        return 1;
    if (elf_parse(b->file, b->file_size, &b->elf, why, sizeof(why)) != 0) {
        fprintf(diag, "%s:%u:%u: error: program_image '%s' of PD '%s': %s\n", pd->loc.file, pd->loc.line,
                pd->loc.column, path, pd->name, why);
        return 1;
    }
    bool entry_ok = false;
    for (size_t i = 0; i < b->elf.seg_count; i++) {
        const elf_segment_t *s = &b->elf.segs[i];
        uint64_t lo = align_down(s->vaddr, PAGE), hi = align_up(s->vaddr + s->memsz, PAGE);
        const char *problem = NULL;
        if (hi > SDF_PD_RESERVED_BASE || hi < lo)
            problem = "lies outside the PD's part of the address space";
        else if ((s->flags & ELF_SEG_W) && (s->flags & ELF_SEG_X))
            problem = "is both writable and executable; link with microkit.ld, which keeps them apart";
        for (size_t j = 0; !problem && j < i; j++) {
            const elf_segment_t *o = &b->elf.segs[j];
            if (ranges_overlap(lo, hi - lo, align_down(o->vaddr, PAGE),
                               align_up(o->vaddr + o->memsz, PAGE) - align_down(o->vaddr, PAGE)))
                problem = "shares a page with another segment; link with microkit.ld, which page-aligns them";
        }
        if (problem) {
            fprintf(diag, "%s:%u:%u: error: segment at 0x%llx of program_image '%s' (PD '%s') %s\n", pd->loc.file,
                    pd->loc.line, pd->loc.column, (unsigned long long)s->vaddr, path, pd->name, problem);
            return 1;
        }
        if ((s->flags & ELF_SEG_X) && b->elf.entry >= s->vaddr && b->elf.entry < s->vaddr + s->memsz)
            entry_ok = true;
    }
    if (!entry_ok) {
        fprintf(diag, "%s:%u:%u: error: program_image '%s' of PD '%s' has its entry point outside its code\n",
                pd->loc.file, pd->loc.line, pd->loc.column, path, pd->name);
        return 1;
    }
    return 0;
}

static int check_maps_vs_segments(const sdf_system_t *sys, const sdf_pd_t *pd, const pd_build_t *b, FILE *diag)
{
    for (size_t m = 0; m < pd->map_count; m++) {
        const sdf_map_t *map = &pd->maps[m];
        uint64_t size = sys->mrs[map->mr].size;
        for (size_t i = 0; i < b->elf.seg_count; i++) {
            const elf_segment_t *s = &b->elf.segs[i];
            uint64_t lo = align_down(s->vaddr, PAGE), hi = align_up(s->vaddr + s->memsz, PAGE);
            if (ranges_overlap(map->vaddr, size, lo, hi - lo)) {
                fprintf(diag, "%s:%u:%u: error: map of '%s' at 0x%llx overlaps the program's segment at 0x%llx; "
                              "choose a vaddr outside [0x%llx, 0x%llx)\n",
                        map->loc.file, map->loc.line, map->loc.column, sys->mrs[map->mr].name,
                        (unsigned long long)map->vaddr, (unsigned long long)s->vaddr, (unsigned long long)lo,
                        (unsigned long long)hi);
                return 1;
            }
        }
    }
    return 0;
}

/* Counts the tables the kernel will need: the plan's, plus one per 1 GiB leaf. */
static int size_pool(pd_build_t *b, uint64_t *tables, FILE *diag, const sdf_pd_t *pd)
{
    size_t scratch_n = 2 * b->map_count + 1;
    vspace_piece_t *scratch = calloc(scratch_n, sizeof(*scratch));
    vspace_pool_t pool = {0};
    size_t root;
    int rc = 1;
    if (!scratch)
        goto out;
    pool.capacity = SIZE_MAX;
    if (vspace_plan(b->maps, b->map_count, true, scratch, scratch_n, &pool, &root) != VSPACE_OK) {
        fprintf(diag, "%s:%u:%u: error: the page planner rejected PD '%s''s mappings\n", pd->loc.file, pd->loc.line,
                pd->loc.column, pd->name);
        goto out;
    }
    size_t need = pool.used;
    pool.tables = calloc(need, sizeof(*pool.tables));
    if (!pool.tables)
        goto out;
    pool.capacity = need;
    pool.used = 0;
    if (vspace_plan(b->maps, b->map_count, true, scratch, scratch_n, &pool, &root) != VSPACE_OK)
        goto out;
    size_t huge = 0;
    for (size_t t = 0; t < pool.used; t++) {
        if (t == root)
            continue;
        /* A 1 GiB leaf is a PS entry in a table that the root points at. */
        bool is_pdpt = false;
        for (size_t e = 0; e < VSPACE_ENTRIES; e++)
            if ((pool.tables[root][e] & VSPACE_PTE_P) &&
                ((pool.tables[root][e] & VSPACE_PTE_ADDR) == pool.phys_base + t * PAGE))
                is_pdpt = true;
        if (!is_pdpt)
            continue;
        for (size_t e = 0; e < VSPACE_ENTRIES; e++)
            if ((pool.tables[t][e] & VSPACE_PTE_P) && (pool.tables[t][e] & VSPACE_PTE_PS))
                huge++;
    }
    *tables = need + huge;
    rc = 0;
out:
    if (rc && !scratch)
        fprintf(diag, "error: out of memory\n");
    free(pool.tables);
    free(scratch);
    return rc;
}

static void fill_channels(const sdf_system_t *sys, image_pd_t *descs, uint64_t *notify_mask, uint64_t *pp_mask)
{
    for (size_t c = 0; c < sys->channel_count; c++) {
        for (int e = 0; e < 2; e++) {
            const sdf_channel_end_t *me = &sys->channels[c].end[e], *other = &sys->channels[c].end[1 - e];
            image_channel_t *ch = &descs[me->pd].channels[me->id];
            ch->peer = (uint8_t)other->pd;
            ch->peer_id = (uint8_t)other->id;
            ch->flags = (uint8_t)((me->notify ? IMAGE_CH_NOTIFY : 0) | (me->pp ? IMAGE_CH_PP : 0));
            if (me->notify)
                notify_mask[me->pd] |= 1ull << me->id;
            if (me->pp)
                pp_mask[me->pd] |= 1ull << me->id;
        }
    }
}

static int write_report(const char *path, const sdf_system_t *sys, const image_placement_t *pl,
                        const pd_build_t *builds, FILE *diag)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        fprintf(diag, "%s: error: cannot write the report: %s\n", path, strerror(errno));
        return 1;
    }
    fprintf(f, "\n# Boot image placement\n\n");
    for (size_t i = 0; i < sys->pd_count; i++) {
        const sdf_pd_t *pd = &sys->pds[i];
        fprintf(f, "## PD %s (image)\n\npriority %u, budget %llu us, period %llu us%s\n", pd->name, pd->priority,
                (unsigned long long)pd->budget_us, (unsigned long long)pd->period_us, pd->passive ? ", passive" : "");
        fprintf(f, "page-table pool: %llu tables at 0x%llx\n", (unsigned long long)builds[i].pool_tables,
                (unsigned long long)builds[i].pool_phys);
        fprintf(f, "IPC buffer: phys 0x%llx; stack: phys 0x%llx, %llu bytes\n",
                (unsigned long long)pl->pds[i].ipc_buffer_phys, (unsigned long long)pl->pds[i].stack_phys,
                (unsigned long long)pd->stack_size);
        for (size_t m = 0; m < pd->map_count; m++) {
            const sdf_map_t *map = &pd->maps[m];
            const sdf_mr_t *mr = &sys->mrs[map->mr];
            uint64_t vend = map->vaddr + mr->size;
            fprintf(f, "map %s: virt 0x%llx-0x%llx phys 0x%llx page 0x%llx perms %s%s%s %s\n", mr->name,
                    (unsigned long long)map->vaddr, (unsigned long long)vend,
                    (unsigned long long)pl->mr_phys[map->mr], (unsigned long long)pl->pds[i].map_page_size[m],
                    map->perms & SDF_PERM_R ? "r" : "", map->perms & SDF_PERM_W ? "w" : "",
                    map->perms & SDF_PERM_X ? "x" : "", map->cached ? "cached" : "uncached");
        }
        fprintf(f, "\n");
    }
    int rc = fclose(f) == 0 ? 0 : 1;
    if (rc)
        fprintf(diag, "%s: error: cannot write the report\n", path);
    return rc;
}

static int write_out(const char *path, const flat_t *flat, FILE *diag)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(diag, "%s: error: cannot create the image: %s\n", path, strerror(errno));
        return 1;
    }
    size_t n = fwrite(flat->buf, 1, flat->size, f);
    if (fclose(f) != 0 || n != flat->size) {
        fprintf(diag, "%s: error: cannot write the image\n", path);
        remove(path);
        return 1;
    }
    return 0;
}

static int patch_pd(const sdf_system_t *sys, size_t i, flat_t *flat, const pd_build_t *b,
                    const image_placement_t *pl, uint64_t masks[4], FILE *diag)
{
    const sdf_pd_t *pd = &sys->pds[i];
    char name[IMAGE_NAME_LEN] = {0};
    snprintf(name, sizeof(name), "%s", pd->name);
    uint8_t passive = pd->passive;
    int rc = 0;
    rc |= patch_symbol(flat, pd, b, "microkit_name", name, sizeof(name), false, diag);
    rc |= patch_symbol(flat, pd, b, "microkit_passive", &passive, 1, false, diag);
    rc |= patch_symbol(flat, pd, b, "microkit_notifications", &masks[0], 8, false, diag);
    rc |= patch_symbol(flat, pd, b, "microkit_pps", &masks[1], 8, false, diag);
    rc |= patch_symbol(flat, pd, b, "microkit_irqs", &masks[2], 8, false, diag);
    rc |= patch_symbol(flat, pd, b, "microkit_ioports", &masks[3], 8, false, diag);
    for (size_t m = 0; m < pd->map_count; m++) {
        const sdf_map_t *map = &pd->maps[m];
        uint64_t size = sys->mrs[map->mr].size;
        if (map->setvar_vaddr)
            rc |= patch_symbol(flat, pd, b, map->setvar_vaddr, &map->vaddr, 8, true, diag);
        if (map->setvar_size)
            rc |= patch_symbol(flat, pd, b, map->setvar_size, &size, 8, true, diag);
        if (map->setvar_prefill_size) {
            uint64_t length;
            if (prefill_length(&sys->mrs[map->mr], &length, diag))
                rc |= 1;
            else
                rc |= patch_symbol(flat, pd, b, map->setvar_prefill_size, &length, 8, true, diag);
        }
    }
    for (size_t q = 0; q < pd->irq_count; q++) {
        uint64_t id = pd->irqs[q].id;
        if (pd->irqs[q].setvar_id)
            rc |= patch_symbol(flat, pd, b, pd->irqs[q].setvar_id, &id, 8, true, diag);
    }
    for (size_t q = 0; q < pd->ioport_count; q++) {
        uint64_t id = pd->ioports[q].id, addr = pd->ioports[q].addr;
        if (pd->ioports[q].setvar_id)
            rc |= patch_symbol(flat, pd, b, pd->ioports[q].setvar_id, &id, 8, true, diag);
        if (pd->ioports[q].setvar_addr)
            rc |= patch_symbol(flat, pd, b, pd->ioports[q].setvar_addr, &addr, 8, true, diag);
    }
    for (size_t q = 0; q < pd->setvar_count; q++) {
        uint64_t paddr = pl->mr_phys[pd->setvars[q].mr];
        rc |= patch_symbol(flat, pd, b, pd->setvars[q].symbol, &paddr, 8, true, diag);
    }
    return rc;
}

/* Collects every PD's mappings: ELF segments, IPC buffer, stack, then its maps. */
static int collect_maps(const sdf_system_t *sys, size_t i, pd_build_t *b, const image_placement_t *pl, FILE *diag)
{
    const sdf_pd_t *pd = &sys->pds[i];
    int full = 0;
    b->maps = calloc(IMAGE_MAX_MAPS, sizeof(*b->maps));
    if (!b->maps) {
        fprintf(diag, "error: out of memory\n");
        return 1;
    }
    for (size_t s = 0; s < b->elf.seg_count; s++) {
        const elf_segment_t *seg = &b->elf.segs[s];
        uint64_t lo = align_down(seg->vaddr, PAGE), hi = align_up(seg->vaddr + seg->memsz, PAGE);
        uint32_t attrs = VSPACE_ATTR_READ | ((seg->flags & ELF_SEG_W) ? VSPACE_ATTR_WRITE : 0) |
                         ((seg->flags & ELF_SEG_X) ? VSPACE_ATTR_EXEC : 0);
        full |= add_map(b, lo, b->seg_phys[s], hi - lo, attrs, VSPACE_PAGE_2M);
    }
    uint64_t rw = VSPACE_ATTR_READ | VSPACE_ATTR_WRITE;
    uint64_t stack = align_up(pd->stack_size ? pd->stack_size : PAGE, PAGE);
    full |= add_map(b, SDF_PD_IPC_BUFFER, pl->pds[i].ipc_buffer_phys, PAGE, (uint32_t)rw, VSPACE_PAGE_4K);
    full |= add_map(b, SDF_PD_STACK_TOP - stack, pl->pds[i].stack_phys, stack, (uint32_t)rw, VSPACE_PAGE_2M);
    for (size_t m = 0; m < pd->map_count; m++) {
        const sdf_map_t *map = &pd->maps[m];
        const sdf_mr_t *mr = &sys->mrs[map->mr];
        uint32_t attrs = VSPACE_ATTR_READ | ((map->perms & SDF_PERM_W) ? VSPACE_ATTR_WRITE : 0) |
                         ((map->perms & SDF_PERM_X) ? VSPACE_ATTR_EXEC : 0) | (map->cached ? 0 : VSPACE_ATTR_UNCACHED);
        full |= add_map(b, map->vaddr, pl->mr_phys[map->mr], mr->size, attrs, mr->page_size);
    }
    if (full) {
        fprintf(diag, "%s:%u:%u: error: PD '%s' has more than %d mappings (segments, stack, IPC buffer and maps)\n",
                pd->loc.file, pd->loc.line, pd->loc.column, pd->name, IMAGE_MAX_MAPS);
        return 1;
    }
    return 0;
}

static int check_irqs(const sdf_system_t *sys, size_t *count, FILE *diag)
{
    bool used[256] = {false};
    *count = 0;
    for (size_t i = 0; i < sys->pd_count; i++) {
        for (size_t q = 0; q < sys->pds[i].irq_count; q++) {
            const sdf_irq_t *irq = &sys->pds[i].irqs[q];
            uint64_t v = IMAGE_IRQ_VECTOR_BASE + (uint64_t)irq->vector;
            if (v > IMAGE_IRQ_VECTOR_MAX || used[v]) {
                fprintf(diag, "%s:%u:%u: error: irq vector %u is %s; use a distinct vector from 0 to %u\n",
                        irq->loc.file, irq->loc.line, irq->loc.column, irq->vector,
                        v > IMAGE_IRQ_VECTOR_MAX ? "out of range" : "used twice",
                        IMAGE_IRQ_VECTOR_MAX - IMAGE_IRQ_VECTOR_BASE);
                return 1;
            }
            if (irq->kind == SDF_IRQ_IOAPIC && (irq->ioapic != 0 || irq->pin >= 24)) {
                fprintf(diag, "%s:%u:%u: error: IOAPIC %u pin %u does not exist here; use ioapic 0, pins 0..23\n",
                        irq->loc.file, irq->loc.line, irq->loc.column, irq->ioapic, irq->pin);
                return 1;
            }
            used[v] = true;
            (*count)++;
        }
    }
    if (*count > IMAGE_MAX_IRQS) {
        fprintf(diag, "error: the system has %zu IRQs; at most %d are supported\n", *count, IMAGE_MAX_IRQS);
        return 1;
    }
    return 0;
}

int image_build(const sdf_system_t *sys, const char *kernel_elf, const char *out, const char *report, FILE *diag)
{
    flat_t flat = {0};
    image_placement_t pl = {0};
    pd_build_t *builds = NULL;
    uint8_t *kfile = NULL;
    uint64_t (*masks)[4] = NULL;
    image_prefill_t *prefills = NULL;
    int rc = 1;
    uint64_t header_sym_phys;
    size_t irq_count;

    if (sys->pd_count == 0 || sys->pd_count > IMAGE_MAX_PDS) {
        fprintf(diag, "error: a system needs 1 to %d protection domains\n", IMAGE_MAX_PDS);
        return 1;
    }
    if (check_irqs(sys, &irq_count, diag) || image_place(sys, &pl, diag))
        return 1;
    builds = calloc(sys->pd_count, sizeof(*builds));
    masks = calloc(sys->pd_count, sizeof(*masks));
    if (!builds || !masks) {
        fprintf(diag, "error: out of memory\n");
        goto out;
    }
    if (load_kernel(kernel_elf, &flat, &header_sym_phys, &kfile, diag))
        goto out;

    /* Header and tables. */
    size_t total_maps = 0;
    for (size_t i = 0; i < sys->pd_count; i++) {
        if (load_pd_elf(&sys->pds[i], &builds[i], diag) || check_maps_vs_segments(sys, &sys->pds[i], &builds[i], diag))
            goto out;
        total_maps += 2 + builds[i].elf.seg_count + sys->pds[i].map_count;
    }
    uint64_t header_phys = IMAGE_LOAD_PHYS + flat.size;
    uint64_t pd_off = align_up(sizeof(image_header_t), 16);
    uint64_t irq_off = pd_off + sys->pd_count * sizeof(image_pd_t);
    size_t prefill_count = 0;
    for (size_t i = 0; i < sys->mr_count; i++)
        if (sys->mrs[i].prefill_path)
            prefill_count++;
    uint64_t map_off = align_up(irq_off + irq_count * sizeof(image_irq_t), 16);
    uint64_t prefill_off = map_off + total_maps * sizeof(image_map_t);
    uint64_t header_total = prefill_off + prefill_count * sizeof(image_prefill_t);
    uint64_t cursor = align_up(header_phys + header_total, PAGE);

    /* Segments, with their bss, page by page. */
    for (size_t i = 0; i < sys->pd_count; i++) {
        pd_build_t *b = &builds[i];
        for (size_t s = 0; s < b->elf.seg_count; s++) {
            const elf_segment_t *seg = &b->elf.segs[s];
            uint64_t lo = align_down(seg->vaddr, PAGE), hi = align_up(seg->vaddr + seg->memsz, PAGE);
            b->seg_phys[s] = cursor;
            if (flat_reserve(&flat, cursor + (hi - lo), diag))
                goto out;
            memcpy(flat.buf + (cursor - IMAGE_LOAD_PHYS) + (seg->vaddr - lo), b->elf.data + seg->offset, seg->filesz);
            cursor += hi - lo;
        }
        if (collect_maps(sys, i, b, &pl, diag))
            goto out;
    }
    /* Region contents, copied into the regions by the kernel at boot. */
    prefills = calloc(prefill_count ? prefill_count : 1, sizeof(*prefills));
    if (!prefills) {
        fprintf(diag, "error: out of memory\n");
        goto out;
    }
    for (size_t i = 0, n = 0; i < sys->mr_count; i++) {
        const sdf_mr_t *mr = &sys->mrs[i];
        if (!mr->prefill_path)
            continue;
        uint8_t *data = NULL;
        size_t len = 0;
        if (mr->has_phys_addr) {
            fprintf(diag, "%s:%u:%u: error: memory_region '%s' has a phys_addr, so it is a device and cannot be "
                          "prefilled; remove prefill_path or phys_addr\n",
                    mr->loc.file, mr->loc.line, mr->loc.column, mr->name);
            goto out;
        }
        if (read_prefill(mr, &data, &len, diag)) {
            goto out;
        }
        if (len > mr->size) {
            fprintf(diag, "%s:%u:%u: error: prefill_path '%s' has %zu bytes, more than memory_region '%s' holds "
                          "(0x%llx); make the region larger\n",
                    mr->loc.file, mr->loc.line, mr->loc.column, mr->prefill_path, len, mr->name,
                    (unsigned long long)mr->size);
            free(data);
            goto out;
        }
        if (flat_reserve(&flat, cursor + align_up(len, PAGE), diag)) {
            free(data);
            goto out;
        }
        if (len)
            memcpy(flat.buf + (cursor - IMAGE_LOAD_PHYS), data, len);
        prefills[n].dst = pl.mr_phys[i];
        prefills[n].src = cursor;
        prefills[n].len = len;
        n++;
        cursor += align_up(len, PAGE);
        free(data);
    }
    /* Page-table pools. */
    for (size_t i = 0; i < sys->pd_count; i++) {
        if (size_pool(&builds[i], &builds[i].pool_tables, diag, &sys->pds[i]))
            goto out;
        builds[i].pool_phys = cursor;
        cursor += builds[i].pool_tables * PAGE;
    }
    if (flat_reserve(&flat, cursor, diag))
        goto out;

    /* Fill the header. */
    uint8_t *hb = flat.buf + (header_phys - IMAGE_LOAD_PHYS);
    image_header_t *h = (image_header_t *)hb;
    image_pd_t *descs = (image_pd_t *)(hb + pd_off);
    image_irq_t *irqs = (image_irq_t *)(hb + irq_off);
    image_map_t *maps = (image_map_t *)(hb + map_off);
    h->magic = IMAGE_MAGIC;
    h->version = IMAGE_VERSION;
    h->header_size = sizeof(image_header_t);
    h->pd_count = (uint32_t)sys->pd_count;
    h->irq_count = (uint32_t)irq_count;
    h->pd_offset = pd_off;
    h->irq_offset = irq_off;
    h->image_end = cursor;
    h->zero_start = pl.zero_start;
    h->zero_end = pl.zero_end;
    h->high_start = pl.high_start;
    h->high_end = pl.high_end;
    h->total_size = header_total;
    h->prefill_offset = prefill_off;
    h->prefill_count = (uint32_t)prefill_count;
    if (prefill_count)
        memcpy(hb + prefill_off, prefills, prefill_count * sizeof(image_prefill_t));
    for (size_t i = 0; i < sys->pd_count; i++) {
        image_pd_t *d = &descs[i];
        memset(d->channels, 0xFF, sizeof(d->channels));
        for (size_t c = 0; c < IMAGE_MAX_CHANNELS; c++)
            d->channels[c].flags = 0;
        memset(d->children, IMAGE_NONE, sizeof(d->children));
    }
    uint64_t notify_mask[IMAGE_MAX_PDS] = {0}, pp_mask[IMAGE_MAX_PDS] = {0};
    fill_channels(sys, descs, notify_mask, pp_mask);
    size_t map_cursor = 0, irq_cursor = 0;
    for (size_t i = 0; i < sys->pd_count; i++) {
        const sdf_pd_t *pd = &sys->pds[i];
        image_pd_t *d = &descs[i];
        pd_build_t *b = &builds[i];
        snprintf(d->name, sizeof(d->name), "%s", pd->name);
        d->priority = pd->priority;
        d->passive = pd->passive;
        d->parent = pd->parent == SDF_NONE ? IMAGE_NONE : (uint8_t)pd->parent;
        d->child_id = pd->parent == SDF_NONE ? 0 : (uint8_t)pd->child_id;
        if (pd->parent != SDF_NONE)
            descs[pd->parent].children[pd->child_id] = (uint8_t)i;
        d->budget_us = pd->budget_us;
        d->period_us = pd->period_us;
        d->entry = b->elf.entry;
        d->stack_top = SDF_PD_STACK_TOP;
        d->ipc_buffer_phys = pl.pds[i].ipc_buffer_phys;
        d->pool_phys = b->pool_phys;
        d->pool_tables = b->pool_tables;
        d->map_count = (uint32_t)b->map_count;
        d->map_offset = map_off + map_cursor * sizeof(image_map_t);
        for (size_t m = 0; m < b->map_count; m++) {
            image_map_t *im = &maps[map_cursor++];
            im->vaddr = b->maps[m].vaddr;
            im->paddr = b->maps[m].paddr;
            im->size = b->maps[m].size;
            im->attrs = b->maps[m].attrs;
            im->max_page = b->maps[m].max_page;
        }
        masks[i][0] = notify_mask[i];
        masks[i][1] = pp_mask[i];
        for (size_t q = 0; q < pd->irq_count; q++) {
            const sdf_irq_t *irq = &pd->irqs[q];
            image_irq_t *ii = &irqs[irq_cursor];
            ii->pd = (uint8_t)i;
            ii->channel = (uint8_t)irq->id;
            ii->kind = irq->kind == SDF_IRQ_MSI ? IMAGE_IRQ_MSI : IMAGE_IRQ_IOAPIC;
            ii->vector = (uint8_t)(IMAGE_IRQ_VECTOR_BASE + irq->vector);
            ii->ioapic = (uint8_t)irq->ioapic;
            ii->pin = (uint8_t)irq->pin;
            ii->level = irq->level_triggered;
            ii->active_low = irq->active_low;
            ii->pci_bus = irq->pci_bus;
            ii->pci_dev = irq->pci_dev;
            ii->pci_func = irq->pci_func;
            d->channels[irq->id].irq = (uint8_t)irq_cursor;
            masks[i][2] |= 1ull << irq->id;
            irq_cursor++;
        }
        for (size_t q = 0; q < pd->ioport_count; q++) {
            const sdf_ioport_t *io = &pd->ioports[q];
            d->ioports[io->id].base = io->addr;
            d->ioports[io->id].size = io->size;
            masks[i][3] |= 1ull << io->id;
        }
    }
    for (size_t i = 0; i < sys->pd_count; i++)
        if (patch_pd(sys, i, &flat, &builds[i], &pl, masks[i], diag))
            goto out;

    /* The kernel finds the header; the boot loader finds the load range. */
    memcpy(flat.buf + (header_sym_phys - IMAGE_LOAD_PHYS), &header_phys, 8);
    size_t mb;
    for (mb = 0; mb + 32 <= 8192 && mb + 32 <= flat.size; mb += 4) {
        uint32_t magic;
        memcpy(&magic, flat.buf + mb, 4);
        if (magic == MB_MAGIC)
            break;
    }
    if (mb + 32 > 8192 || mb + 32 > flat.size) {
        fprintf(diag, "%s: error: the kernel has no Multiboot header in its first 8 KiB\n", kernel_elf);
        goto out;
    }
    uint32_t load_end = (uint32_t)(IMAGE_LOAD_PHYS + flat.size);
    memcpy(flat.buf + mb + 20, &load_end, 4); /* load_end_addr */
    memcpy(flat.buf + mb + 24, &load_end, 4); /* bss_end_addr: no bss beyond the file */

    if (report && write_report(report, sys, &pl, builds, diag))
        goto out;
    rc = write_out(out, &flat, diag);
out:
    free(prefills);
    if (builds)
        for (size_t i = 0; i < sys->pd_count; i++) {
            free(builds[i].file);
            free(builds[i].maps);
        }
    free(builds);
    free(masks);
    free(kfile);
    free(flat.buf);
    placement_free_n(&pl, sys->pd_count);
    return rc;
}
