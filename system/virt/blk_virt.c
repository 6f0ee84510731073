/*
 * The block virtualiser (see blk_virt.h for the model).
 *
 * Owns: the request table (one entry per request at the driver, indexed by
 * the id the driver sees), each client's share of DMA blocks, the mapping of
 * clients to partitions.
 * Invariants:
 *   - a request reaches the driver only after its client's block range was
 *     checked against the client's partition, and its data range against the
 *     client's data region;
 *   - every request a client has handed over is answered exactly once, even
 *     across driver restarts, and a client never has more requests in flight
 *     than its response ring can hold;
 *   - the DMA blocks of an entry in the table are owned by that entry alone.
 * Must never: let one client's misbehaviour (bad requests, corrupt rings,
 * unread responses) stop another client's requests.
 */
#include "system/virt/blk_virt.h"

#include <string.h>

#define TABLE_REQ_ID 0u
#define TABLE_CLIENT BLK_VIRT_MAX_CLIENTS

static bool bitmap_test(const uint64_t *bm, uint32_t i) { return (bm[i / 64] >> (i % 64)) & 1u; }
static void bitmap_set(uint64_t *bm, uint32_t i) { bm[i / 64] |= 1ull << (i % 64); }
static void bitmap_clear(uint64_t *bm, uint32_t i) { bm[i / 64] &= ~(1ull << (i % 64)); }

/* First fit of `count` free blocks in the client's share; returns false when none. */
static bool dma_alloc(blk_virt_client_t *c, uint32_t count, uint32_t *first)
{
    uint32_t run = 0;
    for (uint32_t i = 0; i < c->dma_blocks; i++) {
        run = bitmap_test(c->dma_bitmap, i) ? 0 : run + 1;
        if (run == count) {
            *first = i + 1 - count;
            for (uint32_t j = *first; j <= i; j++) {
                bitmap_set(c->dma_bitmap, j);
            }
            return true;
        }
    }
    return false;
}

static void dma_free(blk_virt_client_t *c, uint32_t first, uint32_t count)
{
    for (uint32_t j = first; j < first + count; j++) {
        bitmap_clear(c->dma_bitmap, j);
    }
}

blk_virt_err_t blk_virt_init(blk_virt_t *v, const blk_virt_cfg_t *cfg)
{
    if (v == NULL || cfg == NULL || cfg->client_count == 0 || cfg->client_count > BLK_VIRT_MAX_CLIENTS ||
        cfg->driver_capacity > BLK_VIRT_MAX_INFLIGHT || cfg->driver_capacity < 1 + cfg->client_count ||
        cfg->dma == NULL || cfg->dma_size / BLK_TRANSFER_SIZE < BLK_VIRT_TABLE_BLOCKS + cfg->client_count) {
        return BLK_VIRT_EINVAL;
    }
    uint64_t share = (cfg->dma_size / BLK_TRANSFER_SIZE - BLK_VIRT_TABLE_BLOCKS) / cfg->client_count;
    if (share > 64 * BLK_VIRT_SHARE_WORDS) {
        share = 64 * BLK_VIRT_SHARE_WORDS;
    }
    blk_queue_t probe;
    if (blk_attach(&probe, cfg->driver_region, cfg->driver_region_size, cfg->driver_capacity, true, false) !=
        DDF_RING_OK) {
        return BLK_VIRT_EINVAL;
    }
    for (size_t i = 0; i < cfg->client_count; i++) {
        const blk_virt_client_cfg_t *cc = &cfg->clients[i];
        if (cc->data == NULL || blk_attach(&probe, cc->region, cc->region_size, cc->capacity, false, false) !=
                                    DDF_RING_OK) {
            return BLK_VIRT_EINVAL;
        }
    }
    /* Checked: now act. */
    memset(v, 0, sizeof(*v));
    v->dma = cfg->dma;
    v->dma_size = cfg->dma_size;
    v->driver_capacity = cfg->driver_capacity;
    (void)blk_attach(&v->driver, cfg->driver_region, cfg->driver_region_size, cfg->driver_capacity, true, true);
    v->client_count = cfg->client_count;
    uint32_t slots = (cfg->driver_capacity - 1) / (uint32_t)cfg->client_count;
    for (size_t i = 0; i < cfg->client_count; i++) {
        const blk_virt_client_cfg_t *cc = &cfg->clients[i];
        blk_virt_client_t *c = &v->clients[i];
        (void)blk_attach(&c->q, cc->region, cc->region_size, cc->capacity, false, true);
        c->data = cc->data;
        c->data_size = cc->data_size;
        c->capacity = cc->capacity;
        c->partition = cc->partition;
        c->max_inflight = slots < cc->capacity ? slots : cc->capacity;
        c->dma_first = BLK_VIRT_TABLE_BLOCKS + share * i;
        c->dma_blocks = (uint32_t)share;
    }
    v->state = BLK_VIRT_WAIT_DRIVER;
    return BLK_VIRT_OK;
}

static uint32_t find_free_id(const blk_virt_t *v)
{
    for (uint32_t id = 1; id < v->driver_capacity; id++) {
        if (!v->reqs[id].used) {
            return id;
        }
    }
    return 0;
}

/* Sends every entry not yet sent to the current driver, in id order. */
static void issue_unissued(blk_virt_t *v)
{
    if (!v->driver_up) {
        return;
    }
    for (uint32_t id = 0; id < v->driver_capacity; id++) {
        blk_virt_req_t *r = &v->reqs[id];
        if (!r->used || r->issued) {
            continue;
        }
        blk_req_t out = {.code = r->code, .id = id, .offset = r->dma_block * BLK_TRANSFER_SIZE,
                         .block = r->block, .count = r->count};
        if (blk_req_enqueue(&v->driver, &out) != DDF_RING_OK) {
            return; /* cannot happen while ids <= capacity; retried on the next poll */
        }
        r->issued = true;
        v->notify_driver = true;
    }
}

static void respond(blk_virt_t *v, uint32_t client, uint32_t id, uint32_t status, uint32_t count)
{
    blk_virt_client_t *c = &v->clients[client];
    blk_resp_t resp = {.status = status, .id = id, .count = count};
    /* Only fails if the client corrupted its own ring; then the answer is its loss. */
    if (blk_resp_enqueue(&c->q, &resp) != DDF_RING_OK) {
        c->broken = true;
    }
    v->notify_clients |= 1u << client;
}

static void publish_client_info(blk_virt_t *v)
{
    for (size_t i = 0; i < v->client_count; i++) {
        blk_virt_client_t *c = &v->clients[i];
        if (v->state == BLK_VIRT_READY && c->partition < v->table.count) {
            const blk_partition_t *p = &v->table.part[c->partition];
            /* A partition is served in whole transfer blocks and must start on one. */
            if (p->first_sector % (BLK_TRANSFER_SIZE / BLK_SECTOR_SIZE) == 0) {
                c->part_start = p->first_sector / (BLK_TRANSFER_SIZE / BLK_SECTOR_SIZE);
                c->part_blocks = p->sector_count / (BLK_TRANSFER_SIZE / BLK_SECTOR_SIZE);
            }
        }
        blk_storage_info_t *info = c->q.info;
        info->read_only = v->read_only;
        info->capacity = c->part_blocks;
        info->sector_size = BLK_SECTOR_SIZE;
        info->max_count = c->dma_blocks;
        info->generation = 1;
        __atomic_store_n(&info->ready, 1, __ATOMIC_RELEASE);
        v->notify_clients |= 1u << i;
    }
}

static void driver_ready(blk_virt_t *v)
{
    blk_storage_info_t *info = v->driver.info;
    if (__atomic_load_n(&info->ready, __ATOMIC_ACQUIRE) == 0) {
        return;
    }
    uint32_t generation = info->generation;
    uint64_t capacity = info->capacity;
    uint32_t read_only = info->read_only;
    if (v->driver_up && generation == v->driver_generation) {
        return;
    }
    v->driver_generation = generation;
    v->driver_up = true;
    if (v->state == BLK_VIRT_WAIT_DRIVER) {
        v->disk_blocks = capacity;
        v->read_only = read_only != 0;
        uint32_t n = capacity < BLK_VIRT_TABLE_BLOCKS ? (uint32_t)capacity : BLK_VIRT_TABLE_BLOCKS;
        if (n == 0) {
            v->state = BLK_VIRT_NO_TABLE;
            v->table_err = BLK_PART_NO_TABLE;
            publish_client_info(v);
            return;
        }
        v->reqs[TABLE_REQ_ID] = (blk_virt_req_t){.used = true, .client = TABLE_CLIENT, .code = BLK_REQ_READ,
                                                 .block = 0, .count = n, .dma_block = 0};
        v->state = BLK_VIRT_READ_TABLE;
    }
    issue_unissued(v);
}

static void table_read_done(blk_virt_t *v, uint32_t status)
{
    v->table_err = BLK_PART_NO_TABLE;
    if (status == BLK_RESP_OK) {
        uint64_t disk_bytes = v->disk_blocks * BLK_TRANSFER_SIZE;
        size_t len = v->reqs[TABLE_REQ_ID].count * (size_t)BLK_TRANSFER_SIZE;
        v->table_err = blk_partition_parse(v->dma, len, disk_bytes / BLK_SECTOR_SIZE, &v->table);
    }
    v->state = v->table_err == BLK_PART_OK ? BLK_VIRT_READY : BLK_VIRT_NO_TABLE;
    publish_client_info(v);
}

static void driver_responses(blk_virt_t *v)
{
    blk_resp_t resp;
    while (blk_resp_dequeue(&v->driver, &resp) == DDF_RING_OK) {
        uint32_t id = resp.id;
        if (id >= v->driver_capacity || !v->reqs[id].used || !v->reqs[id].issued) {
            continue; /* not ours: a confused driver; ignore it */
        }
        blk_virt_req_t r = v->reqs[id];
        v->reqs[id].used = false;
        if (r.client == TABLE_CLIENT) {
            table_read_done(v, resp.status);
            continue;
        }
        blk_virt_client_t *c = &v->clients[r.client];
        uint32_t status = resp.status == BLK_RESP_OK ? BLK_RESP_OK : BLK_RESP_IO_ERROR;
        if (status == BLK_RESP_OK && r.code == BLK_REQ_READ) {
            memcpy(c->data + r.client_offset, v->dma + r.dma_block * BLK_TRANSFER_SIZE,
                   (size_t)r.count * BLK_TRANSFER_SIZE);
        }
        if (r.count != 0) {
            dma_free(c, (uint32_t)(r.dma_block - c->dma_first), r.count);
        }
        c->inflight--;
        respond(v, r.client, r.client_id, status, status == BLK_RESP_OK ? r.count : 0);
    }
}

/* Checks a request copied out of a client's ring; returns the response status it earns. */
static uint32_t check_request(const blk_virt_t *v, const blk_virt_client_t *c, const blk_req_t *r)
{
    if (r->code == BLK_REQ_FLUSH) {
        return BLK_RESP_OK;
    }
    if (r->code != BLK_REQ_READ && r->code != BLK_REQ_WRITE) {
        return BLK_RESP_INVALID;
    }
    if (r->count == 0 || r->count > c->dma_blocks || r->offset % BLK_TRANSFER_SIZE != 0 ||
        r->offset >= c->data_size || (uint64_t)r->count * BLK_TRANSFER_SIZE > c->data_size - r->offset) {
        return BLK_RESP_INVALID;
    }
    if (r->block >= c->part_blocks || r->count > c->part_blocks - r->block) {
        return BLK_RESP_SEEK_ERROR;
    }
    if (r->code == BLK_REQ_WRITE && v->read_only) {
        return BLK_RESP_READ_ONLY;
    }
    return BLK_RESP_OK;
}

/* Starts one checked request; false when the client's DMA share is full for now. */
static bool start_request(blk_virt_t *v, uint32_t client, const blk_req_t *r)
{
    blk_virt_client_t *c = &v->clients[client];
    uint32_t id = find_free_id(v);
    uint32_t first = 0;
    if (id == 0) {
        return false;
    }
    if (r->code != BLK_REQ_FLUSH && !dma_alloc(c, r->count, &first)) {
        return false;
    }
    uint64_t dma_block = c->dma_first + first;
    uint32_t count = r->code == BLK_REQ_FLUSH ? 0 : r->count;
    if (r->code == BLK_REQ_WRITE) {
        memcpy(v->dma + dma_block * BLK_TRANSFER_SIZE, c->data + r->offset, (size_t)count * BLK_TRANSFER_SIZE);
    }
    v->reqs[id] = (blk_virt_req_t){.used = true, .client = client, .client_id = r->id, .code = r->code,
                                   .client_offset = r->offset, .block = c->part_start + r->block,
                                   .count = count, .dma_block = dma_block};
    c->inflight++;
    return true;
}

/* Takes at most one request from a client; returns true if it made progress. */
static bool serve_one(blk_virt_t *v, uint32_t client)
{
    blk_virt_client_t *c = &v->clients[client];
    ddf_ring_err_t err;
    uint32_t waiting = ddf_ring_count(&c->q.resp, &err);
    if (err != DDF_RING_OK) {
        c->broken = true;
        return false;
    }
    /* Room for one more answer, counting all it is owed. */
    if (c->inflight + waiting >= c->capacity || c->inflight >= c->max_inflight) {
        return false;
    }
    blk_req_t r;
    if (c->have_pending) {
        r = c->pending;
    } else {
        err = blk_req_dequeue(&c->q, &r);
        if (err != DDF_RING_OK) {
            c->broken = err == DDF_RING_CORRUPT;
            return false;
        }
        uint32_t status = check_request(v, c, &r);
        if (status != BLK_RESP_OK) {
            c->rejected++;
            respond(v, client, r.id, status, 0);
            return true;
        }
    }
    c->have_pending = !start_request(v, client, &r);
    c->pending = r;
    return !c->have_pending;
}

static void serve_clients(blk_virt_t *v)
{
    if ((v->state != BLK_VIRT_READY && v->state != BLK_VIRT_NO_TABLE) || v->client_count == 0) {
        return;
    }
    /* Round robin, one request per client per pass, so no client can starve another. */
    bool progress = true;
    while (progress) {
        progress = false;
        for (size_t k = 0; k < v->client_count; k++) {
            uint32_t i = (uint32_t)((v->next_client + k) % v->client_count);
            if (serve_one(v, i)) {
                progress = true;
            }
        }
        v->next_client = (uint32_t)((v->next_client + 1) % v->client_count);
    }
}

void blk_virt_poll(blk_virt_t *v)
{
    v->notify_driver = false;
    v->notify_clients = 0;
    driver_ready(v);
    if (v->driver_up) {
        driver_responses(v);
    }
    /* Serve clients until each has asked to be signalled and the re-check
     * finds nothing new (the lost wake-up rule); bounded, since a client that
     * keeps its ring busy is served again on the next poll anyway. */
    for (int pass = 0; pass < 8; pass++) {
        serve_clients(v);
        bool more = false;
        for (size_t i = 0; i < v->client_count; i++) {
            blk_virt_client_t *c = &v->clients[i];
            ddf_ring_request_signal(&c->q.req);
            if (!c->broken && !ddf_ring_empty(&c->q.req) && c->inflight < c->max_inflight && !c->have_pending) {
                ddf_ring_cancel_signal(&c->q.req);
                more = true;
            }
        }
        if (!more) {
            break;
        }
    }
    issue_unissued(v);
    if (v->notify_driver && !blk_req_should_notify(&v->driver)) {
        /* The driver did not ask; it will find the requests when it next looks. */
        v->notify_driver = false;
    }
}

void blk_virt_driver_fault(blk_virt_t *v)
{
    /* The driver is stopped; start its connection afresh and mark every
     * outstanding request for re-issue. Its DMA blocks are still ours: a write
     * still holds its data, and a read will be read again. */
    v->driver_up = false;
    (void)blk_attach(&v->driver, v->driver.info, blk_region_bytes(v->driver_capacity), v->driver_capacity, true,
                     true);
    for (uint32_t id = 0; id < v->driver_capacity; id++) {
        if (v->reqs[id].used && v->reqs[id].issued) {
            v->reqs[id].issued = false;
            v->reissued++;
        }
    }
}
