/*
 * Host test of the system description parser, run under ASan and UBSan
 * (which also catch any allocation an error path leaves behind).
 *
 * Every diagnostic in sdf_cases.h must come out with its file, line, column
 * and message; a full example system must come out as the exact model; the
 * limits (63 PDs, 61 ids) are probed on both sides; program images resolve
 * through search directories.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/tools/sdf_cases.h"
#include "tools/sdf/sdf_parse.h"
#include "tests/harness.h"

/* Parses text; returns the system (or NULL) and the diagnostics in *diag_text. */
static sdf_system_t *parse_text(const char *text, char **diag_text, int *rc)
{
    size_t diag_len = 0;
    FILE *diag = open_memstream(diag_text, &diag_len);
    sdf_system_t *sys = NULL;
    *rc = sdf_parse_buffer("t.system", text, strlen(text), &sys, diag);
    fclose(diag);
    return sys;
}

static void run_error_cases(void)
{
    for (size_t i = 0; i < sizeof sdf_error_cases / sizeof sdf_error_cases[0]; i++) {
        const sdf_case_t *t = &sdf_error_cases[i];
        char *diag = NULL;
        int rc;
        sdf_system_t *sys = parse_text(t->text, &diag, &rc);
        char name[128];
        snprintf(name, sizeof name, "sdf/error/%s", t->name);
        if (rc == 0 || sys)
            test_verdict(name, "parsed without error");
        else if (strncmp(diag, t->expect, strlen(t->expect)) != 0)
            test_verdict(name, "expected '%s', got '%.*s'", t->expect, (int)strcspn(diag, "\n"), diag);
        else if (!strstr(diag, "; "))
            test_verdict(name, "the message says nothing about what to do: %s", diag);
        else
            test_verdict(name, NULL);
        sdf_free(sys);
        free(diag);
    }
}

static const char example[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!-- an example with every element -->\n"
    "<system>\n"
    "    <memory_region name=\"ring\" size=\"0x4000\"/>\n"
    "    <memory_region name=\"big\" size=\"0x400000\"/>\n"
    "    <memory_region name=\"uart\" size=\"0x1000\" phys_addr=\"0xfebc1000\"/>\n"
    "    <memory_region name=\"huge\" size=\"0x40000000\" page_size=\"0x200000\" "
    "prefill_path=\"fill.bin\"/>\n"
    "    <protection_domain name=\"server\" priority=\"200\" budget=\"500\" period=\"2000\" "
    "passive=\"true\" stack_size=\"0x4000\" cpu=\"0\">\n"
    "        <program_image path=\"server.elf\"/>\n"
    "        <map mr=\"ring\" vaddr=\"0x4000000\" perms=\"r\" setvar_vaddr=\"ring_base\" "
    "setvar_size=\"ring_size\"/>\n"
    "        <map mr=\"uart\" vaddr=\"0x5000000\" perms=\"rw\" cached=\"false\"/>\n"
    "        <irq id=\"5\" ioapic=\"0\" pin=\"4\" trigger=\"edge\" polarity=\"low\" vector=\"36\" "
    "setvar_id=\"serial_irq\"/>\n"
    "        <irq id=\"6\" pcidev=\"00:1f.7\" handle=\"3\" vector=\"40\"/>\n"
    "        <ioport id=\"0\" addr=\"0x3f8\" size=\"8\" setvar_id=\"com1_id\" "
    "setvar_addr=\"com1_addr\"/>\n"
    "        <setvar symbol=\"ring_paddr\" region_paddr=\"ring\"/>\n"
    "        <protection_domain name=\"child\" id=\"3\" priority=\"100\" setvar_id=\"child_id\">\n"
    "            <program_image path=\"child.elf\"/>\n"
    "            <map mr=\"big\" vaddr=\"0x400000\" perms=\"rx\"/>\n"
    "        </protection_domain>\n"
    "    </protection_domain>\n"
    "    <protection_domain name=\"client\" priority=\"10\">\n"
    "        <program_image path=\"/abs/client.elf\"/>\n"
    "        <map mr=\"ring\" vaddr=\"0x4_000_000\"/>\n"
    "        <map mr=\"huge\" vaddr=\"0x40000000\"/>\n"
    "    </protection_domain>\n"
    "    <channel>\n"
    "        <end pd=\"client\" id=\"1\" pp=\"true\"/>\n"
    "        <end pd=\"server\" id=\"2\" notify=\"false\"/>\n"
    "    </channel>\n"
    "</system>\n";

#define EXPECT(cond)                                                                             \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            test_verdict(name, "line %d: %s", __LINE__, #cond);                                       \
            goto out;                                                                            \
        }                                                                                        \
    } while (0)

static void test_example_model(void)
{
    const char *name = "sdf/example/model";
    char *diag = NULL;
    int rc;
    sdf_system_t *sys = parse_text(example, &diag, &rc);
    EXPECT(rc == 0 && sys && diag[0] == '\0');
    EXPECT(sys->mr_count == 4 && sys->pd_count == 3 && sys->channel_count == 1);
    EXPECT(sys->file_count == 1 && strcmp(sys->files[0], "t.system") == 0);
    const sdf_mr_t *ring = &sys->mrs[0], *big = &sys->mrs[1], *uart = &sys->mrs[2],
                   *huge = &sys->mrs[3];
    EXPECT(strcmp(ring->name, "ring") == 0 && ring->size == 0x4000);
    EXPECT(ring->page_size == SDF_PAGE_4K && !ring->page_size_given && !ring->has_phys_addr);
    EXPECT(big->page_size == SDF_PAGE_2M); /* the largest page that divides its size */
    EXPECT(uart->has_phys_addr && uart->phys_addr == 0xfebc1000 && uart->page_size == SDF_PAGE_4K);
    EXPECT(huge->page_size == SDF_PAGE_2M && huge->page_size_given);
    EXPECT(huge->prefill_path && strcmp(huge->prefill_path, "fill.bin") == 0);
    EXPECT(ring->loc.line == 4 && ring->loc.column == 5 && ring->loc.file == sys->files[0]);

    const sdf_pd_t *server = &sys->pds[0], *child = &sys->pds[1], *client = &sys->pds[2];
    EXPECT(strcmp(server->name, "server") == 0 && strcmp(child->name, "child") == 0);
    EXPECT(strcmp(client->name, "client") == 0);
    EXPECT(server->priority == 200 && server->budget_us == 500 && server->period_us == 2000);
    EXPECT(server->passive && server->stack_size == 0x4000 && server->cpu == 0);
    EXPECT(strcmp(server->program_image, "server.elf") == 0 && !server->program_image_path);
    EXPECT(server->parent == SDF_NONE && server->loc.line == 8);
    EXPECT(server->map_count == 2 && server->irq_count == 2 && server->ioport_count == 1);
    EXPECT(server->setvar_count == 1);
    const sdf_map_t *m0 = &server->maps[0], *m1 = &server->maps[1];
    EXPECT(m0->mr == 0 && m0->vaddr == 0x4000000 && m0->perms == SDF_PERM_R && m0->cached);
    EXPECT(strcmp(m0->setvar_vaddr, "ring_base") == 0 && strcmp(m0->setvar_size, "ring_size") == 0);
    EXPECT(m1->mr == 2 && m1->perms == (SDF_PERM_R | SDF_PERM_W) && !m1->cached);
    EXPECT(!m1->setvar_vaddr && m1->loc.line == 11 && m1->loc.column == 9);
    const sdf_irq_t *i0 = &server->irqs[0], *i1 = &server->irqs[1];
    EXPECT(i0->kind == SDF_IRQ_IOAPIC && i0->id == 5 && i0->ioapic == 0 && i0->pin == 4);
    EXPECT(!i0->level_triggered && i0->active_low && i0->vector == 36);
    EXPECT(strcmp(i0->setvar_id, "serial_irq") == 0);
    EXPECT(i1->kind == SDF_IRQ_MSI && i1->id == 6 && i1->pci_bus == 0 && i1->pci_dev == 0x1f);
    EXPECT(i1->pci_func == 7 && i1->handle == 3 && i1->vector == 40 && !i1->setvar_id);
    const sdf_ioport_t *io = &server->ioports[0];
    EXPECT(io->id == 0 && io->addr == 0x3f8 && io->size == 8);
    EXPECT(strcmp(io->setvar_id, "com1_id") == 0 && strcmp(io->setvar_addr, "com1_addr") == 0);
    EXPECT(strcmp(server->setvars[0].symbol, "ring_paddr") == 0 && server->setvars[0].mr == 0);
    EXPECT(server->setvars[0].kind == SDF_SETVAR_REGION_PADDR);

    EXPECT(child->parent == 0 && child->child_id == 3 && child->priority == 100);
    EXPECT(strcmp(child->setvar_id, "child_id") == 0);
    EXPECT(child->budget_us == 1000 && child->period_us == 1000 && !child->passive);
    EXPECT(child->stack_size == 0x1000 && child->map_count == 1);
    EXPECT(child->maps[0].perms == (SDF_PERM_R | SDF_PERM_X));

    EXPECT(client->parent == SDF_NONE && client->priority == 10 && client->map_count == 2);
    EXPECT(client->maps[0].vaddr == 0x4000000 && client->maps[1].mr == 3);

    const sdf_channel_t *ch = &sys->channels[0];
    EXPECT(ch->end[0].pd == 2 && ch->end[0].id == 1 && ch->end[0].pp && ch->end[0].notify);
    EXPECT(ch->end[1].pd == 0 && ch->end[1].id == 2 && !ch->end[1].pp && !ch->end[1].notify);
    EXPECT(ch->loc.line == 26 && ch->end[1].loc.line == 28);
    test_verdict(name, NULL);
out:
    sdf_free(sys);
    free(diag);
}

/* A system of `count` top-level PDs, each with one map and one channel to the next. */
static char *many_pds(size_t count)
{
    size_t cap = 256 + count * 400, used = 0;
    char *s = malloc(cap);
    used += (size_t)snprintf(s + used, cap - used, "<system>\n<memory_region name=\"m\" "
                                                   "size=\"0x1000\"/>\n");
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(s + used, cap - used,
                                 "<protection_domain name=\"pd%zu\" priority=\"%zu\">"
                                 "<program_image path=\"pd.elf\"/>"
                                 "<map mr=\"m\" vaddr=\"0x1000000\"/></protection_domain>\n",
                                 i, i);
    for (size_t i = 0; i + 1 < count; i++)
        used += (size_t)snprintf(s + used, cap - used,
                                 "<channel><end pd=\"pd%zu\" id=\"0\" pp=\"true\"/>"
                                 "<end pd=\"pd%zu\" id=\"1\"/></channel>\n", i, i + 1);
    snprintf(s + used, cap - used, "</system>\n");
    return s;
}

static void test_pd_limit(void)
{
    const char *name = "sdf/limits/63_pds_accepted";
    char *text = many_pds(63), *diag = NULL;
    int rc;
    sdf_system_t *sys = parse_text(text, &diag, &rc);
    EXPECT(rc == 0 && sys && sys->pd_count == 63 && sys->channel_count == 62);
    test_verdict(name, NULL);
out:
    sdf_free(sys);
    free(diag);
    free(text);

    name = "sdf/limits/64_pds_refused";
    text = many_pds(64);
    diag = NULL;
    sys = parse_text(text, &diag, &rc);
    EXPECT(rc != 0 && !sys);
    EXPECT(strncmp(diag, "t.system:66:1: error: more than 63 protection domains", 53) == 0);
    test_verdict(name, NULL);
    goto out2;
out2:
    sdf_free(sys);
    free(diag);
    free(text);
}

static void test_id_61_accepted(void)
{
    const char *name = "sdf/limits/id_61_accepted";
    static const char text[] = HDR PD("a", "1") PD("b", "2")
        "    <channel>\n        <end pd=\"a\" id=\"61\"/>\n"
        "        <end pd=\"b\" id=\"61\"/>\n    </channel>\n" END;
    char *diag = NULL;
    int rc;
    sdf_system_t *sys = parse_text(text, &diag, &rc);
    EXPECT(rc == 0 && sys && sys->channels[0].end[0].id == 61);
    test_verdict(name, NULL);
out:
    sdf_free(sys);
    free(diag);
}

static void test_several_errors_reported(void)
{
    const char *name = "sdf/reports_every_error";
    static const char text[] = HDR MR("m", "0x1800") PD("a", "300") END;
    char *diag = NULL;
    int rc;
    sdf_system_t *sys = parse_text(text, &diag, &rc);
    EXPECT(rc != 0 && !sys);
    EXPECT(strstr(diag, "t.system:3:5: error: size 0x1800"));
    EXPECT(strstr(diag, "t.system:4:5: error: priority=\"300\""));
    test_verdict(name, NULL);
out:
    sdf_free(sys);
    free(diag);
}

/* Past SDF_MAX_ERRORS errors the parser says so once and stops printing. */
static void test_error_limit(void)
{
    const char *name = "sdf/too_many_errors";
    char text[4096], *diag = NULL;
    size_t used = (size_t)snprintf(text, sizeof text, "<system>\n");
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(text + used, sizeof text - used, "<bogus%d/>\n", i);
    snprintf(text + used, sizeof text - used, "</system>\n");
    int rc;
    sdf_system_t *sys = parse_text(text, &diag, &rc);
    size_t lines = 0;
    for (const char *p = diag; *p; p++)
        lines += *p == '\n';
    EXPECT(rc != 0 && !sys);
    EXPECT(lines == 21);
    EXPECT(strstr(diag, "t.system:21:1: error: unknown element <bogus19>"));
    EXPECT(strstr(diag, "t.system: error: too many errors; fix these and run again\n"));
    test_verdict(name, NULL);
out:
    sdf_free(sys);
    free(diag);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_files_and_images(void)
{
    const char *name = "sdf/file/parse_and_resolve";
    char dir[] = "/tmp/sdf-test-XXXXXX";
    char path[64], img_dir[64], other_dir[64], image[128], *diag = NULL;
    sdf_system_t *sys = NULL;
    size_t diag_len = 0;
    FILE *d = NULL;
    if (!mkdtemp(dir)) {
        test_verdict(name, "mkdtemp failed");
        return;
    }
    snprintf(path, sizeof path, "%s/s.system", dir);
    snprintf(img_dir, sizeof img_dir, "%s/img", dir);
    snprintf(other_dir, sizeof other_dir, "%s/other", dir);
    mkdir(img_dir, 0700);
    mkdir(other_dir, 0700);
    write_file(path, HDR PD("a", "1") PD("b", "2") END);

    d = open_memstream(&diag, &diag_len);
    EXPECT(sdf_parse_file(path, &sys, d) == 0 && sys);
    fflush(d);
    EXPECT(strcmp(sys->pds[0].loc.file, path) == 0);
    /* b.elf is missing: the error names b's line, and nothing is filled in. */
    snprintf(image, sizeof image, "%s/a.elf", img_dir);
    write_file(image, "x");
    const char *dirs[] = {other_dir, img_dir};
    EXPECT(sdf_resolve_images(sys, dirs, 2, d) != 0);
    fflush(d);
    char expect[1024];
    snprintf(expect, sizeof expect, "%s:6:5: error: program image 'b.elf' of protection domain "
                                    "'b' is not in %s, %s", path, other_dir, img_dir);
    EXPECT(strncmp(diag, expect, strlen(expect)) == 0);
    EXPECT(!sys->pds[0].program_image_path && !sys->pds[1].program_image_path);
    /* With both images, each resolves in the first directory that has it. */
    snprintf(image, sizeof image, "%s/b.elf", other_dir);
    write_file(image, "x");
    EXPECT(sdf_resolve_images(sys, dirs, 2, d) == 0);
    snprintf(image, sizeof image, "%s/a.elf", img_dir);
    EXPECT(strcmp(sys->pds[0].program_image_path, image) == 0);
    snprintf(image, sizeof image, "%s/b.elf", other_dir);
    EXPECT(strcmp(sys->pds[1].program_image_path, image) == 0);
    test_verdict(name, NULL);
out:
    if (d)
        fclose(d);
    sdf_free(sys);
    free(diag);
    snprintf(image, sizeof image, "%s/a.elf", img_dir);
    unlink(image);
    snprintf(image, sizeof image, "%s/b.elf", other_dir);
    unlink(image);
    rmdir(img_dir);
    rmdir(other_dir);
    unlink(path);
    rmdir(dir);

    name = "sdf/file/missing_file";
    diag = NULL;
    sys = NULL;
    d = open_memstream(&diag, &diag_len);
    EXPECT(sdf_parse_file("/nonexistent/x.system", &sys, d) != 0 && !sys);
    fflush(d);
    EXPECT(strncmp(diag, "/nonexistent/x.system: error: cannot open", 41) == 0);
    test_verdict(name, NULL);
    goto out3;
out3:
    fclose(d);
    free(diag);
}


/* Prefill files: found through the search path, sizing a region that has no size. */
static void test_prefill(void)
{
    const char *name = "sdf/prefill/size_from_the_file";
    char dir[] = "/tmp/sdf-prefill-XXXXXX";
    char sys_path[64], data[64], fill[96], big[96], empty[96], image[96], beside[96];
    char *diag = NULL;
    size_t diag_len = 0;
    sdf_system_t *sys = NULL;
    FILE *d = NULL;
    if (!mkdtemp(dir)) {
        test_verdict(name, "mkdtemp failed");
        return;
    }
    /* The description in dir, the data in dir/data: found only through the search path. */
    snprintf(sys_path, sizeof sys_path, "%s/p.system", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(fill, sizeof fill, "%s/fill.bin", data);
    snprintf(big, sizeof big, "%s/big.bin", data);
    snprintf(empty, sizeof empty, "%s/empty.bin", data);
    snprintf(image, sizeof image, "%s/a.elf", data);
    snprintf(beside, sizeof beside, "%s/beside.bin", dir);
    mkdir(data, 0700);
    char five_thousand[5001];
    memset(five_thousand, 'x', 5000);
    five_thousand[5000] = '\0';
    write_file(fill, five_thousand);
    write_file(big, five_thousand);
    write_file(empty, "");
    write_file(beside, "hello");
    const char *dirs[] = {data};

    write_file(sys_path, HDR "    <memory_region name=\"p\" prefill_path=\"fill.bin\"/>\n"
                             "    <memory_region name=\"q\" size=\"0x2000\" page_size=\"0x1000\" "
                             "prefill_path=\"fill.bin\"/>\n"
                             "    <protection_domain name=\"a\">\n"
                             "        <program_image path=\"a.elf\"/>\n"
                             "        <map mr=\"p\" vaddr=\"0x400000\" setvar_vaddr=\"filled\" "
                             "setvar_prefill_size=\"filled_size\"/>\n"
                             "    </protection_domain>\n" END);
    d = open_memstream(&diag, &diag_len);
    EXPECT(sdf_parse_file_search(sys_path, dirs, 1, &sys, d) == 0 && sys);
    EXPECT(sys->mrs[0].size == 0x2000 && sys->mrs[0].prefill_size == 5000);
    EXPECT(strcmp(sys->mrs[0].prefill_file, fill) == 0 && sys->mrs[1].prefill_size == 5000);
    EXPECT(strcmp(sys->pds[0].maps[0].setvar_prefill_size, "filled_size") == 0);
    sdf_free(sys);
    sys = NULL;
    test_verdict(name, NULL);

    /* Without the search path the size cannot be known: an error naming the line. */
    name = "sdf/prefill/missing_file_without_size";
    EXPECT(sdf_parse_file(sys_path, &sys, d) != 0 && !sys);
    fflush(d);
    char expect[512];
    snprintf(expect, sizeof expect, "%s:3:5: error: prefill file 'fill.bin' of memory_region 'p' "
                                    "is not in the current directory or %s, and the region has "
                                    "no size", sys_path, dir);
    EXPECT(strncmp(diag, expect, strlen(expect)) == 0);
    test_verdict(name, NULL);

    /* With a size the parse goes on, and sdf_resolve_images must then find the file. */
    name = "sdf/prefill/found_when_resolving";
    write_file(sys_path, HDR "    <memory_region name=\"q\" size=\"0x2000\" "
                             "prefill_path=\"big.bin\"/>\n" PD("a", "1") END);
    write_file(image, "x");
    EXPECT(sdf_parse_file(sys_path, &sys, d) == 0 && sys && !sys->mrs[0].prefill_file);
    EXPECT(sdf_resolve_images(sys, dirs, 1, d) == 0);
    EXPECT(strcmp(sys->mrs[0].prefill_file, big) == 0 && sys->mrs[0].prefill_size == 5000);
    sdf_free(sys);
    sys = NULL;
    test_verdict(name, NULL);

    /* A region with a size only records the file: the image writer refuses one too large. */
    name = "sdf/prefill/larger_than_region_left_to_the_writer";
    write_file(sys_path, HDR "    <memory_region name=\"q\" size=\"0x1000\" "
                             "prefill_path=\"big.bin\"/>\n" PD("a", "1") END);
    EXPECT(sdf_parse_file_search(sys_path, dirs, 1, &sys, d) == 0 && sys);
    EXPECT(sys->mrs[0].size == 0x1000 && sys->mrs[0].prefill_size == 5000);
    sdf_free(sys);
    sys = NULL;
    test_verdict(name, NULL);

    name = "sdf/prefill/empty_file";
    fclose(d);
    free(diag);
    diag = NULL;
    d = open_memstream(&diag, &diag_len);
    write_file(sys_path, HDR "    <memory_region name=\"q\" prefill_path=\"empty.bin\"/>\n"
                             PD("a", "1") END);
    EXPECT(sdf_parse_file_search(sys_path, dirs, 1, &sys, d) != 0 && !sys);
    fflush(d);
    snprintf(expect, sizeof expect, "%s:3:5: error: prefill file '%s' of memory_region 'q' is "
                                    "empty, and the region has no size", sys_path, empty);
    EXPECT(strncmp(diag, expect, strlen(expect)) == 0);
    test_verdict(name, NULL);

    name = "sdf/prefill/missing_when_resolving";
    fclose(d);
    free(diag);
    diag = NULL;
    d = open_memstream(&diag, &diag_len);
    write_file(sys_path, HDR "    <memory_region name=\"q\" size=\"0x2000\" "
                             "prefill_path=\"nope.bin\"/>\n" PD("a", "1") END);
    EXPECT(sdf_parse_file(sys_path, &sys, d) == 0 && sys);
    EXPECT(sdf_resolve_images(sys, dirs, 1, d) != 0);
    fflush(d);
    snprintf(expect, sizeof expect, "%s:3:5: error: prefill file 'nope.bin' of memory_region 'q' "
                                    "is not in %s, the current directory or %s", sys_path, data,
             dir);
    EXPECT(strncmp(diag, expect, strlen(expect)) == 0);
    EXPECT(!sys->mrs[0].prefill_file && !sys->pds[0].program_image_path);
    sdf_free(sys);
    sys = NULL;
    test_verdict(name, NULL);

    /* As the image writer always did: a file beside the description needs no search path. */
    name = "sdf/prefill/beside_the_description";
    write_file(sys_path, HDR "    <memory_region name=\"q\" prefill_path=\"beside.bin\"/>\n"
                             PD("a", "1") END);
    EXPECT(sdf_parse_file(sys_path, &sys, d) == 0 && sys);
    EXPECT(strcmp(sys->mrs[0].prefill_file, beside) == 0 && sys->mrs[0].prefill_size == 5);
    EXPECT(sys->mrs[0].size == 0x1000);
    test_verdict(name, NULL);
out:
    if (d)
        fclose(d);
    sdf_free(sys);
    free(diag);
    unlink(fill);
    unlink(big);
    unlink(empty);
    unlink(image);
    unlink(beside);
    unlink(sys_path);
    rmdir(data);
    rmdir(dir);
}

int main(void)
{
    run_error_cases();
    test_example_model();
    test_pd_limit();
    test_id_61_accepted();
    test_several_errors_reported();
    test_error_limit();
    test_files_and_images();
    test_prefill();
    return test_failures ? 1 : 0;
}
