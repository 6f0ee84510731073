/*
 * `substrate build` (also installed as `microkit`): Microkit's command line,
 *     microkit SYSTEM --search-path DIR [--search-path DIR...]
 *             --board x86_64_generic --config debug|release -o OUT -r REPORT
 * reads and checks the system description, finds each PD's program on the
 * search path and the kernel in the SDK this tool belongs to, and writes one
 * bootable Multiboot image.
 *
 * The kernel is board/x86_64_generic/CONFIG/elf/kernel.elf under the SDK
 * directory, which is the parent of the directory holding this program;
 * --kernel FILE overrides it (for tests).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/check/report.h"
#include "tools/image/image.h"
#include "tools/sdf/sdf_parse.h"
#include "tools/substrate/commands.h"

#define MAX_SEARCH 32

static int usage(FILE *out)
{
    fprintf(out, "usage: microkit SYSTEM --search-path DIR [--search-path DIR...] --board x86_64_generic\n"
                 "                --config debug|release -o OUT -r REPORT [--kernel KERNEL_ELF]\n");
    return out == stdout ? 0 : 2;
}

/* The SDK's kernel for `config`, found beside this program. */
static int find_kernel(const char *config, char *path, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return -1;
    exe[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return -1;
        *slash = '\0';
    }
    int w = snprintf(path, len, "%s/board/x86_64_generic/%s/elf/kernel.elf", exe, config);
    if (w < 0 || (size_t)w >= len)
        return -1;
    return access(path, R_OK) == 0 ? 0 : -1;
}

int cmd_build(int argc, char **argv)
{
    const char *system = NULL, *board = NULL, *config = NULL, *out = NULL, *report = NULL, *kernel = NULL;
    const char *search[MAX_SEARCH];
    size_t nsearch = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(stdout);
        if (strcmp(a, "--search-path") == 0) {
            if (i + 1 >= argc || nsearch == MAX_SEARCH)
                return usage(stderr);
            search[nsearch++] = argv[++i];
            continue;
        }
        if (strcmp(a, "--board") == 0)
            slot = &board;
        else if (strcmp(a, "--config") == 0)
            slot = &config;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
            slot = &out;
        else if (strcmp(a, "-r") == 0 || strcmp(a, "--report") == 0)
            slot = &report;
        else if (strcmp(a, "--kernel") == 0)
            slot = &kernel;
        if (slot) {
            if (i + 1 >= argc)
                return usage(stderr);
            *slot = argv[++i];
            continue;
        }
        if (a[0] == '-' || system) {
            fprintf(stderr, "microkit: unexpected argument '%s'\n", a);
            return usage(stderr);
        }
        system = a;
    }
    if (!system || !out) {
        fprintf(stderr, "microkit: a SYSTEM file and -o OUT are required\n");
        return usage(stderr);
    }
    if (board && strcmp(board, "x86_64_generic") != 0) {
        fprintf(stderr, "microkit: board '%s' is not supported; use --board x86_64_generic\n", board);
        return 2;
    }
    if (!config)
        config = "debug";
    if (strcmp(config, "debug") != 0 && strcmp(config, "release") != 0) {
        fprintf(stderr, "microkit: config '%s' is not supported; use --config debug or release\n", config);
        return 2;
    }
    char kernel_path[PATH_MAX];
    if (!kernel) {
        if (find_kernel(config, kernel_path, sizeof(kernel_path)) != 0) {
            fprintf(stderr, "microkit: cannot find the kernel in the SDK (board/x86_64_generic/%s/elf/kernel.elf); "
                            "run `make sdk` or pass --kernel FILE\n", config);
            return 1;
        }
        kernel = kernel_path;
    }
    sdf_system_t *sys = NULL;
    if (sdf_parse_file_search(system, search, nsearch, &sys, stderr) != 0)
        return 1;
    int rc = 1;
    if (sdf_resolve_images(sys, search, nsearch, stderr) != 0)
        goto done;
    if (report) {
        /* The system report first; the image writer appends where it put everything. */
        FILE *f = fopen(report, "w");
        int bad = !f || check_report_write(sys, f) != 0;
        if (f && fclose(f) != 0)
            bad = 1;
        if (bad) {
            fprintf(stderr, "%s: error: cannot write the report\n", report);
            goto done;
        }
    }
    if (image_build(sys, kernel, out, report, stderr) != 0)
        goto done;
    rc = 0;
done:
    sdf_free(sys);
    return rc;
}
