/*
 * I/O ports by id, as seL4's X86_IOPort invocations: the port and width must
 * lie inside the range the builder granted under that id, or the call fails
 * with an error and touches nothing. (Raw in/out in the PD is allowed by the
 * TSS I/O bitmap for exactly the same ranges; this path gives Microkit's
 * error behaviour to libmicrokit's microkit_x86_ioport_* calls.)
 */
#include "kernel/ioport.h"

#include "kernel/abi/syscall.h"
#include "kernel/arch/x86_64/cpu.h"

static bool granted(const pd_t *cur, uint64_t id, uint64_t port, uint64_t width)
{
    if (id >= IMAGE_MAX_IOPORTS || (width != 1 && width != 2 && width != 4) || port > 0xFFFF)
        return false;
    const image_ioport_t *io = &cur->desc->ioports[id];
    return io->size && port >= io->base && port + width <= (uint64_t)io->base + io->size;
}

uint64_t ioport_out(const pd_t *cur, uint64_t id, uint64_t port, uint64_t width, uint64_t value)
{
    if (!granted(cur, id, port, width))
        return SYS_ECAP;
    uint16_t p = (uint16_t)port;
    if (width == 1)
        __asm__ volatile("outb %0, %1" ::"a"((uint8_t)value), "Nd"(p));
    else if (width == 2)
        __asm__ volatile("outw %0, %1" ::"a"((uint16_t)value), "Nd"(p));
    else
        __asm__ volatile("outl %0, %1" ::"a"((uint32_t)value), "Nd"(p));
    return SYS_OK;
}

uint64_t ioport_in(const pd_t *cur, uint64_t id, uint64_t port, uint64_t width, uint64_t *value)
{
    if (!granted(cur, id, port, width))
        return SYS_ECAP;
    uint16_t p = (uint16_t)port;
    if (width == 1) {
        uint8_t v;
        __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p));
        *value = v;
    } else if (width == 2) {
        uint16_t v;
        __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p));
        *value = v;
    } else {
        uint32_t v;
        __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p));
        *value = v;
    }
    return SYS_OK;
}
