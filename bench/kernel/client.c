/*
 * Kernel benchmark, client (priority 100). Three measurements, each after a
 * warm-up, reported as mean, median and minimum cycles:
 *   ppcall   round trip of an empty protected call to a passive server, and
 *            of one carrying 64 words;
 *   notify   from the client's microkit_notify to the first instruction of
 *            the higher-priority waker's notified();
 *   irq      from the device write that raises COM2's interrupt to the first
 *            instruction of the higher-priority handler PD's notified().
 */
#include <stdint.h>
#include <microkit.h>

#include "tests/kernel/ktest.h"
#include "bench/kernel/kbench.h"

#define SERVER_CH 1
#define WAKER_CH 2
#define UART_IOPORT 0
#define COM2_IER 0x2f9
#define KBENCH_IRQ_WAIT_CYCLES 2000000000ull
#define COM2_IIR 0x2fa
#define COM2_LCR 0x2fb
#define COM2_MCR 0x2fc

uintptr_t stamps;

typedef struct {
    uint64_t sum, min, n;
} stat_t;

/* Every sample of the current measurement, for the median. */
static uint64_t samples[KBENCH_ROUNDS];

static void stat_add(stat_t *s, uint64_t v)
{
    if (s->n < KBENCH_ROUNDS)
        samples[s->n] = v;
    s->sum += v;
    s->n++;
    if (s->n == 1 || v < s->min)
        s->min = v;
}

/* The median of samples[0..n), by selection (reorders the samples). */
static uint64_t median(uint64_t n)
{
    if (n > KBENCH_ROUNDS)
        n = KBENCH_ROUNDS;
    if (n == 0)
        return 0;
    uint64_t k = n / 2, lo = 0, hi = n - 1;
    while (lo < hi) {
        uint64_t pivot = samples[(lo + hi) / 2], i = lo, j = hi;
        while (i <= j) {
            while (samples[i] < pivot)
                i++;
            while (samples[j] > pivot)
                j--;
            if (i <= j) {
                uint64_t t = samples[i];
                samples[i] = samples[j];
                samples[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return samples[k];
}

static void report(const char *name, const stat_t *s)
{
    ktest_puts("KBENCH ");
    ktest_puts(name);
    ktest_puts(" mean ");
    ktest_put_dec(s->n ? s->sum / s->n : 0);
    ktest_puts(" median ");
    ktest_put_dec(median(s->n));
    ktest_puts(" min ");
    ktest_put_dec(s->min);
    ktest_puts(" n ");
    ktest_put_dec(s->n);
    ktest_puts("\n");
}

static void bench_ppcall(unsigned words, const char *name)
{
    stat_t st = {0, 0, 0};
    for (unsigned i = 0; i < words; i++)
        microkit_mr_set((uint8_t)i, i);
    for (unsigned r = 0; r < KBENCH_WARMUP + KBENCH_ROUNDS; r++) {
        uint64_t t0 = ktest_rdtsc();
        (void)microkit_ppcall(SERVER_CH, microkit_msginfo_new(1, (uint16_t)words));
        uint64_t t1 = ktest_rdtsc();
        if (r >= KBENCH_WARMUP)
            stat_add(&st, t1 - t0);
    }
    report(name, &st);
}

static void bench_notify(void)
{
    kbench_stamps_t *s = (kbench_stamps_t *)stamps;
    stat_t st = {0, 0, 0};
    uint64_t lost = 0;
    for (unsigned r = 0; r < KBENCH_WARMUP + KBENCH_ROUNDS; r++) {
        uint64_t before = s->count;
        s->sent = ktest_rdtsc();
        microkit_notify(WAKER_CH);
        if (s->count != before + 1) {
            lost++;
            continue;
        }
        if (r >= KBENCH_WARMUP)
            stat_add(&st, s->received - s->sent);
    }
    report("notify-wake-higher", &st);
    ktest_check_eq("notify-woke-at-once", lost, 0);
}

static void bench_irq(void)
{
    kbench_stamps_t *s = (kbench_stamps_t *)stamps;
    stat_t st = {0, 0, 0};
    uint64_t lost = 0;
    s->count = 0;
    microkit_x86_ioport_write_8(UART_IOPORT, COM2_IER, 0);
    microkit_x86_ioport_write_8(UART_IOPORT, COM2_LCR, 0x03); /* 8 bits, no parity, one stop bit */
    microkit_x86_ioport_write_8(UART_IOPORT, COM2_MCR, 0x08); /* OUT2: the PC's interrupt enable */
    (void)microkit_x86_ioport_read_8(UART_IOPORT, COM2_IIR);
    for (unsigned r = 0; r < KBENCH_WARMUP + KBENCH_IRQ_ROUNDS; r++) {
        uint64_t before = s->count;
        microkit_x86_ioport_write_8(UART_IOPORT, COM2_IER, 0);
        s->sent = ktest_rdtsc();
        /* The transmitter is empty: enabling its interrupt raises the line. */
        microkit_x86_ioport_write_8(UART_IOPORT, COM2_IER, 0x02);
        /*
         * The handler's priority is higher, so it runs as soon as the
         * interrupt is taken; under TCG that is not at the next instruction,
         * so wait for it here (the time counts in the figure).
         */
        uint64_t waiting = ktest_rdtsc();
        while (s->count == before && ktest_rdtsc() - waiting < KBENCH_IRQ_WAIT_CYCLES)
            ;
        if (s->count != before + 1) {
            lost++;
            continue;
        }
        if (r >= KBENCH_WARMUP)
            stat_add(&st, s->received - s->sent);
    }
    microkit_x86_ioport_write_8(UART_IOPORT, COM2_IER, 0);
    report("irq-to-handler", &st);
    ktest_check_eq("every-irq-handled", lost, 0);
}

void init(void)
{
    uint64_t t0 = ktest_rdtsc();
    uint64_t empty = 0;
    for (unsigned i = 0; i < 1000; i++) {
        uint64_t a = ktest_rdtsc();
        uint64_t b = ktest_rdtsc();
        empty += b - a;
    }
    ktest_puts("KBENCH rdtsc-overhead mean ");
    ktest_put_dec(empty / 1000);
    ktest_puts("\n");
    bench_ppcall(0, "ppcall-round-trip-empty");
    bench_ppcall(64, "ppcall-round-trip-64-words");
    bench_notify();
    bench_irq();
    ktest_figure("bench-total-cycles", ktest_rdtsc() - t0);
    ktest_end();
}

void notified(microkit_channel ch)
{
    (void)ch;
}
