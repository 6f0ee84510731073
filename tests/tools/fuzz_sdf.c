/*
 * libFuzzer target for the system description parser: any input must either
 * parse into a model or be refused with diagnostics, never crash, leak or
 * trip a sanitizer. A parsed model is also checked against the promises of
 * sdf.h that everything downstream relies on, so a parser that let an
 * invalid system through would be caught here too.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tools/sdf/sdf_parse.h"

static FILE *null_diag(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

static void check_model(const sdf_system_t *sys)
{
    if (sys->pd_count == 0 || sys->pd_count > SDF_MAX_PDS)
        abort();
    for (size_t i = 0; i < sys->pd_count; i++) {
        const sdf_pd_t *pd = &sys->pds[i];
        if (pd->parent != SDF_NONE && pd->parent >= i)
            abort(); /* parents come before children */
        if (pd->budget_us > pd->period_us || !pd->program_image)
            abort();
        for (size_t j = 0; j < pd->map_count; j++) {
            const sdf_map_t *m = &pd->maps[j];
            const sdf_mr_t *mr = &sys->mrs[m->mr];
            if (m->mr >= sys->mr_count || m->vaddr % (mr->page_size_given ? mr->page_size : SDF_PAGE_4K) != 0 ||
                m->vaddr + mr->size > SDF_PD_RESERVED_BASE || !(m->perms & SDF_PERM_R))
                abort();
            for (size_t k = 0; k < j; k++) {
                const sdf_map_t *o = &pd->maps[k];
                if (m->vaddr < o->vaddr + sys->mrs[o->mr].size && o->vaddr < m->vaddr + mr->size)
                    abort();
            }
        }
    }
    for (size_t i = 0; i < sys->channel_count; i++) {
        const sdf_channel_t *ch = &sys->channels[i];
        for (int e = 0; e < 2; e++) {
            if (ch->end[e].pd >= sys->pd_count || ch->end[e].id > SDF_MAX_CHANNEL_ID)
                abort();
            if (ch->end[e].pp &&
                sys->pds[ch->end[1 - e].pd].priority <= sys->pds[ch->end[e].pd].priority)
                abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    sdf_system_t *sys = NULL;
    if (sdf_parse_buffer("fuzz.system", (const char *)data, size, &sys, null_diag()) == 0) {
        check_model(sys);
        sdf_free(sys);
    } else if (sys) {
        abort(); /* an error must leave nothing behind */
    }
    return 0;
}
