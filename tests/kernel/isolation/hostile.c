/*
 * isolation test, the hostile child (child 1 of parent, priority 150).
 *
 * On every start it runs the one attack the parent chose (ctl->attack); see
 * isolation.h for the list and what each must lead to. An attack that
 * returns instead of faulting reports so to the parent, which judges it.
 * FORGE attacks set libmicrokit's permission masks to all ones, so the
 * runtime's own check no longer stops anything and only the kernel can, and
 * then use every id they were not granted, one call each; an id whose call
 * faults is skipped on the next start.
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/isolation/isolation.h"
#include "tools/sdf/sdf.h"

/* A `ret` in read-only data: readable, never executable. */
static const uint8_t rodata_ret[16] = {0xc3};

uintptr_t ctl;

static isolation_ctl_t *control(void)
{
    return (isolation_ctl_t *)ctl;
}

static void touch_read(uint64_t addr)
{
    control()->expect_addr = addr;
    (void)*(volatile uint64_t *)addr;
}

static void touch_write(uint64_t addr)
{
    control()->expect_addr = addr;
    /* Writes back what is there, so even a write that got through changes nothing. */
    volatile uint8_t *p = (volatile uint8_t *)addr;
    uint8_t v = *p;
    *p = v;
}

static void jump_to(uint64_t addr)
{
    control()->expect_addr = addr;
    __asm__ volatile("call *%0" ::"r"(addr) : "memory");
}

static void forge_masks(void)
{
    microkit_notifications = ~0ull;
    microkit_pps = ~0ull;
    microkit_irqs = ~0ull;
    microkit_ioports = ~0ull;
}

/* Runs `op` on every id from ctl->next_id to `last`, skipping `granted`. */
static void forge_each(void (*op)(unsigned id), unsigned last, int granted)
{
    forge_masks();
    for (;;) {
        unsigned id = (unsigned)control()->next_id;
        if (id > last)
            return;
        /* Advanced first: if this call faults, the next start tries the next id. */
        control()->next_id = id + 1;
        if ((int)id != granted)
            op(id);
    }
}

static void op_notify(unsigned id) { microkit_notify(id); }
static void op_ppcall(unsigned id)
{
    microkit_mr_set(0, 0x666);
    (void)microkit_ppcall(id, microkit_msginfo_new(0x666, 1));
}
static void op_irq_ack(unsigned id) { microkit_irq_ack(id); }
static void op_ioport_write(unsigned id) { microkit_x86_ioport_write_8(id, ISOLATION_SCRATCH_PORT, 0xa5); }
static void op_ioport_read(unsigned id) { (void)microkit_x86_ioport_read_8(id, ISOLATION_SCRATCH_PORT); }
static void op_pd_stop(unsigned id) { microkit_pd_stop(id); }
static void op_pd_restart(unsigned id) { microkit_pd_restart(id, 0x200000); }

static void attack(uint64_t which)
{
    uint8_t on_stack[16];
    switch (which) {
    case ATTACK_read_other_pd_memory: touch_read(ISOLATION_OTHER_PD_ADDR); break;
    case ATTACK_write_readonly_mapping: touch_write(ISOLATION_RO_ADDR); break;
    case ATTACK_write_own_code: touch_write((uint64_t)(uintptr_t)&attack); break;
    case ATTACK_execute_data:
        *(volatile uint8_t *)ISOLATION_DATA_ADDR = 0xc3; /* ret */
        jump_to(ISOLATION_DATA_ADDR);
        break;
    case ATTACK_execute_stack:
        ((volatile uint8_t *)on_stack)[0] = 0xc3;
        jump_to((uint64_t)(uintptr_t)on_stack);
        break;
    case ATTACK_execute_rodata: jump_to((uint64_t)(uintptr_t)rodata_ret); break;
    case ATTACK_execute_ipc_buffer:
        *(volatile uint8_t *)(SDF_PD_IPC_BUFFER + 0x800) = 0xc3;
        jump_to(SDF_PD_IPC_BUFFER + 0x800);
        break;
    /* The stack (4 KiB here) has an unmapped guard page below and above it. */
    case ATTACK_read_stack_guard_below: touch_read(SDF_PD_STACK_TOP - 0x1000 - 0x1000); break;
    case ATTACK_read_stack_guard_above: touch_read(SDF_PD_STACK_TOP); break;
    case ATTACK_read_last_user_page: touch_read(SDF_USER_TOP - 0x1000); break;
    case ATTACK_read_kernel_high_half: touch_read(0xffffffff80000000ull); break;
    case ATTACK_read_kernel_direct_map: touch_read(0xffff800000000000ull); break;
    case ATTACK_read_low_physical_identity: touch_read(0x100000ull); break;
    case ATTACK_jump_to_kernel: jump_to(0xffffffff80100000ull); break;
    case ATTACK_read_noncanonical: (void)*(volatile uint64_t *)0x0000800000000000ull; break;
    case ATTACK_cli: __asm__ volatile("cli"); break;
    case ATTACK_hlt: __asm__ volatile("hlt"); break;
    case ATTACK_wrmsr: __asm__ volatile("wrmsr" ::"c"(0x1b), "a"(0), "d"(0)); break;
    case ATTACK_rdmsr: {
        uint32_t lo, hi;
        __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x1b));
        break;
    }
    case ATTACK_mov_from_cr3: {
        uint64_t cr3;
        __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
        break;
    }
    case ATTACK_mov_to_cr0: __asm__ volatile("mov %0, %%cr0" ::"r"(0ull)); break;
    case ATTACK_lidt: {
        struct __attribute__((packed)) { uint16_t limit; uint64_t base; } idt = {0, 0};
        __asm__ volatile("lidt %0" ::"m"(idt));
        break;
    }
    case ATTACK_in_ungranted_port: {
        uint8_t v;
        __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"((uint16_t)ISOLATION_SCRATCH_PORT));
        break;
    }
    case ATTACK_out_ungranted_port:
        __asm__ volatile("outb %0, %1" ::"a"((uint8_t)0xa5), "Nd"((uint16_t)ISOLATION_SCRATCH_PORT));
        break;
    case ATTACK_out_pci_config:
        __asm__ volatile("outl %0, %1" ::"a"(0x80000000u), "Nd"((uint16_t)0xcf8));
        break;
    case ATTACK_out_exit_device:
        /* Were this let through, QEMU would stop with a made-up verdict. */
        __asm__ volatile("outb %0, %1" ::"a"((uint8_t)0x55), "Nd"((uint16_t)0xf4));
        break;
    case ATTACK_int_timer_vector: __asm__ volatile("int $0x20"); break;
    case ATTACK_int_page_fault_vector: __asm__ volatile("int $0x0e"); break;
    case ATTACK_ud2: __asm__ volatile("ud2"); break;
    case ATTACK_divide_by_zero: {
        uint64_t zero = 0;
        uint64_t high = 0;
        __asm__ volatile("divq %2" : "+a"(zero), "+d"(high) : "r"(zero));
        break;
    }
    case ATTACK_forge_notify: forge_each(op_notify, 61, 0); break;
    case ATTACK_forge_ppcall: forge_each(op_ppcall, 61, -1); break;
    case ATTACK_forge_irq_ack: forge_each(op_irq_ack, 61, -1); break;
    case ATTACK_forge_ioport_write: forge_each(op_ioport_write, 62, -1); break;
    case ATTACK_forge_ioport_read: forge_each(op_ioport_read, 62, -1); break;
    case ATTACK_forge_pd_stop: forge_each(op_pd_stop, 61, -1); break;
    case ATTACK_forge_pd_restart: forge_each(op_pd_restart, 61, -1); break;
    default: break;
    }
}

void init(void)
{
    uint64_t which = control()->attack;
    control()->started = which + 1;
    attack(which);
    /* Still here: the attack neither faulted nor hung. The parent judges. */
    microkit_notifications = 1ull << 0;
    microkit_notify(0);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
