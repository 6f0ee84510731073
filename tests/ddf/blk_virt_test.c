/*
 * The block virtualiser against a RAM-disk driver simulated on the host:
 * partitions confine clients, data lands at the right disk bytes, hostile
 * clients hurt only themselves, and a driver that dies mid-workload is
 * restarted with every outstanding request re-issued and answered once.
 */
#include <stdlib.h>
#include <string.h>

#include "system/virt/blk_virt.h"
#include "tests/ddf/ddf_test.h"

#define DISK_BLOCKS 256u                 /* 1 MiB */
#define DRV_CAP 64u
#define CLI_CAP 16u
#define DATA_SIZE (64u * BLK_TRANSFER_SIZE)
#define DMA_SIZE (80u * BLK_TRANSFER_SIZE)

static uint8_t *disk;
static _Alignas(64) uint8_t drv_region[8192];
static _Alignas(64) uint8_t cli_region[2][4096];
static uint8_t *cli_data[2];
static uint8_t *dma;
static blk_virt_t virt;

/* The simulated driver: serves the virtualiser's requests from `disk`. */
static struct {
    blk_queue_t q;
    bool dead;      /* takes requests and never answers */
    uint32_t taken;
} drv;

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void driver_start(void)
{
    CHECK(blk_attach(&drv.q, drv_region, sizeof(drv_region), DRV_CAP, false, false) == DDF_RING_OK);
    drv.q.info->capacity = DISK_BLOCKS;
    drv.q.info->sector_size = 512;
    drv.q.info->generation++;
    __atomic_store_n(&drv.q.info->ready, 1, __ATOMIC_RELEASE);
    drv.dead = false;
}

static void driver_poll(void)
{
    blk_req_t r;
    while (blk_req_dequeue(&drv.q, &r) == DDF_RING_OK) {
        drv.taken++;
        if (drv.dead) {
            continue;
        }
        blk_resp_t resp = {.status = BLK_RESP_OK, .id = r.id, .count = r.count};
        if (r.code != BLK_REQ_FLUSH) {
            if (r.block + r.count > DISK_BLOCKS || r.offset + (uint64_t)r.count * 4096 > DMA_SIZE) {
                resp.status = BLK_RESP_SEEK_ERROR;
            } else if (r.code == BLK_REQ_READ) {
                memcpy(dma + r.offset, disk + r.block * 4096, r.count * 4096ull);
            } else {
                memcpy(disk + r.block * 4096, dma + r.offset, r.count * 4096ull);
            }
        }
        CHECK(blk_resp_enqueue(&drv.q, &resp) == DDF_RING_OK);
    }
}

/* Runs virtualiser and driver until neither has work. */
static void settle(void)
{
    for (int i = 0; i < 20; i++) {
        blk_virt_poll(&virt);
        driver_poll();
    }
}

static blk_queue_t cli[2];

/* Disk with an MBR: partition 0 at sector 2048 (block 256 KiB) of 64 blocks,
 * partition 1 at sector 4096 of 32 blocks. */
static void setup(void)
{
    free(disk);
    free(dma);
    free(cli_data[0]);
    free(cli_data[1]);
    disk = calloc(DISK_BLOCKS, 4096);
    dma = calloc(1, DMA_SIZE);
    cli_data[0] = calloc(1, DATA_SIZE);
    cli_data[1] = calloc(1, DATA_SIZE);
    disk[510] = 0x55;
    disk[511] = 0xAA;
    disk[446 + 4] = 0x83;
    put32(disk + 446 + 8, 512);
    put32(disk + 446 + 12, 64 * 8);
    disk[462 + 4] = 0x83;
    put32(disk + 462 + 8, 1024);
    put32(disk + 462 + 12, 32 * 8);
    memset(&drv, 0, sizeof(drv));
    blk_virt_cfg_t cfg = {.driver_region = drv_region, .driver_region_size = sizeof(drv_region),
                          .driver_capacity = DRV_CAP, .dma = dma, .dma_size = DMA_SIZE, .client_count = 2};
    for (int i = 0; i < 2; i++) {
        cfg.clients[i] = (blk_virt_client_cfg_t){.region = cli_region[i], .region_size = sizeof(cli_region[i]),
                                                 .capacity = CLI_CAP, .data = cli_data[i],
                                                 .data_size = DATA_SIZE, .partition = (uint32_t)i};
    }
    CHECK(blk_virt_init(&virt, &cfg) == BLK_VIRT_OK);
    for (int i = 0; i < 2; i++) {
        CHECK(blk_attach(&cli[i], cli_region[i], sizeof(cli_region[i]), CLI_CAP, true, false) == DDF_RING_OK);
        CHECK(cli[i].info->ready == 0);
    }
    driver_start();
    settle();
}

static void submit(int c, uint32_t code, uint32_t id, uint64_t offset, uint64_t block, uint32_t count)
{
    blk_req_t r = {.code = code, .id = id, .offset = offset, .block = block, .count = count};
    CHECK(blk_req_enqueue(&cli[c], &r) == DDF_RING_OK);
}

static bool answer(int c, uint32_t id, uint32_t status)
{
    blk_resp_t resp;
    if (blk_resp_dequeue(&cli[c], &resp) != DDF_RING_OK) {
        return false;
    }
    return resp.id == id && resp.status == status;
}

static void blk_virt_publishes_partition_sizes(void)
{
    setup();
    CHECK(virt.state == BLK_VIRT_READY);
    CHECK(cli[0].info->ready == 1 && cli[0].info->capacity == 64);
    CHECK(cli[1].info->ready == 1 && cli[1].info->capacity == 32);
    CHECK((virt.notify_clients & 3u) == 3u || cli[0].info->ready); /* clients were told */
}

static void blk_virt_writes_land_in_partition(void)
{
    setup();
    for (uint32_t b = 0; b < 64; b++) {
        memset(cli_data[0] + (b % 16) * 4096, (int)(b + 1), 4096);
        submit(0, BLK_REQ_WRITE, b, (b % 16) * 4096ull, b, 1);
        if (b % 16 == 15) {
            settle();
            for (uint32_t k = b - 15; k <= b; k++) {
                CHECK(answer(0, k, BLK_RESP_OK));
            }
        }
    }
    /* Partition 0 starts at byte 512 * 512 = 256 KiB. */
    for (uint32_t b = 0; b < 64; b++) {
        CHECK(disk[256 * 1024 + b * 4096] == b + 1 && disk[256 * 1024 + b * 4096 + 4095] == b + 1);
    }
    CHECK(disk[256 * 1024 - 1] == 0 && disk[256 * 1024 + 64 * 4096] == 0);
    /* Client 1 reads its partition (all zero), never client 0's bytes. */
    submit(1, BLK_REQ_READ, 7, 0, 0, 32);
    memset(cli_data[1], 0xEE, DATA_SIZE);
    settle();
    CHECK(answer(1, 7, BLK_RESP_OK));
    CHECK(cli_data[1][0] == 0 && cli_data[1][32 * 4096 - 1] == 0 && cli_data[1][32 * 4096] == 0xEE);
}

static void blk_virt_reads_host_data_back(void)
{
    setup();
    for (uint32_t i = 0; i < 8 * 4096; i++) {
        disk[1024 * 512 + i] = (uint8_t)(i * 7 + 3); /* partition 1, blocks 0..7 */
    }
    submit(1, BLK_REQ_READ, 1, 4096, 0, 8);
    settle();
    CHECK(answer(1, 1, BLK_RESP_OK));
    CHECK(memcmp(cli_data[1] + 4096, disk + 1024 * 512, 8 * 4096) == 0);
}

static void blk_virt_refuses_outside_partition(void)
{
    setup();
    submit(1, BLK_REQ_READ, 1, 0, 32, 1);              /* first block past the end */
    submit(1, BLK_REQ_WRITE, 2, 0, 31, 2);             /* straddles the end */
    submit(1, BLK_REQ_READ, 3, 0, UINT64_MAX, 2);      /* wraps */
    submit(1, BLK_REQ_READ, 4, 100, 0, 1);             /* misaligned offset */
    submit(1, BLK_REQ_READ, 5, DATA_SIZE - 4096, 0, 2); /* past its data region */
    submit(1, BLK_REQ_READ, 6, 0, 0, 0);               /* empty */
    submit(1, 77, 7, 0, 0, 1);                         /* unknown code */
    submit(1, BLK_REQ_READ, 8, UINT64_MAX - 4095, 0, 1); /* offset wraps */
    uint32_t before = drv.taken;
    settle();
    CHECK(answer(1, 1, BLK_RESP_SEEK_ERROR));
    CHECK(answer(1, 2, BLK_RESP_SEEK_ERROR));
    CHECK(answer(1, 3, BLK_RESP_SEEK_ERROR));
    for (uint32_t id = 4; id <= 8; id++) {
        CHECK(answer(1, id, BLK_RESP_INVALID));
    }
    CHECK(drv.taken == before); /* none reached the driver */
    CHECK(disk[1024 * 512 + 32 * 4096] == 0);
}

/* Client 0 floods, never reads answers, then corrupts its rings; client 1 is still served. */
static void blk_virt_hostile_client_hurts_only_itself(void)
{
    setup();
    for (uint32_t i = 0; i < CLI_CAP; i++) {
        submit(0, BLK_REQ_READ, i, 0, 0, 16);
    }
    settle();
    for (uint32_t i = 0; i < CLI_CAP; i++) {
        submit(0, BLK_REQ_READ, 100 + i, 0, 0, 1); /* its response ring is full: these must wait */
    }
    settle();
    submit(1, BLK_REQ_READ, 42, 0, 0, 1);
    settle();
    CHECK(answer(1, 42, BLK_RESP_OK));
    CHECK(virt.clients[0].inflight == 0);
    /* Now client 0 scribbles over its ring indices. */
    cli[0].req.shared->tail += 1000;
    cli[0].resp.shared->head -= 5;
    submit(1, BLK_REQ_WRITE, 43, 0, 5, 1);
    settle();
    CHECK(answer(1, 43, BLK_RESP_OK));
    CHECK(virt.clients[0].broken);
}

/* The driver dies with requests outstanding; after restart they are answered
 * once each and the data is right. */
static void blk_virt_reissues_after_driver_restart(void)
{
    setup();
    uint32_t taken_before = drv.taken;
    drv.dead = true;
    for (uint32_t b = 0; b < 8; b++) {
        memset(cli_data[0] + b * 4096, (int)(0x40 + b), 4096);
        submit(0, BLK_REQ_WRITE, b, b * 4096ull, 10 + b, 1);
    }
    submit(0, BLK_REQ_FLUSH, 99, 0, 0, 0);
    settle();
    CHECK(drv.taken - taken_before == 9);
    blk_resp_t resp;
    CHECK(blk_resp_dequeue(&cli[0], &resp) == DDF_RING_EMPTY);
    /* Fault: the parent resets the connection and restarts the driver. */
    blk_virt_driver_fault(&virt);
    driver_start();
    settle();
    CHECK(virt.reissued == 9);
    int answers = 0;
    while (blk_resp_dequeue(&cli[0], &resp) == DDF_RING_OK) {
        CHECK(resp.status == BLK_RESP_OK);
        answers++;
    }
    CHECK(answers == 9);
    for (uint32_t b = 0; b < 8; b++) {
        CHECK(disk[256 * 1024 + (10 + b) * 4096] == 0x40 + b);
    }
}

static void blk_virt_disk_without_table_serves_nothing(void)
{
    setup();
    memset(disk, 0, 512);
    blk_virt_cfg_t cfg = {.driver_region = drv_region, .driver_region_size = sizeof(drv_region),
                          .driver_capacity = DRV_CAP, .dma = dma, .dma_size = DMA_SIZE, .client_count = 1};
    cfg.clients[0] = (blk_virt_client_cfg_t){.region = cli_region[0], .region_size = sizeof(cli_region[0]),
                                             .capacity = CLI_CAP, .data = cli_data[0], .data_size = DATA_SIZE};
    CHECK(blk_virt_init(&virt, &cfg) == BLK_VIRT_OK);
    CHECK(blk_attach(&cli[0], cli_region[0], sizeof(cli_region[0]), CLI_CAP, true, false) == DDF_RING_OK);
    driver_start();
    settle();
    CHECK(virt.state == BLK_VIRT_NO_TABLE && cli[0].info->ready && cli[0].info->capacity == 0);
    submit(0, BLK_REQ_READ, 1, 0, 0, 1);
    settle();
    CHECK(answer(0, 1, BLK_RESP_SEEK_ERROR));
    cfg.driver_capacity = 3; /* too few slots for the clients */
    cfg.client_count = 9;
    CHECK(blk_virt_init(&virt, &cfg) == BLK_VIRT_EINVAL);
}

int main(void)
{
    RUN("blk_virt/publishes-partition-sizes", blk_virt_publishes_partition_sizes);
    RUN("blk_virt/writes-land-in-partition", blk_virt_writes_land_in_partition);
    RUN("blk_virt/reads-host-data-back", blk_virt_reads_host_data_back);
    RUN("blk_virt/refuses-outside-partition", blk_virt_refuses_outside_partition);
    RUN("blk_virt/hostile-client-hurts-only-itself", blk_virt_hostile_client_hurts_only_itself);
    RUN("blk_virt/reissues-after-driver-restart", blk_virt_reissues_after_driver_restart);
    RUN("blk_virt/disk-without-table-serves-nothing", blk_virt_disk_without_table_serves_nothing);
    free(disk);
    free(dma);
    free(cli_data[0]);
    free(cli_data[1]);
    return ddf_test_failures ? 1 : 0;
}
