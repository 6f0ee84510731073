/*
 * Two-thread stress test of the network queue's signalling rule (ddf/net.h),
 * built with ThreadSanitizer: a client thread sends a numbered sequence of
 * frames on a transmit queue with only a few buffers, a virtualiser thread
 * takes each, checks it arrives once and in order, and returns the buffer.
 * Each side sleeps on a semaphore (standing in for a notification) only after
 * requesting a signal and re-checking, and posts only when the other side
 * asked (net_*_should_notify). The client runs out of buffers all the time,
 * so both directions of the rule are exercised; a lost wake-up shows as a
 * timed-out wait and fails the test.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include "ddf/net.h"
#include "tests/ddf/ddf_test.h"
#include "tests/ddf/stress.h"

#define QS_CAPACITY 8u
#define QS_BUFFERS 4u

static _Alignas(64) uint8_t qs_region[4096];
static sem_t to_virt, to_client;
static uint32_t qs_total;
static int qs_error;
static uint64_t qs_notifications;

static uint16_t len_of(uint32_t seq)
{
    return (uint16_t)(NET_MIN_FRAME + seq % 1000u);
}

static void *client_main(void *arg)
{
    net_queue_t *q = arg;
    uint64_t idle[QS_BUFFERS];
    uint32_t idle_count = 0;
    for (uint32_t b = 0; b < QS_BUFFERS; b++) {
        idle[idle_count++] = (uint64_t)b * NET_BUFFER_SIZE;
    }
    for (uint32_t seq = 0; seq < qs_total;) {
        net_buff_desc_t d;
        while (net_dequeue_free(q, &d) == DDF_RING_OK) {
            if (idle_count == QS_BUFFERS || d.offset % NET_BUFFER_SIZE != 0) {
                __atomic_store_n(&qs_error, 1, __ATOMIC_RELAXED);
                return NULL;
            }
            idle[idle_count++] = d.offset;
        }
        if (idle_count > 0) {
            if (net_enqueue_active(q, idle[--idle_count], len_of(seq)) != DDF_RING_OK) {
                __atomic_store_n(&qs_error, 2, __ATOMIC_RELAXED);
                return NULL;
            }
            seq++;
            if (net_active_should_notify(q)) {
                __atomic_fetch_add(&qs_notifications, 1, __ATOMIC_RELAXED);
                sem_post(&to_virt);
            }
            continue;
        }
        /* Out of buffers: ask, re-check, and only then sleep. */
        net_request_signal_free(q);
        if (!ddf_ring_empty(&q->free)) {
            net_cancel_signal_free(q);
            continue;
        }
        if (!wait_notified(&to_client)) {
            __atomic_store_n(&qs_error, 3, __ATOMIC_RELAXED);
            return NULL;
        }
    }
    return NULL;
}

static void *virt_main(void *arg)
{
    net_queue_t *q = arg;
    for (uint32_t expect = 0; expect < qs_total;) {
        net_buff_desc_t d;
        ddf_ring_err_t err = net_dequeue_active(q, &d);
        if (err == DDF_RING_OK) {
            if (d.len != len_of(expect) || d.offset % NET_BUFFER_SIZE != 0 ||
                d.offset >= (uint64_t)QS_BUFFERS * NET_BUFFER_SIZE) {
                __atomic_store_n(&qs_error, 4, __ATOMIC_RELAXED);
                return NULL;
            }
            expect++;
            if (net_enqueue_free(q, d.offset, 0) != DDF_RING_OK) {
                __atomic_store_n(&qs_error, 5, __ATOMIC_RELAXED);
                return NULL;
            }
            if (net_free_should_notify(q)) {
                sem_post(&to_client);
            }
            continue;
        }
        if (err != DDF_RING_EMPTY) {
            __atomic_store_n(&qs_error, 6, __ATOMIC_RELAXED);
            return NULL;
        }
        net_request_signal_active(q);
        if (!ddf_ring_empty(&q->active)) {
            net_cancel_signal_active(q);
            continue;
        }
        if (!wait_notified(&to_virt)) {
            __atomic_store_n(&qs_error, 7, __ATOMIC_RELAXED);
            return NULL;
        }
    }
    return NULL;
}

static void net_queue_two_thread_stress(void)
{
    net_queue_t virt, client;
    CHECK(net_attach(&virt, qs_region, sizeof qs_region, QS_CAPACITY, false, true) == DDF_RING_OK);
    CHECK(net_attach(&client, qs_region, sizeof qs_region, QS_CAPACITY, true, false) == DDF_RING_OK);
    sem_init(&to_virt, 0, 0);
    sem_init(&to_client, 0, 0);
    pthread_t vt, ct;
    pthread_create(&vt, NULL, virt_main, &virt);
    pthread_create(&ct, NULL, client_main, &client);
    pthread_join(ct, NULL);
    pthread_join(vt, NULL);
    CHECK(qs_error == 0);
    CHECK(virt.active.local == qs_total);
    /* The rule saves notifications: far fewer than one per frame. */
    CHECK(qs_notifications < qs_total);
    sem_destroy(&to_virt);
    sem_destroy(&to_client);
}

int main(int argc, char **argv)
{
    qs_total = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 200000;
    RUN("net/queue-two-thread-stress-tsan", net_queue_two_thread_stress);
    return ddf_test_failures ? 1 : 0;
}
