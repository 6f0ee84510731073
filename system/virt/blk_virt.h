/*
 * The block virtualiser: several clients share one block driver, each
 * confined to one partition of the disk.
 *
 * It is the server of one blk connection per client and the client of the
 * driver's connection. Data is copied between each client's data region and
 * the virtualiser's own DMA region (the only memory the driver, and so the
 * device, ever sees), so no client can see another's buffers and a request
 * can never name memory outside its owner's region.
 *
 * Resources are split evenly between clients up front (driver ring slots and
 * DMA blocks), so a client that floods requests or stops reading responses
 * only slows itself.
 *
 * The library is driven by one call, blk_virt_poll(), after any notification;
 * it reports whom to notify in `notify_driver` / `notify_clients`.
 */
#ifndef SUBSTRATE_SYSTEM_VIRT_BLK_VIRT_H
#define SUBSTRATE_SYSTEM_VIRT_BLK_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include "ddf/blk.h"
#include "system/virt/blk_partition.h"

#define BLK_VIRT_MAX_CLIENTS 8
#define BLK_VIRT_MAX_INFLIGHT 256        /* driver ring capacity at most */
#define BLK_VIRT_TABLE_BLOCKS 16u        /* the first 64 KiB of the disk hold the table */
#define BLK_VIRT_SHARE_WORDS 16          /* DMA bitmap words per client: up to 1024 blocks */

typedef struct {
    void *region;          /* the client's blk connection region */
    size_t region_size;
    uint32_t capacity;     /* its ring capacity */
    uint8_t *data;         /* the client's data region, as mapped here */
    uint64_t data_size;
    uint32_t partition;    /* index into the disk's partition table */
} blk_virt_client_cfg_t;

typedef struct {
    void *driver_region;
    size_t driver_region_size;
    uint32_t driver_capacity;
    uint8_t *dma;          /* the driver's data region, as mapped here */
    uint64_t dma_size;
    size_t client_count;
    blk_virt_client_cfg_t clients[BLK_VIRT_MAX_CLIENTS];
} blk_virt_cfg_t;

typedef enum {
    BLK_VIRT_WAIT_DRIVER = 0,  /* driver not ready yet */
    BLK_VIRT_READ_TABLE,       /* reading the partition table */
    BLK_VIRT_READY,
    BLK_VIRT_NO_TABLE,         /* the disk's table is missing or bad: clients get nothing */
} blk_virt_state_t;

typedef struct {
    blk_queue_t q;
    uint8_t *data;
    uint64_t data_size;
    uint32_t capacity;
    uint32_t partition;
    uint64_t part_start;       /* in transfer blocks */
    uint64_t part_blocks;      /* 0: no usable partition */
    uint32_t inflight;         /* requests taken and not yet answered */
    uint32_t max_inflight;     /* its share of driver slots */
    uint64_t dma_first;        /* first DMA block of its share */
    uint32_t dma_blocks;       /* size of its share */
    uint64_t dma_bitmap[BLK_VIRT_SHARE_WORDS];
    bool have_pending;         /* a valid request waiting for DMA space */
    blk_req_t pending;
    uint64_t rejected;         /* requests refused as invalid */
    bool broken;               /* its rings were found corrupt */
} blk_virt_client_t;

typedef struct {
    bool used;
    bool issued;               /* sent to the current incarnation of the driver */
    uint32_t client;           /* BLK_VIRT_MAX_CLIENTS: the table read */
    uint32_t client_id;
    uint32_t code;
    uint64_t client_offset;
    uint64_t block;            /* on the disk */
    uint32_t count;
    uint64_t dma_block;        /* first block in the DMA region */
} blk_virt_req_t;

typedef struct {
    blk_virt_state_t state;
    blk_queue_t driver;
    uint32_t driver_capacity;
    uint32_t driver_generation;
    bool driver_up;
    uint8_t *dma;
    uint64_t dma_size;
    uint64_t disk_blocks;
    bool read_only;
    blk_partition_table_t table;
    blk_part_err_t table_err;
    size_t client_count;
    blk_virt_client_t clients[BLK_VIRT_MAX_CLIENTS];
    blk_virt_req_t reqs[BLK_VIRT_MAX_INFLIGHT];
    uint32_t next_client;      /* round-robin start */
    uint64_t reissued;         /* requests re-sent after a driver restart */
    /* Outputs of the last poll. */
    bool notify_driver;
    uint32_t notify_clients;   /* bit i: notify client i */
} blk_virt_t;

typedef enum { BLK_VIRT_OK = 0, BLK_VIRT_EINVAL } blk_virt_err_t;

/* Checks the configuration and initialises every region (this end is the
 * initialiser of all of them). Nothing is touched on error. */
blk_virt_err_t blk_virt_init(blk_virt_t *v, const blk_virt_cfg_t *cfg);

/* Does all the work there is: driver start-up, responses, client requests. */
void blk_virt_poll(blk_virt_t *v);

/* The driver faulted: forget its rings and re-issue outstanding requests once
 * it is ready again. Call before restarting the driver. */
void blk_virt_driver_fault(blk_virt_t *v);

#endif
