/*
 * bench-sdf: the cost of reading a large system description, and what large
 * pages save in page tables.
 *
 * A system with 63 PDs and 1,000 maps is generated into a file. Then, in the
 * same run and on the same file:
 *   baseline  expat alone parses the file (no handlers beyond counting);
 *   measured  sdf_parse_file + validation + the full report (to /dev/null).
 * Each is repeated; the fastest and the median run are reported, with their
 * ratios to the baseline. Last, the page
 * planner plans every PD twice, with the real page sizes and with 4 KiB pages
 * only, and the page-table pages of both plans are compared.
 */
#define _GNU_SOURCE
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/check/layout.h"
#include "tools/check/report.h"
#include "tools/image/image.h"
#include "tools/sdf/sdf_parse.h"

#define BENCH_PDS 63
#define BENCH_MAPS 1000
#define BENCH_REPEAT 31

static const uint64_t sizes[] = {0x1000, 0x10000, 0x200000, 0x400000, 0x100000, 0x40000000};

/*
 * Region r's size: the first five in turn, and every 250th region 1 GiB. The
 * total (about 2.7 GiB) stays within what the image writer places below 4 GiB.
 */
static uint64_t region_size(size_t r)
{
    return sizes[r % 250 == 249 ? 5 : r % 5];
}

/*
 * Regions of assorted sizes, each mapped by two PDs (one writer, one reader)
 * at addresses aligned to the region's size, so large pages are possible
 * wherever the size allows; PDs talk to their neighbours over channels.
 */
static int generate(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    size_t regions = BENCH_MAPS / 2;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<system>\n");
    for (size_t r = 0; r < regions; r++) {
        uint64_t size = region_size(r);
        fprintf(f, "    <memory_region name=\"mr%zu\" size=\"0x%llx\"/>\n", r,
                (unsigned long long)size);
    }
    uint64_t next_vaddr[BENCH_PDS];
    for (size_t p = 0; p < BENCH_PDS; p++)
        next_vaddr[p] = 0x40000000; /* the program image lives below */
    /* Maps per PD, built first so each PD's element is written in one go. */
    static char *maps[BENCH_PDS];
    static size_t map_len[BENCH_PDS];
    static FILE *mf[BENCH_PDS];
    for (size_t p = 0; p < BENCH_PDS; p++)
        mf[p] = open_memstream(&maps[p], &map_len[p]);
    for (size_t r = 0; r < regions; r++) {
        uint64_t size = region_size(r);
        size_t writer = r % BENCH_PDS, reader = (r * 7 + 1) % BENCH_PDS;
        if (reader == writer)
            reader = (reader + 1) % BENCH_PDS;
        size_t who[2] = {writer, reader};
        for (int k = 0; k < 2; k++) {
            size_t p = who[k];
            uint64_t align = size < 0x200000 ? 0x200000 : size;
            uint64_t va = (next_vaddr[p] + align - 1) & ~(align - 1);
            next_vaddr[p] = va + size;
            fprintf(mf[p], "        <map mr=\"mr%zu\" vaddr=\"0x%llx\" perms=\"%s\"/>\n", r,
                    (unsigned long long)va, k == 0 ? "rw" : "r");
        }
    }
    for (size_t p = 0; p < BENCH_PDS; p++) {
        fclose(mf[p]);
        fprintf(f, "    <protection_domain name=\"pd%zu\" priority=\"%zu\" budget=\"1000\" "
                   "period=\"10000\">\n        <program_image path=\"pd%zu.elf\"/>\n%s"
                   "    </protection_domain>\n", p, 10 + p, p, maps[p]);
        free(maps[p]);
    }
    for (size_t p = 0; p + 1 < BENCH_PDS; p++)
        fprintf(f, "    <channel>\n        <end pd=\"pd%zu\" id=\"0\" pp=\"true\"/>\n"
                   "        <end pd=\"pd%zu\" id=\"1\"/>\n    </channel>\n", p, p + 1);
    fprintf(f, "</system>\n");
    return fclose(f);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void XMLCALL count_start(void *data, const XML_Char *name, const XML_Char **atts)
{
    (void)name;
    (void)atts;
    ++*(size_t *)data;
}

/* The baseline: read the file and let expat parse it, counting elements. */
static size_t expat_only(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    XML_Parser parser = XML_ParserCreate(NULL);
    size_t elements = 0;
    XML_SetUserData(parser, &elements);
    XML_SetStartElementHandler(parser, count_start);
    char buf[65536];
    size_t got;
    int ok = 1;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0 && ok)
        ok = XML_Parse(parser, buf, (int)got, 0) == XML_STATUS_OK;
    ok = ok && XML_Parse(parser, buf, 0, 1) == XML_STATUS_OK;
    XML_ParserFree(parser);
    fclose(f);
    return ok ? elements : 0;
}

/* Parse and validate, then report; *t_parse gets the time of the first part. */
static int ours(const char *path, FILE *sink, double *t_parse)
{
    sdf_system_t *sys;
    double t0 = now();
    if (sdf_parse_file(path, &sys, stderr) != 0)
        return -1;
    *t_parse = now() - t0;
    int rc = check_report_write(sys, sink);
    sdf_free(sys);
    return rc;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(void)
{
    char path[] = "/tmp/bench-sdf-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || close(fd) != 0 || generate(path) != 0) {
        fprintf(stderr, "bench-sdf: cannot write the generated system\n");
        return 1;
    }
    FILE *sink = fopen("/dev/null", "w");
    double t_expat[BENCH_REPEAT], t_ours[BENCH_REPEAT], t_parse[BENCH_REPEAT];
    size_t elements = 0;
    int rc = 0;
    for (int i = 0; i < BENCH_REPEAT && rc == 0; i++) {
        double t0 = now();
        elements = expat_only(path);
        double t1 = now();
        rc = ours(path, sink, &t_parse[i]);
        double t2 = now();
        t_expat[i] = t1 - t0;
        t_ours[i] = t2 - t1;
    }
    if (rc != 0 || elements == 0) {
        fprintf(stderr, "bench-sdf: the generated system did not parse\n");
        return 1;
    }
    qsort(t_expat, BENCH_REPEAT, sizeof(double), cmp_double);
    qsort(t_ours, BENCH_REPEAT, sizeof(double), cmp_double);
    qsort(t_parse, BENCH_REPEAT, sizeof(double), cmp_double);
    double me = t_expat[BENCH_REPEAT / 2], mo = t_ours[BENCH_REPEAT / 2];
    double mp = t_parse[BENCH_REPEAT / 2];

    sdf_system_t *sys;
    if (sdf_parse_file(path, &sys, stderr) != 0)
        return 1;
    /* Plan at the physical addresses the image writer gives the regions. */
    image_placement_t pl;
    if (image_place(sys, &pl, stderr) != 0)
        return 1;
    size_t maps = 0, tables = 0, tables_4k = 0, pages[LAYOUT_SIZES] = {0};
    for (size_t p = 0; p < sys->pd_count; p++) {
        layout_pd_t real, small;
        if (layout_plan_pd(sys, pl.mr_phys, p, false, &real) != 0 ||
            layout_plan_pd(sys, pl.mr_phys, p, true, &small)) {
            fprintf(stderr, "bench-sdf: the planner refused PD %zu\n", p);
            return 1;
        }
        if (layout_tables_4k(sys, p) != small.tables) {
            fprintf(stderr, "bench-sdf: the report's 4 KiB table count disagrees with the "
                            "planner for PD %zu\n", p);
            return 1;
        }
        maps += sys->pds[p].map_count;
        tables += real.tables;
        tables_4k += small.tables;
        for (size_t m = 0; m < sys->pds[p].map_count; m++)
            for (int s = 0; s < LAYOUT_SIZES; s++)
                pages[s] += real.maps[m].pages[s];
        layout_free(&real);
        layout_free(&small);
    }
    printf("bench-sdf: %zu PDs, %zu maps, %zu memory regions, %zu channels, %zu XML elements\n",
           sys->pd_count, maps, sys->mr_count, sys->channel_count, elements);
    /* The minimum is what the code costs; the median shows how much a loaded machine adds. */
    printf("| step | fastest of %d runs | median |\n|---|---|---|\n", BENCH_REPEAT);
    printf("| expat alone (baseline) | %.3f ms | %.3f ms |\n", t_expat[0] * 1e3, me * 1e3);
    printf("| parse + validate | %.3f ms (%.2f×) | %.3f ms (%.2f×) |\n", t_parse[0] * 1e3,
           t_parse[0] / t_expat[0], mp * 1e3, mp / me);
    printf("| parse + validate + report | %.3f ms (%.2f×) | %.3f ms (%.2f×) |\n\n",
           t_ours[0] * 1e3, t_ours[0] / t_expat[0], mo * 1e3, mo / me);
    printf("| plan | page-table pages |\n|---|---|\n");
    printf("| 4 KiB pages only (baseline) | %zu |\n", tables_4k);
    printf("| largest pages (1 GiB, 2 MiB, 4 KiB) | %zu |\n", tables);
    printf("| ratio | %.4f (%.1f× fewer) |\n", (double)tables / (double)tables_4k,
           (double)tables_4k / (double)tables);
    printf("leaves used: %zu × 1 GiB, %zu × 2 MiB, %zu × 4 KiB\n", pages[LAYOUT_1G],
           pages[LAYOUT_2M], pages[LAYOUT_4K]);
    image_placement_free(&pl);
    sdf_free(sys);
    fclose(sink);
    if (!getenv("BENCH_SDF_KEEP")) unlink(path); else printf("kept %s\n", path);
    return 0;
}
