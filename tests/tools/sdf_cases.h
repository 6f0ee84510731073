/*
 * One small system description per diagnostic, with the message's expected
 * beginning ("FILE:LINE:COLUMN: error: what"). Shared by the host test and,
 * as a seed corpus, by the fuzzer.
 *
 * Every text starts with the XML declaration on line 1 and <system> on
 * line 2; elements are indented by four spaces per level, so an element on
 * line N at the first level starts at column 5.
 */
#ifndef SUBSTRATE_TESTS_TOOLS_SDF_CASES_H
#define SUBSTRATE_TESTS_TOOLS_SDF_CASES_H

#define HDR "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<system>\n"
#define END "</system>\n"
/* Three lines: a PD `name` with priority `prio`. */
#define PD(name, prio)                                                                             \
    "    <protection_domain name=\"" name "\" priority=\"" prio "\">\n"                          \
    "        <program_image path=\"" name ".elf\"/>\n"                                             \
    "    </protection_domain>\n"
#define MR(name, size) "    <memory_region name=\"" name "\" size=\"" size "\"/>\n"

typedef struct {
    const char *name;
    const char *text;
    const char *expect; /* prefix of the first diagnostic line */
} sdf_case_t;

static const sdf_case_t sdf_error_cases[] = {
    {"malformed_xml_mismatched_tag", HDR "    <memory_region name=\"m\" size=\"0x1000\">\n" END,
     "t.system:4:3: error: malformed XML: mismatched tag"},
    {"malformed_xml_empty", "", "t.system:1:1: error: malformed XML: no element found"},
    {"malformed_xml_unclosed_attr", HDR "    <memory_region name=\"m size=\"1\"/>\n" END,
     "t.system:3:34: error: malformed XML: not well-formed"},
    {"mr_has_child", HDR "    <memory_region name=\"m\" size=\"0x1000\">\n"
         "        <map mr=\"m\" vaddr=\"0x1000\"/>\n    </memory_region>\n" PD("a", "1") END,
     "t.system:4:9: error: <map> inside <memory_region>; a memory_region has no child elements"},
    {"empty_attribute", HDR "    <memory_region name=\"\" size=\"0x1000\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: name=\"\" is empty; give it a value"},
    {"setvar_missing_region",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <setvar symbol=\"p\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <setvar> needs attribute 'region_paddr'"},
    {"mr_too_big", HDR MR("m", "0x20000000000000") PD("a", "1") END,
     "t.system:3:5: error: size=\"0x20000000000000\" is out of range; a region is at most 2^52 bytes"},
    {"nested_too_deeply",
     "<s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s>"
     "<s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s><s>"
     "<s><s><s><s><s>",
     "t.system:1:193: error: elements are nested too deeply"},
    {"doctype_refused",
     "<?xml version=\"1.0\"?>\n<!DOCTYPE system [<!ENTITY a \"aaaa\">]>\n<system/>\n",
     "t.system:2:18: error: DOCTYPE declarations are not allowed"},
    {"text_refused", HDR "    hello\n" END, "t.system:3:5: error: unexpected text"},
    {"root_not_system", "<?xml version=\"1.0\"?>\n<sys/>\n",
     "t.system:2:1: error: the root element is <sys>"},
    {"system_attribute", "<?xml version=\"1.0\"?>\n<system x=\"1\">\n" PD("a", "1") END,
     "t.system:2:1: error: unknown attribute 'x' on <system>; <system> takes no attributes"},
    {"no_pd", HDR END, "t.system:2:1: error: the system has no protection domain"},
    {"unknown_element", HDR "    <memory_regoin name=\"m\" size=\"0x1000\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: unknown element <memory_regoin> in <system>"},
    {"arm_io_address_space", HDR "    <io_address_space name=\"x\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: <io_address_space> is not supported on x86_64"},
    {"arm_domain_schedule", HDR "    <domain_schedule/>\n" PD("a", "1") END,
     "t.system:3:5: error: <domain_schedule> is not supported on x86_64"},
    {"arm_smc_attribute",
     HDR "    <protection_domain name=\"a\" smc=\"true\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: attribute 'smc' of <protection_domain> is not supported on x86_64"},
    {"arm_irq_form",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq irq=\"33\" id=\"1\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <irq irq=...> is the ARM and RISC-V form, not supported on x86_64"},
    {"unknown_attribute_map",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\" colour=\"red\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: unknown attribute 'colour' on <map>; <map> takes: mr, vaddr, perms"},
    {"unknown_element_in_pd",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <mapp/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: unknown element <mapp> in <protection_domain>"},
    {"arm_virtual_machine",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <virtual_machine name=\"vm\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <virtual_machine> is not supported on x86_64"},
    {"mr_missing_name", HDR "    <memory_region size=\"0x1000\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: <memory_region> needs attribute 'name'"},
    {"mr_missing_size", HDR "    <memory_region name=\"m\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: <memory_region> needs attribute 'size'"},
    {"mr_bad_number", HDR MR("m", "12k") PD("a", "1") END,
     "t.system:3:5: error: size=\"12k\" is not a number"},
    {"mr_number_overflow", HDR MR("m", "0x10000000000000000") PD("a", "1") END,
     "t.system:3:5: error: size=\"0x10000000000000000\" is not a number"},
    {"mr_size_not_4k", HDR MR("m", "0x1800") PD("a", "1") END,
     "t.system:3:5: error: size 0x1800 of memory_region 'm' is not a non-zero multiple of 4 KiB"},
    {"mr_size_zero", HDR MR("m", "0") PD("a", "1") END,
     "t.system:3:5: error: size 0x0 of memory_region 'm' is not a non-zero multiple of 4 KiB"},
    {"mr_bad_page_size",
     HDR "    <memory_region name=\"m\" size=\"0x4000\" page_size=\"0x4000\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: page_size 0x4000 is not an x86_64 page size"},
    {"mr_size_not_page_multiple",
     HDR "    <memory_region name=\"m\" size=\"0x201000\" page_size=\"0x200000\"/>\n" PD("a", "1")
         END,
     "t.system:3:5: error: size 0x201000 of memory_region 'm' is not a multiple of its page_size"},
    {"mr_phys_misaligned",
     HDR "    <memory_region name=\"m\" size=\"0x200000\" page_size=\"0x200000\" "
         "phys_addr=\"0x1000\"/>\n" PD("a", "1") END,
     "t.system:3:5: error: phys_addr 0x1000 of memory_region 'm' is not aligned to its page_size"},
    {"mr_phys_beyond_limit",
     HDR "    <memory_region name=\"m\" size=\"0x2000\" phys_addr=\"0xffffffffff000\"/>\n"
         PD("a", "1") END,
     "t.system:3:5: error: memory_region 'm' ends beyond the 2^52 physical address limit"},
    {"mr_duplicate_name", HDR MR("m", "0x1000") MR("m", "0x2000") PD("a", "1") END,
     "t.system:4:5: error: duplicate memory_region name 'm' (first defined at line 3)"},
    {"pd_missing_name",
     HDR "    <protection_domain priority=\"1\">\n        <program_image path=\"a.elf\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:3:5: error: <protection_domain> needs attribute 'name'"},
    {"pd_duplicate_name", HDR PD("a", "1") PD("a", "2") END,
     "t.system:6:5: error: duplicate protection domain name 'a' (first defined at line 3)"},
    {"pd_priority_over_254", HDR PD("a", "255") END,
     "t.system:3:5: error: priority=\"255\" is out of range; priorities are 0..254"},
    {"pd_priority_negative", HDR PD("a", "-1") END,
     "t.system:3:5: error: priority=\"-1\" is not a number"},
    {"pd_budget_over_period",
     HDR "    <protection_domain name=\"a\" budget=\"2000\" period=\"1000\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: budget (2000 us) of protection domain 'a' is larger than its period"},
    {"pd_budget_zero",
     HDR "    <protection_domain name=\"a\" budget=\"0\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: budget of protection domain 'a' is 0"},
    {"pd_passive_not_bool",
     HDR "    <protection_domain name=\"a\" passive=\"yes\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: passive=\"yes\" is not a truth value"},
    {"pd_stack_not_4k",
     HDR "    <protection_domain name=\"a\" stack_size=\"0x1800\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: stack_size 0x1800 of protection domain 'a' is not a multiple of 0x1000"},
    {"pd_stack_too_big",
     HDR "    <protection_domain name=\"a\" stack_size=\"0x2000000\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: stack_size 0x2000000 of protection domain 'a'"},
    {"pd_name_too_long",
     HDR "    <protection_domain name=\"a123456789a123456789a123456789a123456789a123456789a123456789"
         "abcd\">\n        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: protection domain name 'a123456789a123456789a123456789a123456789"
     "a123456789a123456789abcd' is longer than 63 characters"},
    {"pd_cpu_out_of_range",
     HDR "    <protection_domain name=\"a\" cpu=\"256\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: cpu=\"256\" is out of range"},
    {"pd_missing_program_image",
     HDR "    <protection_domain name=\"a\">\n    </protection_domain>\n" END,
     "t.system:3:5: error: protection domain 'a' has no <program_image>"},
    {"pd_two_program_images",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <program_image path=\"b.elf\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: second <program_image> in protection domain 'a' (the first is at line 4)"},
    {"program_image_no_path",
     HDR "    <protection_domain name=\"a\">\n        <program_image/>\n"
         "    </protection_domain>\n" END,
     "t.system:4:9: error: <program_image> needs attribute 'path'"},
    {"map_unknown_mr",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"nope\" vaddr=\"0x400000\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: map names memory_region 'nope', which does not exist"},
    {"map_missing_vaddr",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: <map> needs attribute 'vaddr'"},
    {"map_write_only",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\" perms=\"w\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: perms=\"w\" has no 'r'"},
    {"map_write_exec",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\" perms=\"rwx\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: perms=\"rwx\" is both writable and executable"},
    {"map_bad_perm_letter",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\" perms=\"rq\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: perms=\"rq\" is not a set of permissions"},
    {"map_cached_not_bool",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\" cached=\"no\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: cached=\"no\" is not a truth value"},
    {"map_vaddr_misaligned_4k",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400800\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: vaddr 0x400800 is not aligned to the page size 0x1000 of memory_region 'm'"},
    {"map_vaddr_misaligned_page_size",
     HDR "    <memory_region name=\"m\" size=\"0x200000\" page_size=\"0x200000\"/>\n"
         "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x401000\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: vaddr 0x401000 is not aligned to the page size 0x200000 of memory_region 'm'"},
    {"map_into_reserved_top",
     HDR MR("m", "0x2000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x7fffeffff000\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: map of 'm' at 0x7fffeffff000 in protection domain 'a' reaches past "
     "0x7ffff0000000"},
    {"map_kernel_half",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0xffffffff80000000\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: map of 'm' at 0xffffffff80000000 in protection domain 'a' reaches past"},
    {"map_overlap",
     HDR MR("m", "0x2000") MR("n", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\"/>\n"
         "        <map mr=\"n\" vaddr=\"0x401000\"/>\n    </protection_domain>\n" END,
     "t.system:8:9: error: map of 'n' at 0x401000 overlaps the map of 'm' at 0x400000 (line 7) in "
     "protection domain 'a'"},
    {"map_overlap_reported_at_later_line",
     HDR MR("m", "0x2000") MR("n", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"n\" vaddr=\"0x401000\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\"/>\n    </protection_domain>\n" END,
     "t.system:8:9: error: map of 'm' at 0x400000 overlaps the map of 'n' at 0x401000 (line 7)"},
    {"setvar_duplicate_symbol",
     HDR MR("m", "0x1000") "    <protection_domain name=\"a\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <map mr=\"m\" vaddr=\"0x400000\" setvar_vaddr=\"buf\"/>\n"
         "        <setvar symbol=\"buf\" region_paddr=\"m\"/>\n    </protection_domain>\n" END,
     "t.system:7:9: error: symbol 'buf' of protection domain 'a' is already set at line 6"},
    {"setvar_unknown_region",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <setvar symbol=\"p\" region_paddr=\"nope\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: setvar names memory_region 'nope', which does not exist"},
    {"irq_id_over_61",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"62\" pin=\"4\" vector=\"4\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: id=\"62\" is out of range; channel, irq and child ids are 0..61"},
    {"irq_no_form",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" vector=\"4\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <irq> needs exactly one of pin=\"...\" (IOAPIC form) or pcidev="},
    {"irq_missing_vector",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <irq> needs attribute 'vector'"},
    {"irq_vector_too_big",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"108\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: vector=\"108\" is out of range; vectors are 0..107"},
    {"irq_bad_trigger",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"4\" trigger=\"rising\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:5:9: error: trigger=\"rising\" is not a trigger mode"},
    {"irq_bad_polarity",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"4\" polarity=\"up\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:5:9: error: polarity=\"up\" is not a polarity"},
    {"irq_msi_attr_on_ioapic",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"4\" handle=\"0\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:5:9: error: unknown attribute 'handle' on <irq>"},
    {"irq_bad_pcidev",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pcidev=\"0:32.0\" handle=\"0\" vector=\"5\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:5:9: error: pcidev=\"0:32.0\" is not a PCI address"},
    {"irq_msi_missing_handle",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pcidev=\"0:3.0\" vector=\"5\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:5:9: error: <irq> needs attribute 'handle'"},
    {"irq_duplicate_id",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"4\"/>\n"
         "        <irq id=\"1\" pin=\"5\" vector=\"5\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: id 1 is already used by the irq at line 5 in protection domain 'a'"},
    {"irq_same_pin_two_pds",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"4\"/>\n    </protection_domain>\n"
         "    <protection_domain name=\"b\">\n        <program_image path=\"b.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"6\"/>\n    </protection_domain>\n" END,
     "t.system:9:9: error: this irq has the same source as the irq at line 5 (protection domain 'a')"},
    {"irq_same_vector",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"1\" pin=\"4\" vector=\"4\"/>\n"
         "        <irq id=\"2\" pcidev=\"00:03.0\" handle=\"0\" vector=\"4\"/>\n"
         "    </protection_domain>\n" END,
     "t.system:6:9: error: this irq uses the vector of the irq at line 5 (protection domain 'a')"},
    {"ioport_missing_addr",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <ioport id=\"0\" size=\"8\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <ioport> needs attribute 'addr'"},
    {"ioport_id_over_62",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <ioport id=\"63\" addr=\"0x3f8\" size=\"8\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: id=\"63\" is out of range; I/O port ids are 0..62"},
    {"ioport_past_end",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <ioport id=\"0\" addr=\"0xfff8\" size=\"16\"/>\n    </protection_domain>\n" END,
     "t.system:5:9: error: I/O port range 0xfff8+0x10 is empty or runs past port 0xffff"},
    {"ioport_overlap_two_pds",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <ioport id=\"0\" addr=\"0x3f8\" size=\"8\"/>\n    </protection_domain>\n"
         "    <protection_domain name=\"b\">\n        <program_image path=\"b.elf\"/>\n"
         "        <ioport id=\"0\" addr=\"0x3fc\" size=\"1\"/>\n    </protection_domain>\n" END,
     "t.system:9:9: error: I/O ports 0x3fc..0x3fc overlap ports 0x3f8..0x3ff granted at line 5 "
     "(protection domain 'a')"},
    {"ioport_duplicate_id",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <ioport id=\"0\" addr=\"0x3f8\" size=\"8\"/>\n"
         "        <ioport id=\"0\" addr=\"0x2f8\" size=\"8\"/>\n    </protection_domain>\n" END,
     "t.system:6:9: error: ioport id 0 is already used at line 5 in protection domain 'a'"},
    {"child_missing_id",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <protection_domain name=\"b\">\n            <program_image path=\"b.elf\"/>\n"
         "        </protection_domain>\n    </protection_domain>\n" END,
     "t.system:5:9: error: <protection_domain> needs attribute 'id'"},
    {"child_duplicate_id",
     HDR "    <protection_domain name=\"a\">\n        <program_image path=\"a.elf\"/>\n"
         "        <protection_domain name=\"b\" id=\"1\">\n"
         "            <program_image path=\"b.elf\"/>\n        </protection_domain>\n"
         "        <protection_domain name=\"c\" id=\"1\">\n"
         "            <program_image path=\"c.elf\"/>\n        </protection_domain>\n"
         "    </protection_domain>\n" END,
     "t.system:8:9: error: child id 1 is already used by protection domain 'b' (line 5) under 'a'"},
    {"top_level_pd_with_id",
     HDR "    <protection_domain name=\"a\" id=\"1\">\n"
         "        <program_image path=\"a.elf\"/>\n    </protection_domain>\n" END,
     "t.system:3:5: error: unknown attribute 'id' on <protection_domain>"},
    {"channel_unknown_pd",
     HDR PD("a", "1") "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n"
         "        <end pd=\"zz\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:8:9: error: channel end names protection domain 'zz', which does not exist"},
    {"channel_one_end",
     HDR PD("a", "1") "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:6:5: error: channel has 1 <end>; a channel needs exactly two"},
    {"channel_three_ends",
     HDR PD("a", "1") PD("b", "2") "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n"
         "        <end pd=\"b\" id=\"0\"/>\n        <end pd=\"b\" id=\"1\"/>\n    </channel>\n" END,
     "t.system:12:9: error: third <end> in a channel"},
    {"channel_id_over_61",
     HDR PD("a", "1") PD("b", "2") "    <channel>\n        <end pd=\"a\" id=\"62\"/>\n"
         "        <end pd=\"b\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:10:9: error: id=\"62\" is out of range; channel, irq and child ids are 0..61"},
    {"channel_duplicate_id",
     HDR PD("a", "1") PD("b", "2") PD("c", "3")
         "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n        <end pd=\"b\" id=\"0\"/>\n"
         "    </channel>\n"
         "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n        <end pd=\"c\" id=\"0\"/>\n"
         "    </channel>\n" END,
     "t.system:17:9: error: id 0 of protection domain 'a' is already used by the channel at line 12"},
    {"channel_id_used_by_irq",
     HDR "    <protection_domain name=\"a\" priority=\"1\">\n"
         "        <program_image path=\"a.elf\"/>\n"
         "        <irq id=\"3\" pin=\"4\" vector=\"4\"/>\n    </protection_domain>\n"
         PD("b", "2") "    <channel>\n        <end pd=\"a\" id=\"3\"/>\n"
         "        <end pd=\"b\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:11:9: error: id 3 of protection domain 'a' is already used by the irq at line 5"},
    {"channel_same_pd",
     HDR PD("a", "1") "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n"
         "        <end pd=\"a\" id=\"1\"/>\n    </channel>\n" END,
     "t.system:6:5: error: both ends of the channel are protection domain 'a'"},
    {"channel_pp_equal_priority",
     HDR PD("a", "5") PD("b", "5") "    <channel>\n        <end pd=\"a\" id=\"0\" pp=\"true\"/>\n"
         "        <end pd=\"b\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:10:9: error: 'a' (priority 5) makes protected calls to 'b' (priority 5), which is "
     "not higher"},
    {"channel_pp_lower_priority",
     HDR PD("a", "5") PD("b", "9") "    <channel>\n        <end pd=\"a\" id=\"0\"/>\n"
         "        <end pd=\"b\" id=\"0\" pp=\"true\"/>\n    </channel>\n" END,
     "t.system:11:9: error: 'b' (priority 9) makes protected calls to 'a' (priority 5)"},
    {"channel_pp_both",
     HDR PD("a", "5") PD("b", "9") "    <channel>\n        <end pd=\"a\" id=\"0\" pp=\"true\"/>\n"
         "        <end pd=\"b\" id=\"0\" pp=\"true\"/>\n    </channel>\n" END,
     "t.system:9:5: error: both ends have pp=\"true\""},
    {"channel_notify_not_bool",
     HDR PD("a", "5") PD("b", "9") "    <channel>\n        <end pd=\"a\" id=\"0\" notify=\"1\"/>\n"
         "        <end pd=\"b\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:10:9: error: notify=\"1\" is not a truth value"},
    {"channel_attribute", HDR PD("a", "5") PD("b", "9") "    <channel name=\"x\">\n"
         "        <end pd=\"a\" id=\"0\"/>\n        <end pd=\"b\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:9:5: error: unknown attribute 'name' on <channel>"},
    {"channel_end_missing_pd", HDR PD("a", "5") "    <channel>\n        <end id=\"0\"/>\n"
         "        <end pd=\"a\" id=\"0\"/>\n    </channel>\n" END,
     "t.system:7:9: error: <end> needs attribute 'pd'"},
};

#endif
