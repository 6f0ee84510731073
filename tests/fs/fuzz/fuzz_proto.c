/*
 * libFuzzer target: the request protocol. The input supplies a client's
 * request slots (64 bytes each), the producer index of its request ring and
 * the contents of its data region; the server must answer or refuse each
 * request without touching memory outside the client's two regions (the
 * regions are exact-size heap blocks, so AddressSanitizer sees any stray
 * access) and without crashing, whatever the requests say.
 */
#include "system/fs/fs_server.h"
#include "tests/fs/fuzz/fuzz_image.h"

#define CAP 16
#define DATA 8192

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    memdev_t m;
    fuzz_build_base();
    memdev_clone(&m, &fuzz_base);
    void *arena;
    char err[128];
    int rc;
    fs_t *fs = memdev_mount(&m, 128, &arena, err, sizeof err, &rc);
    size_t control_size = fs_control_bytes(CAP);
    uint8_t *control = calloc(1, control_size);
    uint8_t *region = calloc(1, DATA);
    fs_server_client_t *c = calloc(1, sizeof *c);
    if (fs && fs_server_attach(fs, c, control, control_size, CAP, region, DATA, "client", 6) == FS_OK) {
        /* Two rounds: fill the ring from the input, publish a (possibly absurd) tail, serve. */
        size_t at = 0;
        for (int round = 0; round < 2 && at < size; round++) {
            uint32_t n = data[at++] % (CAP + 4);
            for (uint32_t i = 0; i < n && at + sizeof(fs_request_t) <= size; i++) {
                memcpy(&c->q.req_slots[(c->q.req.local + i) % CAP], data + at, sizeof(fs_request_t));
                at += sizeof(fs_request_t);
            }
            size_t d = size - at < 512 ? size - at : 512;
            memcpy(region + (round * 512), data + at, d);
            at += d;
            /* Pretend to be the client: consume old completions, publish requests. */
            ddf_ring_shared_t *cmp = (ddf_ring_shared_t *)(control + ddf_ring_bytes(CAP, sizeof(fs_request_t)));
            cmp->head = cmp->tail;
            c->q.req.shared->tail = c->q.req.local + n;
            fs_server_process(fs, c, 64);
        }
    }
    if (fs) {
        fs_unmount(fs);
        free(arena);
    }
    free(c);
    free(region);
    free(control);
    memdev_free(&m);
    return 0;
}
