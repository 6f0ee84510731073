/*
 * net test client: answers every frame of the test's EtherType (0x88B5)
 * with a frame back to the sender carrying "<NAME> answers: " and the
 * request's payload. Built with -DNET_NAME='"A"'. With -DNET_HOSTILE it
 * first hands the virtualiser descriptors for memory it does not have and
 * lengths no frame has, which must only cost it those buffers. With
 * -DNET_SLOW it is a slow reader: it spends about 20 ms of CPU on every frame
 * (at a lower priority than everything else), so a flood aimed at it
 * overruns its buffers.
 */
#include <microkit.h>

#include "ddf/net.h"

#define VIRT_CH 0
#define CAP 64u
#define DATA_SIZE 0x40000u
#define TX_BUFS 32u
#ifndef NET_NAME
#define NET_NAME "A"
#endif

uintptr_t net_rx, net_tx, net_rx_data, net_tx_data;

static net_queue_t rx, tx;
static uint64_t answered;
static uint64_t tx_free[TX_BUFS]; /* offsets of our idle transmit buffers */
static uint32_t tx_free_count;

void init(void)
{
    (void)net_attach(&rx, (void *)net_rx, 0x2000, CAP, false, false);
    (void)net_attach(&tx, (void *)net_tx, 0x2000, CAP, true, false);
#ifdef NET_HOSTILE
    (void)net_enqueue_free(&rx, DATA_SIZE, 0);          /* past its region */
    (void)net_enqueue_free(&rx, 5, 0);                  /* misaligned */
    (void)net_enqueue_active(&tx, UINT64_MAX - 4095, 60);
    (void)net_enqueue_active(&tx, 0, NET_BUFFER_SIZE);  /* longer than any frame */
#endif
    /* Receive buffers 0..31; transmit buffers are the upper half, used round robin. */
    for (uint32_t i = 0; i < 32; i++) {
        (void)net_enqueue_free(&rx, (uint64_t)i * NET_BUFFER_SIZE, 0);
        tx_free[tx_free_count++] = (32u + i) * (uint64_t)NET_BUFFER_SIZE;
    }
    net_request_signal_active(&rx); /* wake us for frames (ddf/net.h) */
    microkit_notify(VIRT_CH);
}

static void answer(const uint8_t *in, uint16_t len)
{
    net_buff_desc_t done;
    while (net_dequeue_free(&tx, &done) == DDF_RING_OK) {
        if (done.offset >= DATA_SIZE / 2 && done.offset < DATA_SIZE && tx_free_count < TX_BUFS) {
            tx_free[tx_free_count++] = done.offset;
        }
    }
    if (tx_free_count == 0) {
        return; /* all our buffers are out: this one goes unanswered */
    }
    uint64_t off = tx_free[--tx_free_count];
    uint8_t *out = (uint8_t *)net_tx_data + off;
    for (int i = 0; i < 6; i++) {
        out[i] = in[6 + i];   /* back to the sender */
        out[6 + i] = in[i];   /* from us (the virtualiser enforces it anyway) */
    }
    out[12] = 0x88;
    out[13] = 0xB5;
    const char prefix[] = NET_NAME " answers: ";
    uint16_t n = 14;
    for (unsigned i = 0; i + 1 < sizeof(prefix); i++) {
        out[n++] = (uint8_t)prefix[i];
    }
    for (uint16_t i = 14; i < len && n < 200; i++) {
        out[n++] = in[i];
    }
    while (n < 60) {
        out[n++] = 0;
    }
    if (net_enqueue_active(&tx, off, n) == DDF_RING_OK) {
        answered++;
    }
}

static void drain(void)
{
    net_buff_desc_t d;
    while (net_dequeue_active(&rx, &d) == DDF_RING_OK) {
#ifdef NET_SLOW
        uint32_t lo, hi;
        __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        uint64_t until = ((uint64_t)hi << 32 | lo) + 40000000;
        do {
            __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
        } while (((uint64_t)hi << 32 | lo) < until);
#endif
        if (d.offset < DATA_SIZE / 2 && d.offset % NET_BUFFER_SIZE == 0) {
            const uint8_t *f = (const uint8_t *)net_rx_data + d.offset;
            if (d.len >= 14 && d.len <= NET_BUFFER_SIZE && f[12] == 0x88 && f[13] == 0xB5) {
                answer(f, d.len);
            }
            (void)net_enqueue_free(&rx, d.offset, 0);
        }
    }
}

void notified(microkit_channel ch)
{
    (void)ch;
    /* The signalling rule (ddf/net.h): sleep only after asking for a signal
     * and finding the ring still empty; notify only when asked. */
    for (;;) {
        drain();
        net_request_signal_active(&rx);
        if (ddf_ring_empty(&rx.active)) {
            break;
        }
        net_cancel_signal_active(&rx);
    }
    bool tx_asked = net_active_should_notify(&tx);
    bool rx_asked = net_free_should_notify(&rx);
    if (tx_asked || rx_asked) {
        microkit_notify(VIRT_CH);
    }
}
