/*
 * Host test of `substrate check`'s libraries under ASan and UBSan: the flow
 * graph, the report, and policies (parsing and verdicts), on the example
 * systems in tests/tools/systems/ and on small inline ones.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/check/flow.h"
#include "tools/check/layout.h"
#include "tools/check/policy.h"
#include "tools/check/report.h"
#include "tools/image/image.h"
#include "tools/sdf/sdf_parse.h"
#include "tests/harness.h"

#define EXPECT(cond)                                                                             \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            test_verdict(name, "line %d: %s", __LINE__, #cond);                                       \
            goto out;                                                                            \
        }                                                                                        \
    } while (0)

static sdf_system_t *load(const char *path)
{
    sdf_system_t *sys = NULL;
    if (sdf_parse_file(path, &sys, stderr) != 0)
        return NULL;
    return sys;
}

static sdf_system_t *load_text(const char *text)
{
    sdf_system_t *sys = NULL;
    if (sdf_parse_buffer("t.system", text, strlen(text), &sys, stderr) != 0)
        return NULL;
    return sys;
}

static uint32_t pd(const sdf_system_t *sys, const char *name)
{
    for (uint32_t i = 0; i < sys->pd_count; i++)
        if (strcmp(sys->pds[i].name, name) == 0)
            return i;
    return SDF_NONE;
}

static bool has_edge(const flow_graph_t *g, uint32_t a, uint32_t b, flow_kind_t kind)
{
    for (size_t i = 0; i < g->count; i++)
        if (g->edges[i].from == a && g->edges[i].to == b && g->edges[i].kind == kind)
            return true;
    return false;
}

/* Runs a policy text against sys; returns violations (-2 on a parse error) and the output. */
static int run_policy(const sdf_system_t *sys, const char *text, char **output)
{
    size_t len = 0;
    FILE *out = open_memstream(output, &len);
    check_policy_t policy;
    int rc = check_policy_parse("p.policy", text, strlen(text), sys, &policy, out);
    if (rc == 0) {
        rc = check_policy_eval(&policy, sys, out, NULL);
        check_policy_free(&policy);
    } else {
        rc = -2;
    }
    fclose(out);
    return rc;
}

static void test_flow_edges(void)
{
    const char *name = "check/flow/edges_of_every_kind";
    flow_graph_t g = {0};
    sdf_system_t *sys = load_text(
        "<system>\n"
        "<memory_region name=\"m\" size=\"0x1000\"/>\n"
        "<memory_region name=\"ro\" size=\"0x1000\"/>\n"
        "<protection_domain name=\"p\" priority=\"50\"><program_image path=\"p\"/>\n"
        "  <map mr=\"ro\" vaddr=\"0x1000000\" perms=\"r\"/>\n"
        "  <protection_domain name=\"c\" id=\"0\" priority=\"40\"><program_image path=\"c\"/>"
        "</protection_domain></protection_domain>\n"
        "<protection_domain name=\"w\" priority=\"1\"><program_image path=\"w\"/>\n"
        "  <map mr=\"m\" vaddr=\"0x1000000\" perms=\"rw\"/>"
        "  <map mr=\"ro\" vaddr=\"0x2000000\" perms=\"r\"/></protection_domain>\n"
        "<protection_domain name=\"r\" priority=\"2\"><program_image path=\"r\"/>\n"
        "  <map mr=\"m\" vaddr=\"0x1000000\" perms=\"r\"/></protection_domain>\n"
        "<protection_domain name=\"s\" priority=\"9\"><program_image path=\"s\"/>"
        "</protection_domain>\n"
        "<channel><end pd=\"r\" id=\"1\" pp=\"true\" notify=\"false\"/>"
        "<end pd=\"s\" id=\"1\" notify=\"true\"/></channel>\n"
        "</system>\n");
    EXPECT(sys);
    EXPECT(flow_build(sys, &g) == 0);
    uint32_t p = pd(sys, "p"), c = pd(sys, "c"), w = pd(sys, "w"), r = pd(sys, "r"),
             s = pd(sys, "s");
    EXPECT(has_edge(&g, w, r, FLOW_MEMORY) && !has_edge(&g, r, w, FLOW_MEMORY));
    EXPECT(!has_edge(&g, p, w, FLOW_MEMORY) && !has_edge(&g, w, p, FLOW_MEMORY)); /* both r */
    EXPECT(has_edge(&g, r, s, FLOW_CALL) && has_edge(&g, s, r, FLOW_REPLY));
    EXPECT(has_edge(&g, s, r, FLOW_NOTIFY) && !has_edge(&g, r, s, FLOW_NOTIFY));
    EXPECT(has_edge(&g, p, c, FLOW_PARENT) && has_edge(&g, c, p, FLOW_FAULT));
    EXPECT(g.count == 6);
    bool reach[SDF_MAX_PDS];
    flow_reachable(&g, w, reach);
    EXPECT(reach[r] && reach[s] && !reach[p] && !reach[c]);
    flow_reachable(&g, p, reach);
    EXPECT(reach[c] && reach[p] && !reach[w]); /* p reaches itself through its child */
    test_verdict(name, NULL);
out:
    flow_free(&g);
    sdf_free(sys);
}

static void test_report_chain(void)
{
    const char *name = "check/report/chain";
    char *text = NULL;
    size_t len = 0;
    image_placement_t pl = {0};
    sdf_system_t *sys = load("tests/tools/systems/chain.system");
    EXPECT(sys);
    FILE *out = open_memstream(&text, &len);
    EXPECT(check_report_write(sys, out) == 0);
    fclose(out);
    EXPECT(strstr(text, "## Protection domain parser\n"));
    EXPECT(strstr(text, "\n\n5 protection domains, 5 memory regions, 2 channels.\n"));
    EXPECT(strstr(text, "## Memory regions\n"));
    EXPECT(strstr(text, "| uart | 4 KiB | 4 KiB (inferred) | 0xfed00000–0xfed00fff (fixed) | — | "
                        "web (rw-) |"));
    EXPECT(strstr(text, "| log | 4 KiB | 4 KiB (inferred) | 0x"));
    EXPECT(strstr(text, " | — | db (rw-), audit (r--) |"));
    EXPECT(strstr(text, "- priority 40, budget 1000 µs per period 1000 µs, passive, cpu 0"));
    /*
     * A 4 MiB region at a 1 GiB-aligned address uses two 2 MiB pages, and is shared. The
     * physical addresses are the image writer's placement, whatever it chooses.
     */
    char expect[256];
    EXPECT(image_place(sys, &pl, stderr) == 0);
    uint32_t parsed = SDF_NONE;
    for (uint32_t i = 0; i < sys->mr_count; i++)
        if (strcmp(sys->mrs[i].name, "parsed") == 0)
            parsed = i;
    EXPECT(parsed != SDF_NONE);
    snprintf(expect, sizeof expect, "| 0x40000000–0x403fffff | parsed (4 MiB) | 0x%llx–0x%llx | "
                                    "2 × 2 MiB | rw- | yes | db\\_client (r--) |",
             (unsigned long long)pl.mr_phys[parsed],
             (unsigned long long)pl.mr_phys[parsed] + 0x3fffff);
    EXPECT(strstr(text, expect));
    snprintf(expect, sizeof expect, "- stack at physical 0x%llx–0x%llx, IPC buffer at physical "
                                    "0x%llx\n", (unsigned long long)pl.pds[0].stack_phys,
             (unsigned long long)pl.pds[0].stack_phys + 0xfff,
             (unsigned long long)pl.pds[0].ipc_buffer_phys);
    EXPECT(strstr(text, expect));
    EXPECT(strstr(text, "| 0x20000000–0x20000fff | uart (4 KiB) | 0xfed00000–0xfed00fff (fixed) "
                        "| 1 × 4 KiB | rw- | no | none |"));
    EXPECT(strstr(text, "| 0x80000000–0x801fffff | secrets (2 MiB) | 0x"));
    EXPECT(strstr(text, "| 1 × 2 MiB | rw- | yes | none |"));
    EXPECT(strstr(text, "| 2 | db | 3 | no | yes | no |"));   /* db_client's channel */
    EXPECT(strstr(text, "| 3 | db\\_client | 2 | no | no | yes |")); /* db's side */
    EXPECT(strstr(text, "| web | parser, db\\_client, db, audit |"));
    EXPECT(strstr(text, "| audit | nobody |"));
    EXPECT(strstr(text, "| db | audit |"));
    test_verdict(name, NULL);
out:
    image_placement_free(&pl);
    free(text);
    sdf_free(sys);
}

static void test_report_page_sizes(void)
{
    const char *name = "check/report/page_sizes_follow_the_planner";
    layout_pd_t big = {0}, small = {0};
    sdf_system_t *sys = load_text(
        "<system>\n"
        "<memory_region name=\"g\" size=\"0x40000000\"/>\n"
        "<memory_region name=\"h\" size=\"0x400000\" page_size=\"0x1000\"/>\n"
        "<memory_region name=\"o\" size=\"0x400000\"/>\n"
        "<protection_domain name=\"a\"><program_image path=\"a\"/>\n"
        "  <map mr=\"g\" vaddr=\"0x40000000\"/>\n"          /* 1 GiB aligned: one 1 GiB page */
        "  <map mr=\"h\" vaddr=\"0x80000000\"/>\n"          /* page_size limits it to 4 KiB */
        "  <map mr=\"o\" vaddr=\"0xc0001000\"/>\n" /* 4 KiB aligned only: 4 KiB pages */
        "</protection_domain>\n</system>\n");
    EXPECT(sys);
    EXPECT(layout_plan_pd(sys, NULL, 0, false, &big) == 0);
    EXPECT(big.maps[0].pages[LAYOUT_1G] == 1 && big.maps[0].pages[LAYOUT_2M] == 0);
    EXPECT(big.maps[1].pages[LAYOUT_4K] == 1024 && big.maps[1].pages[LAYOUT_2M] == 0);
    EXPECT(big.maps[2].pages[LAYOUT_4K] == 1024);
    EXPECT(layout_plan_pd(sys, NULL, 0, true, &small) == 0);
    EXPECT(small.maps[0].pages[LAYOUT_4K] == 262144);
    /* 4 KiB only: 512 PTs for g alone, so far more tables than with large pages. */
    EXPECT(small.tables > big.tables + 500);
    /* The report's direct count agrees with the planner. */
    EXPECT(layout_tables_4k(sys, 0) == small.tables);
    test_verdict(name, NULL);
out:
    layout_free(&big);
    layout_free(&small);
    sdf_free(sys);
}

static void test_tables_4k_match_planner(void)
{
    const char *name = "check/layout/4k_table_count_matches_planner";
    sdf_system_t *sys = load("tests/tools/systems/chain.system");
    EXPECT(sys);
    for (size_t p = 0; p < sys->pd_count; p++) {
        layout_pd_t small;
        EXPECT(layout_plan_pd(sys, NULL, p, true, &small) == 0);
        size_t planned = small.tables;
        layout_free(&small);
        EXPECT(layout_tables_4k(sys, p) == planned);
    }
    test_verdict(name, NULL);
out:
    sdf_free(sys);
}

static void test_policy_verdicts(void)
{
    const char *name = "check/policy/forbidden_path_through_two_intermediaries";
    char *output = NULL;
    sdf_system_t *sys = load("tests/tools/systems/chain.system");
    EXPECT(sys);
    EXPECT(run_policy(sys, "deny flow web -> db\n", &output) == 1);
    EXPECT(strcmp(output, "p.policy:1: violated: deny flow web -> db: web -> parser -> "
                          "db_client -> db via shared memory 'inbox' (web writes, parser reads), "
                          "shared memory 'parsed' (parser writes, db_client reads), protected "
                          "call (db_client calls db, channel line 43)\n") == 0);
    test_verdict(name, NULL);

    name = "check/policy/kept_rules_pass";
    free(output);
    output = NULL;
    EXPECT(run_policy(sys, "# kept\n\ndeny flow audit -> web\ndeny flow db -> web  # reply only "
                           "to db_client\ndeny read web db\ndeny write audit db\n",
                      &output) == 0);
    EXPECT(output[0] == '\0');
    test_verdict(name, NULL);

    name = "check/policy/deny_read_and_write";
    free(output);
    output = NULL;
    EXPECT(run_policy(sys, "deny read audit db\ndeny write db audit\ndeny write audit db\n",
                      &output) == 2);
    EXPECT(strstr(output, "p.policy:1: violated: deny read audit db: audit maps region 'log' "
                          "readable (line 36) and db maps it writable (line 32)\n"));
    EXPECT(strstr(output, "p.policy:2: violated: deny write db audit: db maps region 'log' "
                          "writable (line 32) and audit maps it readable (line 36)\n"));
    EXPECT(!strstr(output, "p.policy:3"));
    test_verdict(name, NULL);

    name = "check/policy/reply_carries_data_back";
    free(output);
    output = NULL;
    EXPECT(run_policy(sys, "deny flow db -> db_client\n", &output) == 1);
    EXPECT(strstr(output, "db -> db_client via reply (db answers a call from db_client"));
    test_verdict(name, NULL);
out:
    free(output);
    sdf_free(sys);
}

static const struct {
    const char *name, *text, *expect;
} policy_errors[] = {
    {"unknown_pd", "deny flow web -> nobody\n",
     "p.policy:1:18: error: 'nobody' is not a protection domain of the system"},
    {"missing_arrow", "\ndeny flow web db\n", "p.policy:2:6: error: a flow rule reads"},
    {"not_deny", "allow flow web -> db\n", "p.policy:1:1: error: a rule starts with 'deny'"},
    {"bad_verb", "deny touch web db\n", "p.policy:1:6: error: expected 'flow', 'read' or 'write'"},
    {"read_extra_word", "deny read web db now\n", "p.policy:1:6: error: a read rule reads"},
    {"self_rule", "deny write db db\n", "p.policy:1:12: error: a rule about 'db' and itself"},
    {"control_char", "deny read web\x01 db\n", "p.policy:1:14: error: control character"},
    {"lonely_deny", "   deny\n", "p.policy:1:4: error: expected 'flow', 'read' or 'write'"},
};

static void test_policy_errors(void)
{
    sdf_system_t *sys = load("tests/tools/systems/chain.system");
    for (size_t i = 0; i < sizeof policy_errors / sizeof policy_errors[0]; i++) {
        char name[96], *output = NULL;
        snprintf(name, sizeof name, "check/policy/error/%s", policy_errors[i].name);
        if (!sys) {
            test_verdict(name, "chain.system did not load");
            continue;
        }
        int rc = run_policy(sys, policy_errors[i].text, &output);
        if (rc != -2)
            test_verdict(name, "accepted");
        else if (strncmp(output, policy_errors[i].expect, strlen(policy_errors[i].expect)) != 0)
            test_verdict(name, "expected '%s', got '%s'", policy_errors[i].expect, output);
        else
            test_verdict(name, NULL);
        free(output);
    }
    sdf_free(sys);
}

static void test_marked_dot(void)
{
    const char *name = "check/report/dot_marks_the_evidence_in_red";
    char *text = NULL, *said = NULL;
    size_t len = 0, vlen = 0;
    check_policy_t policy = {0};
    bool marked[SDF_MAX_PDS * SDF_MAX_PDS] = {false};
    static const char rules[] = "deny flow web -> db\ndeny read audit db\n";
    sdf_system_t *sys = load("tests/tools/systems/chain.system");
    EXPECT(sys);
    FILE *v = open_memstream(&said, &vlen);
    EXPECT(check_policy_parse("p", rules, strlen(rules), sys, &policy, v) == 0);
    EXPECT(check_policy_eval(&policy, sys, v, marked) == 2);
    fclose(v);
    size_t n = sys->pd_count;
    uint32_t web = pd(sys, "web"), parser = pd(sys, "parser"), client = pd(sys, "db_client"),
             db = pd(sys, "db"), audit = pd(sys, "audit");
    EXPECT(marked[web * n + parser] && marked[parser * n + client] && marked[client * n + db]);
    EXPECT(marked[db * n + audit]); /* audit reads what db writes */
    size_t count = 0;
    for (size_t i = 0; i < n * n; i++)
        count += marked[i];
    EXPECT(count == 4);
    FILE *out = open_memstream(&text, &len);
    EXPECT(check_report_dot_marked(sys, marked, out) == 0);
    fclose(out);
    EXPECT(strstr(text, "pd2 -> pd3 [label=\"call\", color=red, fontcolor=red, penwidth=2.5];"));
    EXPECT(strstr(text, "pd3 -> pd2 [label=\"reply\"];")); /* not evidence: stays plain */
    count = 0;
    for (const char *p = text; (p = strstr(p, "penwidth=2.5")); p++)
        count++;
    EXPECT(count == 4);
    test_verdict(name, NULL);
out:
    check_policy_free(&policy);
    free(said);
    free(text);
    sdf_free(sys);
}

static void test_dot(void)
{
    const char *name = "check/report/dot";
    char *text = NULL;
    size_t len = 0;
    sdf_system_t *sys = load("tests/tools/systems/chain.system");
    EXPECT(sys);
    FILE *out = open_memstream(&text, &len);
    EXPECT(check_report_dot(sys, out) == 0);
    fclose(out);
    EXPECT(strncmp(text, "digraph flow {", 14) == 0);
    EXPECT(strstr(text, "pd2 -> pd3 [label=\"call\"];"));
    EXPECT(strstr(text, "pd3 -> pd2 [label=\"reply\"];"));
    EXPECT(strstr(text, "pd0 -> pd1 [label=\"memory inbox\\nnotify\"];"));
    test_verdict(name, NULL);
out:
    free(text);
    sdf_free(sys);
}

int main(void)
{
    test_flow_edges();
    test_report_chain();
    test_report_page_sizes();
    test_tables_4k_match_planner();
    test_policy_verdicts();
    test_policy_errors();
    test_dot();
    test_marked_dot();
    return test_failures ? 1 : 0;
}
