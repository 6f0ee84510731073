/*
 * COM1 output, polled. The kernel and every PD's microkit_dbg_* share it, so
 * a character is written whole and in order; nothing here allocates or waits
 * for input. Output is kept short because under TCG each port write is slow.
 */
#include "kernel/console.h"

#include "kernel/arch/x86_64/cpu.h"
#include "kernel/pd.h"
#include "lib/text/text.h"

#define COM1 0x3F8

void console_init(void)
{
    cpu_outb(COM1 + 1, 0x00); /* no interrupts */
    cpu_outb(COM1 + 3, 0x80); /* divisor latch */
    cpu_outb(COM1 + 0, 0x01); /* 115200 baud */
    cpu_outb(COM1 + 1, 0x00);
    cpu_outb(COM1 + 3, 0x03); /* 8N1 */
    cpu_outb(COM1 + 2, 0xC7); /* FIFO on */
}

void console_putc(char c)
{
    for (int i = 0; i < 100000 && !(cpu_inb(COM1 + 5) & 0x20); i++)
        ;
    cpu_outb(COM1, (uint8_t)c);
}

void console_puts(const char *s)
{
    while (*s) {
        if (*s == '\n')
            console_putc('\r');
        console_putc(*s++);
    }
}

void console_hex(uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    console_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        console_putc(digits[(v >> shift) & 0xF]);
}

void console_dec(uint64_t v)
{
    char buf[TEXT_DECIMAL_SIZE];
    console_puts(text_decimal(buf, v));
}

_Noreturn void kernel_panic(const char *why)
{
    console_puts("substrate: kernel panic: ");
    console_puts(why);
    console_puts("\n");
    cpu_halt_forever();
}

void console_pd_flush(pd_t *pd)
{
    for (uint32_t i = 0; i < pd->console_line_len; i++)
        console_putc(pd->console_line[i]);
    pd->console_line_len = 0;
}

void console_pd_putc(pd_t *pd, char c)
{
    pd->console_line[pd->console_line_len++] = c;
    if (c == '\n' || pd->console_line_len == PD_CONSOLE_LINE)
        console_pd_flush(pd);
}
