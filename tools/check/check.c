/*
 * `substrate check SYSTEM [--policy FILE] [-o DIR]`: the report, the flow
 * graph and the policy verdict for a system description.
 *
 * Without -o the Markdown report goes to standard output. With -o DIR the
 * command writes DIR/report.md, DIR/flow.dot and DIR/flow.svg (rendered by
 * Graphviz's `dot`, run directly, never through a shell). Violated policy
 * rules go to standard error with the path or regions that break them (and
 * to DIR/policy.txt with -o).
 * Exit status: 0 all good, 1 a bad description or policy, a violated rule or
 * a failed write, 2 a usage error.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/check/policy.h"
#include "tools/check/report.h"
#include "tools/sdf/sdf_parse.h"
#include "tools/substrate/commands.h"

#define CHECK_MAX_POLICY_SIZE (16u << 20)

static int usage(FILE *out, int status)
{
    fprintf(out, "usage: substrate check SYSTEM [--policy FILE] [-o DIR]\n\n"
                 "Reports every PD's mappings, channels, IRQs, I/O ports and children, and the\n"
                 "information flows between PDs; checks the rules of a policy file:\n"
                 "  deny flow A -> B   no chain of flows from A to B\n"
                 "  deny read A B      A maps no memory that B maps writable\n"
                 "  deny write A B     A maps no memory writable that B maps\n\n"
                 "  --policy FILE  check FILE's rules; exit 1 and print the path if one fails\n"
                 "  -o DIR         write DIR/report.md, DIR/flow.dot, DIR/flow.svg and, with\n"
                 "                 --policy, DIR/policy.txt (the report goes to standard\n"
                 "                 output otherwise)\n");
    return status;
}

/* Reads a whole file into a new buffer; NULL with a message on error. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: error: cannot open: %s; check the path\n", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t used = 0, cap = 0;
    for (;;) {
        if (used == cap) {
            if (cap >= CHECK_MAX_POLICY_SIZE) {
                fprintf(stderr, "%s: error: file too large for a policy; check the path\n", path);
                goto fail;
            }
            cap = cap ? cap * 2 : 4096;
            char *grown = realloc(buf, cap);
            if (!grown)
                goto fail;
            buf = grown;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "%s: error: cannot read: %s\n", path, strerror(errno));
        goto fail;
    }
    fclose(f);
    *len = used;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

/*
 * Checks the policy at `path`; the verdict goes to standard error and, when
 * `copy` is not NULL, to that file as well (DIR/policy.txt with -o).
 */
static int check_policy_file(const char *path, const sdf_system_t *sys, const char *copy,
                             bool *marked)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text)
        return 1;
    char *verdict = NULL;
    size_t verdict_len = 0;
    FILE *v = open_memstream(&verdict, &verdict_len);
    if (!v) {
        free(text);
        return 1;
    }
    check_policy_t policy;
    int violated = -2;
    if (check_policy_parse(path, text, len, sys, &policy, v) == 0) {
        violated = check_policy_eval(&policy, sys, v, marked);
        if (violated < 0)
            fprintf(v, "%s: error: out of memory\n", path);
        else if (violated > 0)
            fprintf(v, "%s: %d of %zu rules violated\n", path, violated, policy.count);
        else
            fprintf(v, "%s: all %zu rules hold\n", path, policy.count);
        check_policy_free(&policy);
    }
    free(text);
    int rc = violated == 0 ? 0 : 1;
    if (fclose(v) != 0 || !verdict) {
        free(verdict);
        return 1;
    }
    fputs(verdict, stderr);
    if (copy) {
        FILE *f = fopen(copy, "w");
        if (!f || fputs(verdict, f) < 0) {
            fprintf(stderr, "%s: error: cannot write the policy verdict\n", copy);
            rc = 1;
        }
        if (f && fclose(f) != 0)
            rc = 1;
    }
    free(verdict);
    return rc;
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Writes the report (marked == NULL) or the marked flow graph to `path`. */
static int write_to(const char *path, const sdf_system_t *sys, bool dot, const bool *marked)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "%s: error: cannot create: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = dot ? check_report_dot_marked(sys, marked, f) : check_report_write(sys, f);
    if (fclose(f) != 0 || rc != 0) {
        fprintf(stderr, "%s: error: cannot write the file\n", path);
        return 1;
    }
    return 0;
}

/* Renders dot_path to svg_path with Graphviz. */
static int render_svg(const char *dot_path, const char *svg_path)
{
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "substrate check: error: cannot run dot: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        execlp("dot", "dot", "-Tsvg", dot_path, "-o", svg_path, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s: error: Graphviz's dot could not render %s; install graphviz "
                        "(scripts/install-deps)\n", svg_path, dot_path);
        return 1;
    }
    return 0;
}

static int write_outputs(const char *dir, const sdf_system_t *sys, const bool *marked)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot create the directory: %s\n", dir, strerror(errno));
        return 1;
    }
    char *report = join(dir, "report.md"), *dot = join(dir, "flow.dot"),
         *svg = join(dir, "flow.svg");
    int rc = 1;
    if (report && dot && svg)
        rc = write_to(report, sys, false, NULL) || write_to(dot, sys, true, marked) ||
             render_svg(dot, svg);
    free(report);
    free(dot);
    free(svg);
    return rc;
}

int cmd_check(int argc, char **argv)
{
    const char *system = NULL, *policy = NULL, *out_dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout, 0);
        if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
            policy = argv[++i];
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            out_dir = argv[++i];
        else if (argv[i][0] == '-' || system)
            return usage(stderr, 2);
        else
            system = argv[i];
    }
    if (!system)
        return usage(stderr, 2);
    sdf_system_t *sys;
    if (sdf_parse_file(system, &sys, stderr) != 0)
        return 1;
    int rc = 0;
    /* The policy goes first, so the picture can show the flows that break it. */
    bool marked[SDF_MAX_PDS * SDF_MAX_PDS] = {false};
    if (policy) {
        if (out_dir && mkdir(out_dir, 0777) != 0 && errno != EEXIST) {
            fprintf(stderr, "%s: error: cannot create the directory: %s\n", out_dir,
                    strerror(errno));
            sdf_free(sys);
            return 1;
        }
        char *copy = out_dir ? join(out_dir, "policy.txt") : NULL;
        rc = check_policy_file(policy, sys, copy, marked);
        free(copy);
    }
    if (out_dir) {
        if (write_outputs(out_dir, sys, marked) != 0)
            rc = 1;
    } else if (check_report_write(sys, stdout) != 0) {
        rc = 1;
    }
    sdf_free(sys);
    return rc;
}
