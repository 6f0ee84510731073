/*
 * libFuzzer target: the virtqueue's used ring, written by a hostile device.
 * The input alternates between adding chains and overwriting the used ring
 * (index and entries); every completion accepted must be a chain that was
 * outstanding, returned once, with a length it could hold, and the free
 * count must always add up.
 */
#include <stdlib.h>
#include <string.h>

#include "ddf/virtio/virtqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QSIZE 8

static _Alignas(4096) uint8_t mem[4096];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static virtq_t vq;
    bool outstanding[64] = {false};
    uint32_t writable[64] = {0};
    unsigned in_flight_descs = 0;
    uint64_t next_cookie = 0;
    if (size < 1 || virtq_init(&vq, mem, (uint64_t)(uintptr_t)mem, sizeof(mem), QSIZE, data[0] & 1) != VIRTQ_OK) {
        return 0;
    }
    data++;
    size--;
    while (size >= 2) {
        uint8_t op = data[0], arg = data[1];
        data += 2;
        size -= 2;
        if (op < 0x40) { /* add a chain of 1..3 buffers */
            unsigned n = 1 + arg % 3;
            virtq_buf_t b[3];
            uint32_t w = 0;
            for (unsigned i = 0; i < n; i++) {
                b[i] = (virtq_buf_t){.addr = 0x1000 * (i + 1), .len = 16u * (arg + i), .writable = (arg >> i) & 1};
                w += b[i].writable ? b[i].len : 0;
            }
            if (virtq_add(&vq, b, n, next_cookie % 64) == VIRTQ_OK) {
                if (outstanding[next_cookie % 64]) {
                    break; /* cookie space exhausted; stop this run */
                }
                outstanding[next_cookie % 64] = true;
                writable[next_cookie % 64] = w;
                in_flight_descs += n;
                next_cookie++;
            }
            virtq_publish(&vq);
        } else if (op < 0x80 && size >= 8) { /* device writes a used entry */
            volatile virtq_used_elem_t *e = &vq.used->ring[arg % QSIZE];
            uint32_t id, len;
            memcpy(&id, data, 4);
            memcpy(&len, data + 4, 4);
            e->id = id % 16;
            e->len = len % 256;
            data += 8;
            size -= 8;
        } else if (op < 0xC0) { /* device moves the used index */
            vq.used->idx = (uint16_t)(vq.used->idx + (int8_t)arg);
        } else { /* driver takes completions */
            uint64_t cookie;
            uint32_t len;
            while (virtq_get_used(&vq, &cookie, &len) == VIRTQ_OK) {
                if (cookie >= 64 || !outstanding[cookie] || len > writable[cookie]) {
                    abort();
                }
                outstanding[cookie] = false;
            }
        }
        unsigned held = 0;
        for (unsigned i = 0; i < QSIZE; i++) {
            held += vq.chain_len[i];
        }
        if (virtq_free_count(&vq) + held != QSIZE) {
            abort();
        }
    }
    (void)in_flight_descs;
    return 0;
}
