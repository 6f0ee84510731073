/*
 * VirtIO: the split virtqueue against a simulated device side (chains,
 * completions out of order, hostile used rings, notification suppression in
 * both modes), the modern PCI transport (capabilities, feature negotiation)
 * and the virtio-blk driver end to end on a simulated RAM disk.
 */
#include <stdlib.h>

#include "system/drivers/virtio_blk.h"
#include "tests/ddf/ddf_test.h"
#include "tests/ddf/virtio_sim.h"

static _Alignas(4096) uint8_t vq_mem[16384];
static virtq_t vq;
static virtio_sim_t sim;
static pci_sim_t bus;

static uint64_t pa(const void *p) { return (uint64_t)(uintptr_t)p; }

/* Attach the simulated device side directly to `vq` as queue 0. */
static void sim_bind(uint16_t size, vsim_handler_t h)
{
    memset(&sim, 0, sizeof(sim));
    sim.handler = h;
    sim.q[0].size = size;
    sim.q[0].enable = 1;
    sim.q[0].desc = vq.desc_paddr;
    sim.q[0].avail = vq.avail_paddr;
    sim.q[0].used = vq.used_paddr;
}

static int deferred; /* chains the echo handler leaves pending */
static int echo_handler(virtio_sim_t *s, unsigned q, vsim_buf_t *b, unsigned n)
{
    (void)s;
    (void)q;
    if (deferred > 0) {
        deferred--;
        return -1;
    }
    int written = 0;
    for (unsigned i = 0; i < n; i++) {
        if (b[i].writable) {
            memset(b[i].addr, 0x5A, b[i].len);
            written += (int)b[i].len;
        }
    }
    return written;
}

static void virtq_chains_complete_with_cookies(void)
{
    CHECK(virtq_init(&vq, vq_mem, pa(vq_mem), sizeof(vq_mem), 16, false) == VIRTQ_OK);
    sim_bind(16, echo_handler);
    static uint8_t bufs[8][64];
    for (uint64_t i = 0; i < 5; i++) {
        virtq_buf_t chain[3] = {{pa(bufs[i]), 16, false}, {pa(bufs[i] + 16), 32, true}, {pa(bufs[i] + 48), 1, true}};
        CHECK(virtq_add(&vq, chain, 3, 100 + i) == VIRTQ_OK);
    }
    CHECK(virtq_free_count(&vq) == 1);
    virtq_buf_t two[2] = {{pa(bufs[6]), 1, true}, {pa(bufs[6]), 1, true}};
    CHECK(virtq_add(&vq, two, 2, 0) == VIRTQ_FULL);
    uint64_t cookie;
    uint32_t len;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_EMPTY);
    CHECK(virtq_publish(&vq));
    virtio_sim_process(&sim, 0);
    for (uint64_t i = 0; i < 5; i++) {
        CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_OK && cookie == 100 + i && len == 33);
    }
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_EMPTY);
    CHECK(virtq_free_count(&vq) == 16);
    CHECK(bufs[0][16] == 0x5A && bufs[0][0] == 0);
    /* Many rounds: descriptors recycle and indices wrap past 2^16. */
    for (int round = 0; round < 70000 / 16; round++) {
        for (int i = 0; i < 16; i++) {
            virtq_buf_t one = {pa(bufs[7]), 8, true};
            CHECK(virtq_add(&vq, &one, 1, (uint64_t)i) == VIRTQ_OK);
        }
        virtq_publish(&vq);
        virtio_sim_process(&sim, 0);
        for (int i = 0; i < 16; i++) {
            CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_OK && cookie == (uint64_t)i);
        }
    }
    CHECK(virtq_free_count(&vq) == 16);
}

static void virtq_rejects_hostile_used_ring(void)
{
    uint64_t cookie;
    uint32_t len;
    static uint8_t buf[64];
    virtq_buf_t one = {pa(buf), 8, true};
    volatile virtq_used_t *used;

    CHECK(virtq_init(&vq, vq_mem, pa(vq_mem), sizeof(vq_mem), 8, false) == VIRTQ_OK);
    used = vq.used;
    CHECK(virtq_add(&vq, &one, 1, 1) == VIRTQ_OK);
    virtq_publish(&vq);
    /* Used index runs ahead of what was published. */
    used->ring[0].id = 0;
    used->ring[0].len = 8;
    used->idx = 2;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_DEVICE_ERROR);
    /* An id out of range, and an id that is not an outstanding head. */
    used->idx = 1;
    used->ring[0].id = 9;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_DEVICE_ERROR);
    used->ring[0].id = 3;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_DEVICE_ERROR);
    /* Claims to have written more than the chain could take. */
    used->ring[0].id = 0;
    used->ring[0].len = 9;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_DEVICE_ERROR);
    /* Nothing was disturbed: the honest answer still works, once. */
    used->ring[0].len = 8;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_OK && cookie == 1);
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_EMPTY);
    used->idx = 2; /* the same head again: a duplicate completion */
    used->ring[1].id = 0;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_DEVICE_ERROR);
    CHECK(virtq_free_count(&vq) == 8);
}

static void virtq_notification_suppression(void)
{
    static uint8_t buf[64];
    virtq_buf_t one = {pa(buf), 8, true};
    /* Flags mode. */
    CHECK(virtq_init(&vq, vq_mem, pa(vq_mem), sizeof(vq_mem), 8, false) == VIRTQ_OK);
    CHECK(virtq_add(&vq, &one, 1, 1) == VIRTQ_OK);
    CHECK(virtq_publish(&vq));
    vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
    CHECK(virtq_add(&vq, &one, 1, 2) == VIRTQ_OK);
    CHECK(!virtq_publish(&vq));
    CHECK(!virtq_publish(&vq)); /* nothing new: never notify */
    virtq_disable_irq(&vq);
    CHECK(vq.avail->flags == VIRTQ_AVAIL_F_NO_INTERRUPT);
    CHECK(!virtq_enable_irq(&vq) && vq.avail->flags == 0);
    vq.used->idx = 1; /* a completion slipped in before we re-armed */
    vq.used->ring[0].id = 0;
    CHECK(virtq_enable_irq(&vq));
    /* Event-index mode: notify exactly when the device's avail_event is crossed. */
    CHECK(virtq_init(&vq, vq_mem, pa(vq_mem), sizeof(vq_mem), 8, true) == VIRTQ_OK);
    volatile uint16_t *avail_event = (volatile uint16_t *)&vq.used->ring[8];
    *avail_event = 0;
    CHECK(virtq_add(&vq, &one, 1, 1) == VIRTQ_OK);
    CHECK(virtq_publish(&vq));   /* idx 0 -> 1 crosses event 0 */
    CHECK(virtq_add(&vq, &one, 1, 2) == VIRTQ_OK);
    CHECK(!virtq_publish(&vq));  /* 1 -> 2 does not cross 0 */
    *avail_event = 3;
    CHECK(virtq_add(&vq, &one, 1, 3) == VIRTQ_OK);
    CHECK(!virtq_publish(&vq));  /* 2 -> 3 does not reach 3 (the device wants idx 4) */
    CHECK(virtq_add(&vq, &one, 1, 4) == VIRTQ_OK);
    CHECK(virtq_add(&vq, &one, 1, 5) == VIRTQ_OK);
    CHECK(virtq_publish(&vq));   /* 3 -> 5 crosses 3 */
    volatile uint16_t *used_event = &vq.avail->ring[8];
    vq.used->ring[0] = (virtq_used_elem_t){0, 8};
    vq.used->idx = 1;
    uint64_t cookie;
    uint32_t len;
    CHECK(virtq_get_used(&vq, &cookie, &len) == VIRTQ_OK && *used_event == 1);
}

/* --- virtio-blk on a simulated RAM disk ----------------------------------- */

#define DISK_SECTORS 4096u /* 2 MiB */
static uint8_t *ram_disk;
static int blk_defer;

static int blk_handler(virtio_sim_t *s, unsigned q, vsim_buf_t *b, unsigned n)
{
    (void)s;
    (void)q;
    if (blk_defer > 0) {
        blk_defer--;
        return -1;
    }
    uint32_t type;
    uint64_t sector;
    memcpy(&type, b[0].addr, 4);
    memcpy(&sector, b[0].addr + 8, 8);
    uint8_t *status = b[n - 1].addr;
    if (type == VIRTIO_BLK_T_FLUSH) {
        *status = 0;
        return 1;
    }
    if (n != 3 || sector * 512 + b[1].len > DISK_SECTORS * 512ull) {
        *status = 1;
        return 1;
    }
    if (type == VIRTIO_BLK_T_IN) {
        memcpy(b[1].addr, ram_disk + sector * 512, b[1].len);
        *status = 0;
        return (int)b[1].len + 1;
    }
    memcpy(ram_disk + sector * 512, b[1].addr, b[1].len);
    *status = 0;
    return 1;
}

static pci_port_ops_t ports = {pci_sim_in32, pci_sim_out32, &bus};
static pci_cfg_t cfg;
static virtio_mmio_t mmio = {vsim_read, vsim_write, &sim};
static pci_dev_t pdev;
static virtio_blk_t vb;
static _Alignas(64) uint8_t blk_region[8192];
static _Alignas(4096) uint8_t meta[VIRTIO_BLK_META_BYTES];
static _Alignas(4096) uint8_t blk_data[64 * 4096];
static blk_queue_t client;

static void blk_setup(uint64_t features)
{
    memset(&bus, 0, sizeof(bus));
    pci_cfg_ports(&cfg, &ports);
    virtio_sim_attach(&sim, &bus, (pci_bdf_t){0, 4, 0}, VIRTIO_DEV_BLK_TRANSITIONAL, features, blk_handler);
    uint64_t sectors = DISK_SECTORS;
    memcpy(sim.devcfg, &sectors, 8);
    free(ram_disk);
    ram_disk = calloc(DISK_SECTORS, 512);
    CHECK(pci_find(&cfg, VIRTIO_VENDOR, VIRTIO_DEV_BLK_TRANSITIONAL, 0, &pdev) == PCI_OK);
    CHECK(blk_attach(&client, blk_region, sizeof(blk_region), 32, true, true) == DDF_RING_OK);
    virtio_blk_cfg_t c = {.pci = &pdev, .mmio = &mmio, .vq_mem = vq_mem, .vq_paddr = pa(vq_mem),
                          .vq_size = sizeof(vq_mem), .meta = meta, .meta_paddr = pa(meta),
                          .region = blk_region, .region_size = sizeof(blk_region), .capacity = 32,
                          .data = blk_data, .data_paddr = pa(blk_data), .data_size = sizeof(blk_data),
                          .queue_size = 64, .msix_vector = 0xFFFF};
    CHECK(virtio_blk_init(&vb, &c) == VIRTIO_BLK_OK);
}

static void virtio_negotiates_and_reads_config(void)
{
    blk_setup(VIRTIO_BLK_F_FLUSH | VIRTIO_F_EVENT_IDX | (1ull << 6) /* not wanted */);
    CHECK(sim.status == (VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
                         VIRTIO_STATUS_DRIVER_OK));
    CHECK(sim.driver_features == (VIRTIO_F_VERSION_1 | VIRTIO_BLK_F_FLUSH | VIRTIO_F_EVENT_IDX));
    CHECK(client.info->ready == 1 && client.info->capacity == DISK_SECTORS / 8 && client.info->generation == 1);
    CHECK(sim.q[0].enable && sim.q[0].size == 64 && sim.q[0].desc == vq.desc_paddr);
    /* A device without VERSION_1 (legacy only) is refused and marked FAILED. */
    virtio_dev_t d;
    CHECK(virtio_pci_probe(&pdev, &mmio, &d) == VIRTIO_OK);
    sim.features = VIRTIO_BLK_F_FLUSH;
    CHECK(virtio_negotiate(&d, VIRTIO_BLK_F_FLUSH) == VIRTIO_FEATURES);
    CHECK(sim.status & VIRTIO_STATUS_FAILED);
    /* Capabilities outside their BAR are refused. */
    uint8_t cap = pci_find_cap(&pdev, PCI_CAP_VENDOR, 0);
    uint32_t huge = 0x10000;
    memcpy(sim.fn->cfg + cap + 12, &huge, 4);
    CHECK(virtio_pci_probe(&pdev, &mmio, &d) == VIRTIO_NOT_VIRTIO);
}

static void blk_submit(uint32_t code, uint32_t id, uint64_t offset, uint64_t block, uint32_t count)
{
    blk_req_t r = {.code = code, .id = id, .offset = offset, .block = block, .count = count};
    CHECK(blk_req_enqueue(&client, &r) == DDF_RING_OK);
}

static void virtio_blk_reads_writes_flushes_many_outstanding(void)
{
    blk_setup(VIRTIO_BLK_F_FLUSH);
    sim.auto_process = false; /* the device sits on requests, so many are outstanding */
    for (uint32_t i = 0; i < 16; i++) {
        memset(blk_data + i * 4096, (int)(i + 1), 4096);
        blk_submit(BLK_REQ_WRITE, i, i * 4096ull, 2 * i, 1);
    }
    blk_submit(BLK_REQ_FLUSH, 99, 0, 0, 0);
    virtio_blk_poll(&vb);
    CHECK(vb.inflight == 17 && sim.notifies[0] >= 1);
    virtio_sim_process(&sim, 0);
    virtio_blk_poll(&vb);
    blk_resp_t resp;
    for (uint32_t i = 0; i < 17; i++) {
        CHECK(blk_resp_dequeue(&client, &resp) == DDF_RING_OK && resp.status == BLK_RESP_OK);
        CHECK(resp.id == (i < 16 ? i : 99));
    }
    for (uint32_t i = 0; i < 16; i++) {
        CHECK(ram_disk[2 * i * 4096] == i + 1 && ram_disk[2 * i * 4096 + 4095] == i + 1);
    }
    /* Read back in one 8-block request. */
    memset(blk_data, 0, sizeof(blk_data));
    blk_submit(BLK_REQ_READ, 7, 8 * 4096, 0, 8);
    virtio_blk_poll(&vb);
    virtio_sim_process(&sim, 0);
    virtio_blk_poll(&vb);
    CHECK(blk_resp_dequeue(&client, &resp) == DDF_RING_OK && resp.id == 7 && resp.count == 8);
    CHECK(blk_data[8 * 4096] == 1 && blk_data[10 * 4096] == 2 && blk_data[9 * 4096] == 0);
}

static void virtio_blk_refuses_bad_requests(void)
{
    blk_setup(0);
    unsigned before = sim.notifies[0];
    blk_submit(BLK_REQ_READ, 1, 0, DISK_SECTORS / 8, 1);            /* past the disk */
    blk_submit(BLK_REQ_READ, 2, 0, UINT64_MAX, 2);                  /* wraps */
    blk_submit(BLK_REQ_WRITE, 3, sizeof(blk_data) - 4096, 0, 2);    /* past the data region */
    blk_submit(BLK_REQ_READ, 4, 3, 0, 1);                           /* misaligned */
    blk_submit(9, 5, 0, 0, 1);                                      /* unknown */
    blk_submit(BLK_REQ_FLUSH, 6, 0, 0, 0);                          /* no FLUSH feature: done at once */
    virtio_blk_poll(&vb);
    blk_resp_t r;
    uint32_t want[6] = {BLK_RESP_SEEK_ERROR, BLK_RESP_SEEK_ERROR, BLK_RESP_INVALID, BLK_RESP_INVALID,
                        BLK_RESP_INVALID, BLK_RESP_OK};
    for (uint32_t i = 0; i < 6; i++) {
        CHECK(blk_resp_dequeue(&client, &r) == DDF_RING_OK && r.id == i + 1 && r.status == want[i]);
    }
    CHECK(sim.notifies[0] == before && vb.requests == 0);
}

static void virtio_blk_survives_lying_device(void)
{
    blk_setup(0);
    sim.corrupt_used = true;
    blk_submit(BLK_REQ_READ, 1, 0, 0, 1);
    blk_submit(BLK_REQ_READ, 2, 4096, 1, 1);
    virtio_blk_poll(&vb);
    blk_resp_t r;
    CHECK(blk_resp_dequeue(&client, &r) == DDF_RING_OK && r.status == BLK_RESP_IO_ERROR);
    CHECK(blk_resp_dequeue(&client, &r) == DDF_RING_OK && r.status == BLK_RESP_IO_ERROR);
    CHECK(vb.failed && sim.status == 0); /* the device was reset */
    blk_submit(BLK_REQ_READ, 3, 0, 0, 1);
    virtio_blk_poll(&vb);
    CHECK(blk_resp_dequeue(&client, &r) == DDF_RING_OK && r.id == 3 && r.status == BLK_RESP_IO_ERROR);
}

int main(void)
{
    RUN("virtq/chains-complete-with-cookies", virtq_chains_complete_with_cookies);
    RUN("virtq/rejects-hostile-used-ring", virtq_rejects_hostile_used_ring);
    RUN("virtq/notification-suppression", virtq_notification_suppression);
    RUN("virtio/negotiates-and-reads-config", virtio_negotiates_and_reads_config);
    RUN("virtio_blk/reads-writes-flushes-many-outstanding", virtio_blk_reads_writes_flushes_many_outstanding);
    RUN("virtio_blk/refuses-bad-requests", virtio_blk_refuses_bad_requests);
    RUN("virtio_blk/survives-lying-device", virtio_blk_survives_lying_device);
    free(ram_disk);
    return ddf_test_failures ? 1 : 0;
}
