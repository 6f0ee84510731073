/*
 * A simulated VirtIO 1.x PCI device for host tests, on the simulated PCI bus.
 *
 * BAR 4 (16 KiB) holds the common configuration at 0, the ISR at 0x1000, the
 * device configuration at 0x2000 and the notify area at 0x3000 (multiplier 4).
 * "Physical" addresses are host pointers. The device side of each split
 * queue is processed synchronously when the driver notifies, or when the test
 * calls virtio_sim_process(); a handler per device type serves each chain.
 */
#ifndef SUBSTRATE_TESTS_DDF_VIRTIO_SIM_H
#define SUBSTRATE_TESTS_DDF_VIRTIO_SIM_H

#include "ddf/virtio/virtio_pci.h"
#include "tests/ddf/pci_sim.h"

#define VSIM_QUEUES 2
#define VSIM_MAX_CHAIN 64 /* a looping chain stops here */

typedef struct virtio_sim virtio_sim_t;

typedef struct {
    uint8_t *addr;
    uint32_t len;
    bool writable;
} vsim_buf_t;

/* Serves one chain; returns the bytes written, or -1 to leave it pending. */
typedef int (*vsim_handler_t)(virtio_sim_t *s, unsigned queue, vsim_buf_t *bufs, unsigned n);

struct virtio_sim {
    pci_sim_fn_t *fn;
    uint64_t features;          /* offered */
    uint64_t driver_features;
    uint32_t dfselect, gfselect;
    uint8_t status;
    uint8_t config_generation;
    uint16_t qselect;
    struct {
        uint16_t max, size, enable;
        uint64_t desc, avail, used;
        uint16_t last_avail;
        uint16_t notify_off;
    } q[VSIM_QUEUES];
    uint8_t devcfg[256];
    unsigned notifies[VSIM_QUEUES];
    vsim_handler_t handler;
    bool auto_process;           /* serve chains on notify */
    bool corrupt_used;           /* write a bogus id into the used ring */
    uint16_t queue_max;          /* each queue's maximum size after a reset; 0: 128 */
    void *user;
};

static inline uint64_t vsim_get(const uint8_t *p, unsigned w) { uint64_t v = 0; memcpy(&v, p, w); return v; }

static inline uint32_t vsim_read(void *ctx, uint8_t bar, uint64_t off, unsigned width)
{
    virtio_sim_t *s = ctx;
    if (bar != 4) {
        return 0xFFFFFFFFu;
    }
    if (off >= 0x2000 && off < 0x2100) {
        return (uint32_t)vsim_get(s->devcfg + (off - 0x2000), width);
    }
    if (off == 0x1000) {
        return 1;
    }
    uint16_t q = s->qselect < VSIM_QUEUES ? s->qselect : 0;
    bool valid = s->qselect < VSIM_QUEUES;
    switch (off) {
    case VIRTIO_COMMON_DF: return s->dfselect == 0 ? (uint32_t)s->features : s->dfselect == 1 ? (uint32_t)(s->features >> 32) : 0;
    case VIRTIO_COMMON_NUMQ: return VSIM_QUEUES;
    case VIRTIO_COMMON_STATUS: return s->status;
    case VIRTIO_COMMON_CFGGEN: return s->config_generation;
    case VIRTIO_COMMON_Q_SIZE: return valid ? s->q[q].max : 0;
    case VIRTIO_COMMON_Q_NOFF: return valid ? s->q[q].notify_off : 0;
    case VIRTIO_COMMON_Q_ENABLE: return valid ? s->q[q].enable : 0;
    default: return 0;
    }
}

static inline void vsim_put_used(virtio_sim_t *s, unsigned q, uint16_t head, uint32_t len)
{
    uint8_t *used = (uint8_t *)(uintptr_t)s->q[q].used;
    uint16_t idx = (uint16_t)vsim_get(used + 2, 2);
    uint32_t id = s->corrupt_used ? 0x7777u : head;
    memcpy(used + 4 + 8u * (idx % s->q[q].size), &id, 4);
    memcpy(used + 4 + 8u * (idx % s->q[q].size) + 4, &len, 4);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    idx++;
    memcpy(used + 2, &idx, 2);
}

/* Serves every chain the driver made available on queue q (stops at one the handler defers). */
static inline void virtio_sim_process(virtio_sim_t *s, unsigned q)
{
    if (!s->q[q].enable) {
        return;
    }
    const uint8_t *avail = (const uint8_t *)(uintptr_t)s->q[q].avail;
    const virtq_desc_t *desc = (const virtq_desc_t *)(uintptr_t)s->q[q].desc;
    uint16_t idx = (uint16_t)vsim_get(avail + 2, 2);
    while (s->q[q].last_avail != idx) {
        uint16_t head = (uint16_t)vsim_get(avail + 4 + 2u * (s->q[q].last_avail % s->q[q].size), 2);
        vsim_buf_t bufs[VSIM_MAX_CHAIN];
        unsigned n = 0;
        uint16_t d = head;
        for (;;) {
            bufs[n].addr = (uint8_t *)(uintptr_t)desc[d].addr;
            bufs[n].len = desc[d].len;
            bufs[n].writable = (desc[d].flags & VIRTQ_DESC_F_WRITE) != 0;
            n++;
            if (!(desc[d].flags & VIRTQ_DESC_F_NEXT) || n == VSIM_MAX_CHAIN) {
                break;
            }
            d = desc[d].next;
        }
        int written = s->handler(s, q, bufs, n);
        if (written < 0) {
            return;
        }
        s->q[q].last_avail++;
        vsim_put_used(s, q, head, (uint32_t)written);
    }
}

static inline void vsim_write(void *ctx, uint8_t bar, uint64_t off, unsigned width, uint32_t v)
{
    virtio_sim_t *s = ctx;
    (void)width;
    if (bar != 4) {
        return;
    }
    if (off >= 0x3000 && off < 0x3000 + 4 * VSIM_QUEUES) {
        unsigned q = v < VSIM_QUEUES ? v : 0;
        s->notifies[q]++;
        if (s->auto_process) {
            virtio_sim_process(s, q);
        }
        return;
    }
    uint16_t q = s->qselect < VSIM_QUEUES ? s->qselect : 0;
    switch (off) {
    case VIRTIO_COMMON_DFSELECT: s->dfselect = v; break;
    case VIRTIO_COMMON_GFSELECT: s->gfselect = v; break;
    case VIRTIO_COMMON_GF:
        if (s->gfselect < 2) {
            uint64_t mask = 0xFFFFFFFFull << (32 * s->gfselect);
            s->driver_features = (s->driver_features & ~mask) | ((uint64_t)v << (32 * s->gfselect));
        }
        break;
    case VIRTIO_COMMON_STATUS:
        if (v == 0) {
            memset(s->q, 0, sizeof(s->q));
            for (unsigned i = 0; i < VSIM_QUEUES; i++) {
                s->q[i].max = s->queue_max != 0 ? s->queue_max : 128;
                s->q[i].notify_off = (uint16_t)i;
            }
            s->driver_features = 0;
        }
        /* Refuse features we did not offer. */
        if ((v & VIRTIO_STATUS_FEATURES_OK) && (s->driver_features & ~s->features)) {
            v &= ~VIRTIO_STATUS_FEATURES_OK;
        }
        s->status = (uint8_t)v;
        break;
    case VIRTIO_COMMON_Q_SELECT: s->qselect = (uint16_t)v; break;
    case VIRTIO_COMMON_Q_SIZE: s->q[q].size = (uint16_t)v; break;
    case VIRTIO_COMMON_Q_ENABLE: s->q[q].enable = (uint16_t)v; break;
    case VIRTIO_COMMON_Q_DESC: s->q[q].desc = (s->q[q].desc & ~0xFFFFFFFFull) | v; break;
    case VIRTIO_COMMON_Q_DESC + 4: s->q[q].desc = (s->q[q].desc & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VIRTIO_COMMON_Q_AVAIL: s->q[q].avail = (s->q[q].avail & ~0xFFFFFFFFull) | v; break;
    case VIRTIO_COMMON_Q_AVAIL + 4: s->q[q].avail = (s->q[q].avail & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    case VIRTIO_COMMON_Q_USED: s->q[q].used = (s->q[q].used & ~0xFFFFFFFFull) | v; break;
    case VIRTIO_COMMON_Q_USED + 4: s->q[q].used = (s->q[q].used & 0xFFFFFFFFull) | (uint64_t)v << 32; break;
    default: break;
    }
}

/* Adds the device to the bus at `bdf` with the four vendor capabilities. */
static inline void virtio_sim_attach(virtio_sim_t *s, pci_sim_t *bus, pci_bdf_t bdf, uint16_t device_id,
                                     uint64_t features, vsim_handler_t handler)
{
    memset(s, 0, sizeof(*s));
    s->fn = pci_sim_add(bus, bdf, VIRTIO_VENDOR, device_id);
    pci_sim_mem_bar(s->fn, 4, 0xFE000000ull, 0x4000, true);
    s->features = features | VIRTIO_F_VERSION_1;
    s->handler = handler;
    s->auto_process = true;
    const struct { uint8_t type; uint32_t off, len; } caps[] = {
        {VIRTIO_CAP_COMMON, 0, 0x38}, {VIRTIO_CAP_ISR, 0x1000, 4}, {VIRTIO_CAP_DEVICE, 0x2000, 0x100},
        {VIRTIO_CAP_NOTIFY, 0x3000, 0x1000}};
    for (unsigned i = 0; i < 4; i++) {
        uint8_t body[20] = {0};
        body[2] = caps[i].type == VIRTIO_CAP_NOTIFY ? 20 : 16;
        body[3] = caps[i].type;
        body[4] = 4;
        memcpy(body + 8, &caps[i].off, 4);
        memcpy(body + 12, &caps[i].len, 4);
        uint32_t mult = 4;
        memcpy(body + 16, &mult, 4);
        pci_sim_cap(s->fn, PCI_CAP_VENDOR, body, body[2]);
    }
    vsim_write(s, 4, VIRTIO_COMMON_STATUS, 1, 0);
}

#endif
