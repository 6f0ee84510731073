/*
 * Two-thread stress test of the ring and its signalling rule, built with
 * ThreadSanitizer. A producer thread pushes a numbered sequence of block
 * requests; the consumer checks every one arrives once, in order, with its
 * payload intact. Both sides sleep on a semaphore (standing in for a
 * notification) only as the signalling rule allows; a lost wake-up shows as
 * a timed-out wait and fails the test.
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

#include "ddf/blk.h"
#include "tests/ddf/ddf_test.h"
#include "tests/ddf/stress.h"

#define STRESS_CAPACITY 16u

static _Alignas(64) uint8_t stress_region[8192];
static sem_t to_consumer, to_producer;
static uint32_t total;
static int stress_error; /* first failure, written by either thread before it stops */

static void *producer_main(void *arg)
{
    blk_queue_t *q = arg;
    for (uint32_t i = 0; i < total;) {
        blk_req_t r = {.code = BLK_REQ_WRITE, .id = i, .block = (uint64_t)i * 3, .offset = ~(uint64_t)i, .count = i};
        ddf_ring_err_t err = blk_req_enqueue(q, &r);
        if (err == DDF_RING_OK) {
            i++;
            if ((i & 7) == 0 || i == total) {
                if (blk_req_should_notify(q)) {
                    sem_post(&to_consumer);
                }
            }
            continue;
        }
        if (err != DDF_RING_FULL) {
            __atomic_store_n(&stress_error, 1, __ATOMIC_RELAXED);
            break;
        }
        /* Full: flush the notification owed for what we already published, then wait for space. */
        if (blk_req_should_notify(q)) {
            sem_post(&to_consumer);
        }
        ddf_ring_request_space_signal(&q->req);
        if (!ddf_ring_full(&q->req)) {
            ddf_ring_cancel_space_signal(&q->req);
            continue;
        }
        if (!wait_notified(&to_producer)) {
            __atomic_store_n(&stress_error, 2, __ATOMIC_RELAXED);
            break;
        }
    }
    return NULL;
}

static void *consumer_main(void *arg)
{
    blk_queue_t *q = arg;
    uint32_t expect = 0;
    while (expect < total) {
        blk_req_t r;
        ddf_ring_err_t err = blk_req_dequeue(q, &r);
        if (err == DDF_RING_OK) {
            if (r.id != expect || r.block != (uint64_t)expect * 3 || r.offset != ~(uint64_t)expect ||
                r.count != expect) {
                __atomic_store_n(&stress_error, 3, __ATOMIC_RELAXED);
                break;
            }
            expect++;
            if (ddf_ring_should_notify_space(&q->req)) {
                sem_post(&to_producer);
            }
            continue;
        }
        if (err != DDF_RING_EMPTY) {
            __atomic_store_n(&stress_error, 4, __ATOMIC_RELAXED);
            break;
        }
        ddf_ring_request_signal(&q->req);
        if (!ddf_ring_empty(&q->req)) {
            ddf_ring_cancel_signal(&q->req);
            continue;
        }
        if (!wait_notified(&to_consumer)) {
            __atomic_store_n(&stress_error, 5, __ATOMIC_RELAXED);
            break;
        }
    }
    return NULL;
}

static void ring_two_thread_stress(void)
{
    blk_queue_t server, client;
    CHECK(blk_attach(&server, stress_region, sizeof(stress_region), STRESS_CAPACITY, false, true) == DDF_RING_OK);
    CHECK(blk_attach(&client, stress_region, sizeof(stress_region), STRESS_CAPACITY, true, false) == DDF_RING_OK);
    sem_init(&to_consumer, 0, 0);
    sem_init(&to_producer, 0, 0);
    pthread_t pt, ct;
    pthread_create(&ct, NULL, consumer_main, &server);
    pthread_create(&pt, NULL, producer_main, &client);
    pthread_join(pt, NULL);
    pthread_join(ct, NULL);
    CHECK(stress_error == 0);
    CHECK(server.req.local == total);
    sem_destroy(&to_consumer);
    sem_destroy(&to_producer);
}

int main(int argc, char **argv)
{
    total = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 200000;
    RUN("ring/two-thread-stress-tsan", ring_two_thread_stress);
    return ddf_test_failures ? 1 : 0;
}
