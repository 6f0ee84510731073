/*
 * The kernel's serial console (COM1), shared with microkit_dbg_*.
 */
#ifndef SUBSTRATE_KERNEL_CONSOLE_H
#define SUBSTRATE_KERNEL_CONSOLE_H

#include <stdint.h>

void console_init(void);
void console_putc(char c);

struct pd;
/* A PD's debug character: buffered until its line ends (see pd_t). */
void console_pd_putc(struct pd *pd, char c);
/* Writes out what a PD has buffered, e.g. before it waits or after it faults. */
void console_pd_flush(struct pd *pd);
void console_puts(const char *s);
void console_hex(uint64_t v);
void console_dec(uint64_t v);
/* Prints the message and stops the machine. */
_Noreturn void kernel_panic(const char *why);

#endif
