/*
 * The PD table, each PD's address space, and switching between PDs.
 *
 * A PD's page tables are planned at boot by lib/vspace from the mappings
 * the builder recorded, into the table pool the builder reserved for it;
 * 1 GiB pages are used where the CPU has them and shattered into 2 MiB pages
 * where it does not. The upper half of every PML4 is the kernel's, without
 * the user bit. The I/O permission bitmap is rewritten on a switch, closing
 * the previous PD's ranges and opening the next one's.
 */
#include "kernel/pd.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/arch/x86_64/layout.h"
#include "kernel/console.h"
#include "kernel/klib.h"
#include "kernel/sched.h"
#include "kernel/vspace.h"
#include "lib/vspace/vspace_plan.h"

pd_t pd_table[IMAGE_MAX_PDS] __attribute__((aligned(16)));
uint32_t pd_count;
pd_t *pd_current;
arch_frame_t *arch_current_frame;

static const pd_t *ioport_owner;
/*
 * Lazy FPU switching: the x87/SSE registers hold fpu_owner's state. Running
 * any other PD sets CR0.TS, so its first FPU or SSE instruction traps (#NM)
 * and only then is the state exchanged. PDs that do not touch SSE between
 * two calls (the usual IPC case) cost no FXSAVE/FXRSTOR at all.
 */
static pd_t *fpu_owner;
static bool fpu_trap_armed;

static void fpu_trap(bool armed)
{
    if (armed == fpu_trap_armed)
        return;
    uint64_t cr0;
    if (armed) {
        __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
        __asm__ volatile("mov %0, %%cr0" ::"r"(cr0 | (1ull << 3)));
    } else {
        __asm__ volatile("clts");
    }
    fpu_trap_armed = armed;
}

bool pd_fpu_fault(pd_t *pd)
{
    if (!fpu_trap_armed)
        return false; /* a genuine #NM: the PD's own doing */
    fpu_trap(false);
    if (fpu_owner)
        __asm__ volatile("fxsave64 %0" : "=m"(fpu_owner->fpu));
    __asm__ volatile("fxrstor64 %0" ::"m"(pd->fpu));
    fpu_owner = pd;
    return true;
}
static uint64_t loaded_cr3;

extern uint64_t boot_pml4[512];

static vspace_mapping_t plan_maps[IMAGE_MAX_MAPS];
static vspace_piece_t plan_scratch[2 * IMAGE_MAX_MAPS + 1];

void *phys_to_virt(uint64_t phys)
{
    return (void *)(KERNEL_DIRECT_BASE + phys);
}

int pd_build_vspace(pd_t *pd, const image_map_t *maps)
{
    const image_pd_t *d = pd->desc;
    if (d->map_count > IMAGE_MAX_MAPS)
        return -1;
    for (uint32_t i = 0; i < d->map_count; i++) {
        plan_maps[i].vaddr = maps[i].vaddr;
        plan_maps[i].paddr = maps[i].paddr;
        plan_maps[i].size = maps[i].size;
        plan_maps[i].attrs = maps[i].attrs | VSPACE_ATTR_USER;
        plan_maps[i].max_page = maps[i].max_page;
    }
    vspace_pool_t pool = {
        .tables = phys_to_virt(d->pool_phys),
        .capacity = d->pool_tables,
        .used = 0,
        .phys_base = d->pool_phys,
    };
    size_t root;
    if (vspace_plan(plan_maps, d->map_count, true, plan_scratch, K_ARRAY_SIZE(plan_scratch), &pool, &root) !=
        VSPACE_OK)
        return -2;
    if (!cpu_features.pdpe1gb && vspace_shatter_1g(&pool, root) != VSPACE_OK)
        return -3;
    uint64_t *pml4 = pool.tables[root];
    for (int i = 256; i < 512; i++)
        pml4[i] = boot_pml4[i];
    pd->cr3 = d->pool_phys + root * 4096;
    return 0;
}

void pd_reset_thread(pd_t *pd, uint64_t entry)
{
    k_memset(&pd->frame, 0, sizeof(pd->frame));
    pd->frame.rip = entry;
    pd->frame.rsp = pd->desc->stack_top;
    pd->frame.rflags = 0x202;
    pd->frame.cs = 0x2B;
    pd->frame.ss = 0x23;
    /* x87 and SSE start as after FNINIT with every SSE exception masked. */
    k_memset(pd->fpu, 0, sizeof(pd->fpu));
    pd->fpu[0] = 0x7F;
    pd->fpu[1] = 0x03;
    pd->fpu[24] = 0x80;
    pd->fpu[25] = 0x1F;
    if (fpu_owner == pd)
        fpu_owner = 0; /* the registers hold its old state; load the fresh one on first use */
}

static void endpoint_remove(pd_t *callee, pd_t *caller)
{
    pd_t **link = &callee->send_head;
    pd_t *prev = 0;
    while (*link && *link != caller) {
        prev = *link;
        link = &(*link)->next;
    }
    if (!*link)
        return;
    *link = caller->next;
    if (callee->send_tail == caller)
        callee->send_tail = prev;
    caller->next = 0;
}

void pd_detach(pd_t *pd)
{
    sched_dequeue(pd);
    if (pd->state == PD_BLOCKED_SEND && pd->waiting_on)
        endpoint_remove(pd->waiting_on, pd);
    pd->waiting_on = 0;
    if (pd->state == PD_BLOCKED_REPLY) {
        for (uint32_t i = 0; i < pd_count; i++) {
            pd_t *other = &pd_table[i];
            if (other->reply_kind == REPLY_CALLER && other->reply_to == pd)
                other->reply_kind = REPLY_NONE;
        }
    }
    if (pd->reply_kind == REPLY_CALLER && pd->reply_to) {
        /* Release the caller with an empty reply rather than leave it blocked. */
        pd_t *caller = pd->reply_to;
        caller->frame.rax = 0;
        sched_make_ready(caller);
    }
    pd->reply_kind = REPLY_NONE;
    pd->reply_to = 0;
    if (pd->state == PD_FAULTED && pd->desc->parent != IMAGE_NONE) {
        pd_t *parent = &pd_table[pd->desc->parent];
        parent->pending_faults &= ~(1ull << pd->index);
        if (parent->reply_kind == REPLY_FAULT && parent->reply_to == pd)
            parent->reply_kind = REPLY_NONE;
    }
    if (pd->sc && pd->sc->holder == pd && pd->sc != &pd->own_sc)
        pd->sc->holder = 0;
}

/* Opens (allow) or closes in the TSS I/O bitmap the port ranges granted to pd. */
static void ioports_set(const pd_t *pd, bool allow)
{
    for (uint32_t i = 0; i < pd->ioport_count; i++) {
        const image_ioport_t *io = &pd->desc->ioports[pd->ioport_ids[i]];
        cpu_ioports_set(io->base, io->size, allow);
    }
}

/*
 * Only the running PD's ports are open. The walks cover only granted ranges
 * (ioport_ids): a driver's switch used to scan all IMAGE_MAX_IOPORTS ids
 * twice, and under TCG that loop, split across a code page, cost more
 * translated-block lookups than the rest of a network round trip's switch.
 */
static void ioports_switch(const pd_t *next)
{
    if (ioport_owner == next)
        return;
    if (ioport_owner)
        ioports_set(ioport_owner, false);
    ioports_set(next, true);
    ioport_owner = next;
}

void pd_switch_to(pd_t *pd)
{
    pd_current = pd;
    arch_current_frame = &pd->frame;
    cpu_set_kernel_entry_stack((uint64_t)(&pd->frame + 1));
    if (pd->cr3 != loaded_cr3) {
        cpu_write_cr3(pd->cr3);
        loaded_cr3 = pd->cr3;
        sched_idle_acct.switches++;
    }
    ioports_switch(pd);
    fpu_trap(fpu_owner != pd);
}
