/*
 * libFuzzer target for policy files: any text, parsed against a fixed
 * example system and then evaluated, must never crash, leak or trip a
 * sanitizer, and a rejected policy must leave nothing allocated.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/check/policy.h"
#include "tools/sdf/sdf_parse.h"

static const char system_text[] =
    "<system>\n"
    "<memory_region name=\"m\" size=\"0x1000\"/><memory_region name=\"n\" size=\"0x1000\"/>\n"
    "<protection_domain name=\"a\" priority=\"1\"><program_image path=\"a\"/>"
    "<map mr=\"m\" vaddr=\"0x1000000\"/></protection_domain>\n"
    "<protection_domain name=\"b\" priority=\"2\"><program_image path=\"b\"/>"
    "<map mr=\"m\" vaddr=\"0x1000000\" perms=\"r\"/><map mr=\"n\" vaddr=\"0x2000000\"/>"
    "<protection_domain name=\"c\" id=\"1\" priority=\"3\"><program_image path=\"c\"/>"
    "</protection_domain></protection_domain>\n"
    "<protection_domain name=\"d\" priority=\"9\"><program_image path=\"d\"/>"
    "<map mr=\"n\" vaddr=\"0x2000000\" perms=\"r\"/></protection_domain>\n"
    "<protection_domain name=\"e\" priority=\"9\"><program_image path=\"e\"/>"
    "</protection_domain>\n"
    "<channel><end pd=\"c\" id=\"0\" pp=\"true\"/><end pd=\"d\" id=\"0\"/></channel>\n"
    "</system>\n";

static sdf_system_t *example(void)
{
    static sdf_system_t *sys;
    if (!sys && sdf_parse_buffer("fuzz.system", system_text, strlen(system_text), &sys,
                                 stderr) != 0)
        abort();
    return sys;
}

static FILE *null_out(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    check_policy_t policy;
    bool marks[SDF_MAX_PDS * SDF_MAX_PDS] = {false};
    if (check_policy_parse("fuzz.policy", (const char *)data, size, example(), &policy,
                           null_out()) == 0) {
        if (check_policy_eval(&policy, example(), null_out(), marks) < 0)
            abort();
        check_policy_free(&policy);
    } else if (policy.rules || policy.file || policy.count) {
        abort();
    }
    return 0;
}
