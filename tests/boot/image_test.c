/*
 * test-image: the ELF reader and the image writer, on the host under ASan
 * and UBSan.
 *
 * Usage: image_test KERNEL_ELF PD_ELF_DIR
 * PD_ELF_DIR holds the default system's PD programs (client.elf, server.elf),
 * real outputs of the PD build, so the reader and writer are tested on what
 * they really get. Each case prints PASS:/FAIL:.
 */
#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/abi/image.h"
#include "lib/vspace/vspace_plan.h"
#include "tools/image/elf.h"
#include "tools/image/image.h"
#include "tools/sdf/sdf_parse.h"

static int failures;
static const char *kernel_path, *pd_dir;

#define CHECK(name, cond, ...)                                                                     \
    do {                                                                                           \
        if (cond) {                                                                                \
            printf("PASS: image/%s\n", name);                                                     \
        } else {                                                                                   \
            printf("FAIL: image/%s ", name);                                                      \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
            failures++;                                                                            \
        }                                                                                          \
    } while (0)

/* Reads a whole file; exits the test when it cannot (a broken setup, not a finding). */
static uint8_t *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    *len = (size_t)n;
    return buf;
}

/* A small deterministic generator (xorshift64), so every run corrupts alike. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void spit(const char *path, const uint8_t *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(2);
    }
    fclose(f);
}

static char tmpdir[64];

static void path_in_tmp(char *out, size_t len, const char *name)
{
    snprintf(out, len, "%s/%s", tmpdir, name);
}

/* ---- ELF reader ---- */

static void test_elf_real(const uint8_t *elf, size_t len)
{
    elf_file_t e;
    char why[128];
    int rc = elf_parse(elf, len, &e, why, sizeof(why));
    CHECK("elf-reads-a-pd-program", rc == 0 && e.entry == 0x200000 && e.seg_count == 3, "rc %d entry 0x%llx segs %zu",
          rc, (unsigned long long)e.entry, e.seg_count);
    bool flags_ok = rc == 0 && e.segs[0].flags == (ELF_SEG_R | ELF_SEG_X) && e.segs[1].flags == ELF_SEG_R &&
                    e.segs[2].flags == (ELF_SEG_R | ELF_SEG_W);
    CHECK("elf-segments-code-rodata-data", flags_ok, "segment flags differ from microkit.ld's layout");
    uint64_t v = 0, s = 0;
    CHECK("elf-finds-microkit-name", elf_symbol(&e, "microkit_name", &v, &s) == 0 && s == 64,
          "microkit_name at 0x%llx size %llu", (unsigned long long)v, (unsigned long long)s);
    CHECK("elf-unknown-symbol-not-found", elf_symbol(&e, "no_such_symbol_here", &v, &s) != 0, "found it");
    CHECK("elf-symbol-prefix-is-not-a-match", elf_symbol(&e, "microkit_nam", &v, &s) != 0, "prefix matched");
}

static void test_elf_truncations(const uint8_t *elf, size_t len)
{
    elf_file_t e;
    char why[128];
    int bad = 0;
    for (size_t n = 0; n < len; n += (n < 256 ? 1 : 97)) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, elf, n);
        int rc = elf_parse(copy, n, &e, why, sizeof(why));
        uint64_t v, s;
        if (rc == 0) {
            (void)elf_symbol(&e, "microkit_name", &v, &s);
            (void)elf_segment_at(&e, 0x200000, 8);
        }
        Elf64_Ehdr eh;
        memcpy(&eh, elf, sizeof(eh));
        if (n < eh.e_phoff + (size_t)eh.e_phnum * sizeof(Elf64_Phdr) && rc == 0)
            bad++;
        free(copy);
    }
    CHECK("elf-truncated-files-rejected", bad == 0, "%d truncations that cut the program headers parsed", bad);
}

static void test_elf_corruptions(const uint8_t *elf, size_t len)
{
    elf_file_t e;
    char why[128];
    uint8_t *c = malloc(len);
    Elf64_Ehdr eh;
    memcpy(&eh, elf, sizeof(eh));

    memcpy(c, elf, len);
    c[0] = 0;
    CHECK("elf-bad-magic", elf_parse(c, len, &e, why, sizeof(why)) != 0 && strstr(why, "not an ELF"), "%s", why);
    memcpy(c, elf, len);
    c[EI_CLASS] = ELFCLASS32;
    CHECK("elf-32-bit-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");
    memcpy(c, elf, len);
    ((Elf64_Ehdr *)c)->e_machine = EM_AARCH64;
    CHECK("elf-other-machine-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0 && strstr(why, "x86_64"), "%s",
          why);
    memcpy(c, elf, len);
    ((Elf64_Ehdr *)c)->e_type = ET_DYN;
    CHECK("elf-shared-object-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");
    memcpy(c, elf, len);
    ((Elf64_Ehdr *)c)->e_phnum = 0xFFFF;
    CHECK("elf-huge-phnum-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");
    memcpy(c, elf, len);
    Elf64_Phdr *ph = (Elf64_Phdr *)(c + eh.e_phoff);
    ph[0].p_offset = len - 16;
    ph[0].p_filesz = 4096;
    CHECK("elf-segment-outside-file-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");
    memcpy(c, elf, len);
    ph[0].p_filesz = ph[0].p_memsz + 1;
    CHECK("elf-filesz-over-memsz-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");
    memcpy(c, elf, len);
    ph[0].p_vaddr = UINT64_MAX - 10;
    CHECK("elf-wrapping-segment-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");
    memcpy(c, elf, len);
    ((Elf64_Ehdr *)c)->e_shoff = len - 8;
    CHECK("elf-section-table-outside-file-rejected", elf_parse(c, len, &e, why, sizeof(why)) != 0, "accepted");

    /* Random byte corruption: any outcome but a crash (ASan/UBSan watch). */
    int parsed = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(c, elf, len);
        for (int k = 0; k < 4; k++)
            c[rng() % (round % 2 ? 256 : len)] = (uint8_t)rng();
        if (elf_parse(c, len, &e, why, sizeof(why)) == 0) {
            uint64_t v, s;
            parsed++;
            (void)elf_symbol(&e, "microkit_notifications", &v, &s);
            (void)elf_segment_at(&e, rng(), rng() % 0x10000);
        }
    }
    /* Some corruptions hit bytes nobody reads; others must be caught. */
    CHECK("elf-random-corruption-survived", parsed > 0 && parsed < 3000, "%d of 3000 parsed", parsed);
    free(c);
}

/* ---- image writer ---- */

static const char *system_xml =
    "<system>\n"
    "  <memory_region name=\"shared\" size=\"0x1000\" />\n"
    "  <memory_region name=\"big\" size=\"0x400000\" page_size=\"0x200000\" />\n"
    "  <memory_region name=\"huge\" size=\"0x40000000\" page_size=\"0x40000000\" />\n"
    "  <memory_region name=\"dev\" size=\"0x1000\" phys_addr=\"0xfed00000\" />\n"
    "  <protection_domain name=\"server\" priority=\"200\" passive=\"true\">\n"
    "    <program_image path=\"server.elf\" />\n"
    "    <map mr=\"shared\" vaddr=\"0x5000000\" perms=\"r\" />\n"
    "  </protection_domain>\n"
    "  <protection_domain name=\"client\" priority=\"100\">\n"
    "    <program_image path=\"client.elf\" />\n"
    "    <map mr=\"shared\" vaddr=\"0x4000000\" perms=\"rw\" />\n"
    "    <map mr=\"big\" vaddr=\"0x10000000\" perms=\"rw\" />\n"
    "    <map mr=\"huge\" vaddr=\"0x40000000\" perms=\"rw\" />\n"
    "    <map mr=\"dev\" vaddr=\"0x10400000\" perms=\"rw\" cached=\"false\" />\n"
    "    <ioport id=\"0\" addr=\"0xf4\" size=\"4\" />\n"
    "    <irq irq_placeholder=\"\" />\n"
    "  </protection_domain>\n"
    "  <channel><end pd=\"client\" id=\"0\" pp=\"true\" /><end pd=\"server\" id=\"3\" /></channel>\n"
    "</system>\n";

static sdf_system_t *parse_system(const char *xml, const char *search)
{
    sdf_system_t *sys = NULL;
    const char *dirs[1] = {search};
    if (sdf_parse_buffer("test.system", xml, strlen(xml), &sys, stderr) != 0)
        return NULL;
    if (sdf_resolve_images(sys, dirs, 1, stderr) != 0) {
        sdf_free(sys);
        return NULL;
    }
    return sys;
}

/* The system above with the IRQ line replaced by `irq`. */
static char *system_with_irq(const char *irq)
{
    const char *at = strstr(system_xml, "<irq irq_placeholder=\"\" />");
    size_t head = (size_t)(at - system_xml), tail_at = head + strlen("<irq irq_placeholder=\"\" />");
    size_t len = strlen(system_xml) - (tail_at - head) + strlen(irq) + 1;
    char *out = malloc(len);
    snprintf(out, len, "%.*s%s%s", (int)head, system_xml, irq, system_xml + tail_at);
    return out;
}

static const uint8_t *phys(const uint8_t *img, uint64_t p)
{
    return img + (p - IMAGE_LOAD_PHYS);
}

static void test_image_build(void)
{
    char *xml = system_with_irq("<irq id=\"5\" ioapic=\"0\" pin=\"4\" trigger=\"level\" polarity=\"low\" vector=\"2\" />");
    sdf_system_t *sys = parse_system(xml, pd_dir);
    free(xml);
    CHECK("writer-test-system-parses", sys != NULL, "the test system did not parse");
    if (!sys)
        return;
    char out[128], report[128];
    path_in_tmp(out, sizeof(out), "t.img");
    path_in_tmp(report, sizeof(report), "t.report");
    char diagbuf[4096] = {0};
    FILE *diag = fmemopen(diagbuf, sizeof(diagbuf) - 1, "w");
    int rc = image_build(sys, kernel_path, out, report, diag);
    fclose(diag);
    CHECK("writer-builds-an-image", rc == 0, "%s", diagbuf);
    if (rc != 0) {
        sdf_free(sys);
        return;
    }
    size_t len = 0;
    uint8_t *img = slurp(out, &len);

    /* Multiboot header: magic and the load range patched to the file's size. */
    uint32_t mb[8] = {0};
    size_t off;
    for (off = 0; off + 32 <= 8192; off += 4) {
        memcpy(mb, img + off, 32);
        if (mb[0] == 0x1BADB002u)
            break;
    }
    CHECK("writer-multiboot-load-range", mb[0] == 0x1BADB002u && mb[4] == IMAGE_LOAD_PHYS &&
                                             mb[5] == IMAGE_LOAD_PHYS + len && (mb[1] & (1u << 16)),
          "header %08x load 0x%x..0x%x file %zu", mb[0], mb[4], mb[5], len);

    /* The kernel variable points at the header. */
    elf_file_t k;
    size_t klen = 0;
    uint8_t *kfile = slurp(kernel_path, &klen);
    uint64_t kv = 0, ks = 0;
    if (elf_parse(kfile, klen, &k, NULL, 0) != 0 || elf_symbol(&k, "boot_image_header_phys", &kv, &ks) != 0) {
        CHECK("writer-kernel-has-header-variable", false, "the kernel ELF lacks boot_image_header_phys");
        free(img);
        free(kfile);
        sdf_free(sys);
        return;
    }
    const elf_segment_t *kseg = elf_segment_at(&k, kv, 8);
    uint64_t hphys;
    memcpy(&hphys, phys(img, kseg->paddr + (kv - kseg->vaddr)), 8);
    const image_header_t *h = (const image_header_t *)phys(img, hphys);
    CHECK("writer-header-found-by-kernel-variable", h->magic == IMAGE_MAGIC && h->version == IMAGE_VERSION &&
                                                        h->pd_count == 2 && h->irq_count == 1,
          "magic 0x%llx pds %u irqs %u", (unsigned long long)h->magic, h->pd_count, h->irq_count);
    const image_pd_t *pds = (const image_pd_t *)((const uint8_t *)h + h->pd_offset);
    const image_pd_t *server = &pds[0], *client = &pds[1];
    CHECK("writer-pd-table", strcmp(server->name, "server") == 0 && server->passive && server->priority == 200 &&
                                 strcmp(client->name, "client") == 0 && client->entry == 0x200000,
          "pd table differs");
    CHECK("writer-channel-ends", client->channels[0].peer == 0 && client->channels[0].peer_id == 3 &&
                                     client->channels[0].flags == (IMAGE_CH_PP | IMAGE_CH_NOTIFY) &&
                                     server->channels[3].peer == 1 && server->channels[3].peer_id == 0 &&
                                     server->channels[3].flags == IMAGE_CH_NOTIFY && client->channels[1].peer == IMAGE_NONE,
          "channel table differs");
    const image_irq_t *irq = (const image_irq_t *)((const uint8_t *)h + h->irq_offset);
    CHECK("writer-irq-routed", irq->pd == 1 && irq->channel == 5 && irq->pin == 4 && irq->level && irq->active_low &&
                                   irq->vector == IMAGE_IRQ_VECTOR_BASE + 2 && client->channels[5].irq == 0,
          "irq entry differs");
    CHECK("writer-ioport-granted", client->ioports[0].base == 0xf4 && client->ioports[0].size == 4 &&
                                       server->ioports[0].size == 0,
          "ioport table differs");

    /* The client's maps: placement, attributes, page-size limits. */
    const image_map_t *maps = (const image_map_t *)((const uint8_t *)h + client->map_offset);
    const image_map_t *big = NULL, *huge = NULL, *dev = NULL, *ipc = NULL;
    for (uint32_t m = 0; m < client->map_count; m++) {
        if (maps[m].vaddr == 0x10000000)
            big = &maps[m];
        if (maps[m].vaddr == 0x40000000)
            huge = &maps[m];
        if (maps[m].vaddr == 0x10400000)
            dev = &maps[m];
        if (maps[m].vaddr == 0x00007FFFFFF00000ull)
            ipc = &maps[m];
    }
    CHECK("writer-2m-region-aligned", big && big->paddr % 0x200000 == 0 && big->max_page == 0x200000 &&
                                          big->paddr >= IMAGE_ZERO_BASE && big->paddr + big->size <= h->zero_end,
          "big region at 0x%llx", big ? (unsigned long long)big->paddr : 0ull);
    CHECK("writer-1g-region-above-4g", huge && huge->paddr == IMAGE_HIGH_BASE && h->high_end == IMAGE_HIGH_BASE + 0x40000000,
          "huge region at 0x%llx", huge ? (unsigned long long)huge->paddr : 0ull);
    CHECK("writer-device-region-fixed-uncached", dev && dev->paddr == 0xfed00000 && (dev->attrs & VSPACE_ATTR_UNCACHED) &&
                                                     (dev->attrs & VSPACE_ATTR_WRITE) && !(dev->attrs & VSPACE_ATTR_EXEC),
          "device map differs");
    CHECK("writer-ipc-buffer-mapped", ipc && ipc->paddr == client->ipc_buffer_phys && ipc->size == 0x1000,
          "no IPC buffer map");
    bool wx = false;
    for (uint32_t i = 0; i < 2; i++) {
        const image_map_t *pm = (const image_map_t *)((const uint8_t *)h + pds[i].map_offset);
        for (uint32_t m = 0; m < pds[i].map_count; m++)
            if ((pm[m].attrs & VSPACE_ATTR_WRITE) && (pm[m].attrs & VSPACE_ATTR_EXEC))
                wx = true;
    }
    CHECK("writer-no-writable-executable-mapping", !wx, "a W+X mapping was written");

    /* The pool is large enough for the kernel's plan plus its 1 GiB shattering. */
    vspace_mapping_t vm[IMAGE_MAX_MAPS];
    for (uint32_t m = 0; m < client->map_count; m++)
        vm[m] = (vspace_mapping_t){maps[m].vaddr, maps[m].paddr, maps[m].size, maps[m].attrs | VSPACE_ATTR_USER,
                                   maps[m].max_page};
    vspace_piece_t scratch[2 * IMAGE_MAX_MAPS + 1];
    uint64_t (*tables)[VSPACE_ENTRIES] = calloc(client->pool_tables, sizeof(*tables));
    vspace_pool_t pool = {tables, client->pool_tables, 0, client->pool_phys};
    size_t root;
    vspace_err_t perr = vspace_plan(vm, client->map_count, true, scratch, 2 * IMAGE_MAX_MAPS + 1, &pool, &root);
    vspace_err_t serr = perr == VSPACE_OK ? vspace_shatter_1g(&pool, root) : perr;
    CHECK("writer-pool-fits-plan-and-shattering", perr == VSPACE_OK && serr == VSPACE_OK, "plan %d shatter %d", perr,
          serr);
    free(tables);

    /* libmicrokit's symbols patched in the client's data segment. */
    size_t clen = 0;
    char cpath[256];
    snprintf(cpath, sizeof(cpath), "%s/client.elf", pd_dir);
    uint8_t *cfile = slurp(cpath, &clen);
    elf_file_t ce;
    uint64_t nv = 0, ns = 0, mv = 0, ms = 0;
    if (elf_parse(cfile, clen, &ce, NULL, 0) != 0 || elf_symbol(&ce, "microkit_name", &nv, &ns) != 0 ||
        elf_symbol(&ce, "microkit_pps", &mv, &ms) != 0)
        CHECK("writer-client-has-libmicrokit-symbols", false, "client.elf lacks libmicrokit's symbols");
    /* The data segment is the client's third map (segments come first, in order). */
    uint64_t data_phys = maps[2].paddr, data_vaddr = maps[2].vaddr;
    uint64_t pps;
    memcpy(&pps, phys(img, data_phys + (mv - data_vaddr)), 8);
    CHECK("writer-patches-name-and-masks", strcmp((const char *)phys(img, data_phys + (nv - data_vaddr)), "client") == 0 &&
                                               pps == 1,
          "microkit_pps 0x%llx", (unsigned long long)pps);
    free(cfile);

    /* Deterministic: the same input gives the same bytes. */
    char out2[128];
    path_in_tmp(out2, sizeof(out2), "t2.img");
    diag = fopen("/dev/null", "w");
    rc = image_build(sys, kernel_path, out2, NULL, diag);
    fclose(diag);
    size_t len2 = 0;
    uint8_t *img2 = rc == 0 ? slurp(out2, &len2) : NULL;
    CHECK("writer-is-deterministic", img2 && len2 == len && memcmp(img, img2, len) == 0, "images differ");
    free(img2);

    /* image_place agrees with what was built, without reading any file. */
    image_placement_t pl;
    diag = fopen("/dev/null", "w");
    rc = image_place(sys, &pl, diag);
    fclose(diag);
    CHECK("place-matches-build", rc == 0 && pl.mr_phys[2] == IMAGE_HIGH_BASE && pl.mr_phys[3] == 0xfed00000 &&
                                     pl.pds[1].ipc_buffer_phys == client->ipc_buffer_phys &&
                                     pl.pds[1].map_page_size[2] == 0x40000000 && pl.pds[1].map_page_size[1] == 0x200000 &&
                                     pl.pds[1].map_page_size[3] == 0x1000,
          "placement differs");
    if (rc == 0)
        image_placement_free(&pl);

    FILE *r = fopen(report, "r");
    char line[512];
    bool seen = false;
    while (r && fgets(line, sizeof(line), r))
        if (strstr(line, "map huge: virt 0x40000000") && strstr(line, "page 0x40000000"))
            seen = true;
    if (r)
        fclose(r);
    CHECK("writer-report-names-page-sizes", seen, "report lacks the huge map line");
    free(img);
    free(kfile);
    sdf_free(sys);
}

/* Builds `xml` and expects failure with `want` in the diagnostics. */
static void expect_error(const char *name, sdf_system_t *sys, const char *want)
{
    char diagbuf[4096] = {0};
    char out[128];
    path_in_tmp(out, sizeof(out), "bad.img");
    unlink(out);
    FILE *diag = fmemopen(diagbuf, sizeof(diagbuf) - 1, "w");
    int rc = sys ? image_build(sys, kernel_path, out, NULL, diag) : -1;
    fclose(diag);
    CHECK(name, sys && rc != 0 && strstr(diagbuf, want) && access(out, F_OK) != 0, "rc %d, diagnostics: %s", rc,
          diagbuf);
}

static void test_image_errors(const uint8_t *client, size_t clen)
{
    char *xml;
    sdf_system_t *sys;
    /* A program whose data segment is also executable. */
    char dir[128], path[256];
    path_in_tmp(dir, sizeof(dir), "");
    uint8_t *c = malloc(clen);
    memcpy(c, client, clen);
    Elf64_Ehdr eh;
    memcpy(&eh, c, sizeof(eh));
    Elf64_Phdr *ph = (Elf64_Phdr *)(c + eh.e_phoff);
    for (int i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_W))
            ph[i].p_flags |= PF_X;
    snprintf(path, sizeof(path), "%s/client.elf", tmpdir);
    spit(path, c, clen);
    /* server.elf comes from the real directory via a second copy. */
    size_t slen = 0;
    char spath[256];
    snprintf(spath, sizeof(spath), "%s/server.elf", pd_dir);
    uint8_t *s = slurp(spath, &slen);
    snprintf(path, sizeof(path), "%s/server.elf", tmpdir);
    spit(path, s, slen);
    xml = system_with_irq("");
    sys = parse_system(xml, tmpdir);
    expect_error("writer-rejects-writable-executable-segment", sys, "both writable and executable");
    sdf_free(sys);

    /* A program that is not an ELF file at all. */
    snprintf(path, sizeof(path), "%s/client.elf", tmpdir);
    static const char script[] = "#!/bin/sh\n# a shell script is not a program image, however long it is\n"
                                 "echo hello\n";
    spit(path, (const uint8_t *)script, sizeof(script) - 1);
    sys = parse_system(xml, tmpdir);
    expect_error("writer-rejects-non-elf-program", sys, "not an ELF file");
    sdf_free(sys);
    free(xml);

    /* A map on top of the program's code. */
    const char *overlap = "<system><memory_region name=\"m\" size=\"0x1000\" />"
                          "<protection_domain name=\"client\" priority=\"1\"><program_image path=\"client.elf\" />"
                          "<map mr=\"m\" vaddr=\"0x200000\" perms=\"rw\" /></protection_domain></system>";
    sys = parse_system(overlap, pd_dir);
    expect_error("writer-rejects-map-over-program", sys, "overlaps the program's segment");
    sdf_free(sys);

    /* A setvar naming a symbol the program lacks. */
    const char *setvar = "<system><memory_region name=\"m\" size=\"0x1000\" />"
                         "<protection_domain name=\"client\" priority=\"1\"><program_image path=\"client.elf\" />"
                         "<map mr=\"m\" vaddr=\"0x4000000\" perms=\"rw\" setvar_vaddr=\"no_such_var\" />"
                         "</protection_domain></system>";
    sys = parse_system(setvar, pd_dir);
    expect_error("writer-rejects-unknown-setvar-symbol", sys, "no symbol 'no_such_var'");
    sdf_free(sys);

    /* A missing kernel. */
    xml = system_with_irq("");
    sys = parse_system(xml, pd_dir);
    const char *saved = kernel_path;
    kernel_path = "/nonexistent/kernel.elf";
    expect_error("writer-rejects-missing-kernel", sys, "cannot open");
    kernel_path = saved;
    sdf_free(sys);
    free(xml);
    free(c);
    free(s);
}

static void test_page_size_for(void)
{
    CHECK("page-size-1g-aligned", image_page_size_for(0x40000000, 0x100000000, 0x40000000, 0x40000000) == 0x40000000,
          "wrong");
    CHECK("page-size-limited-by-max", image_page_size_for(0x40000000, 0x100000000, 0x40000000, 0x200000) == 0x200000,
          "wrong");
    CHECK("page-size-misaligned-phys", image_page_size_for(0x40000000, 0x100001000, 0x40000000, 0x40000000) == 0x1000,
          "wrong");
    CHECK("page-size-too-small", image_page_size_for(0x200000, 0x200000, 0x1ff000, 0x200000) == 0x1000, "wrong");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s KERNEL_ELF PD_ELF_DIR\n", argv[0]);
        return 2;
    }
    kernel_path = argv[1];
    pd_dir = argv[2];
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/image_test.XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    char cpath[256];
    snprintf(cpath, sizeof(cpath), "%s/client.elf", pd_dir);
    size_t len;
    uint8_t *client = slurp(cpath, &len);
    if (!client) {
        fprintf(stderr, "cannot read %s\n", cpath);
        return 2;
    }
    test_elf_real(client, len);
    test_elf_truncations(client, len);
    test_elf_corruptions(client, len);
    test_page_size_for();
    test_image_build();
    test_image_errors(client, len);
    free(client);
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return failures ? 1 : 0;
}
