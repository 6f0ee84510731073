/*
 * ddf/virtio/virtqueue: the driver side of a VirtIO 1.x split virtqueue.
 *
 * The three parts (descriptor table, driver "avail" ring, device "used"
 * ring) live in one DMA region laid out by virtq_layout(). The device may
 * write anything into the used ring, so everything read from it is copied
 * once and checked: the used index may run ahead of what we made available by
 * at most the queue size, an entry must name the head of a chain we have
 * outstanding, and its length may not exceed the chain's writable bytes.
 * A device that breaks these rules gets VIRTQ_DEVICE_ERROR, and the driver
 * resets it; nothing of ours is touched.
 *
 * The free list and chain bookkeeping are kept in private memory, never in
 * the descriptor table, so a device scribbling on descriptors cannot corrupt
 * them.
 *
 * Notification suppression (both directions):
 *   - driver -> device: after virtq_publish(), notify only when it returns
 *     true (the device's avail_event with VIRTIO_F_EVENT_IDX, or the absence of
 *     VIRTQ_USED_F_NO_NOTIFY);
 *   - device -> driver: a driver busy polling calls virtq_disable_irq(); before
 *     it sleeps it calls virtq_enable_irq(), which re-arms and returns true if
 *     used entries arrived meanwhile, in which case it must poll again rather
 *     than sleep (the lost wake-up re-check).
 */
#ifndef SUBSTRATE_DDF_VIRTIO_VIRTQUEUE_H
#define SUBSTRATE_DDF_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VIRTQ_MAX_SIZE 256u
#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define VIRTQ_USED_F_NO_NOTIFY 1u

/* Little-endian on the wire; this framework runs on x86_64 only. */
typedef struct {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} virtq_desc_t;

typedef struct {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[]; /* size entries, then used_event */
} virtq_avail_t;

typedef struct {
    uint32_t id;
    uint32_t len;
} virtq_used_elem_t;

typedef struct {
    uint16_t flags;
    uint16_t idx;
    virtq_used_elem_t ring[]; /* size entries, then avail_event */
} virtq_used_t;

typedef enum {
    VIRTQ_OK = 0,
    VIRTQ_EMPTY,         /* nothing used */
    VIRTQ_FULL,          /* not enough free descriptors */
    VIRTQ_INVALID,       /* bad argument */
    VIRTQ_DEVICE_ERROR,  /* the device broke the protocol */
} virtq_err_t;

/* Where each part sits in the queue's DMA region (byte offsets). */
typedef struct {
    size_t desc, avail, used, total;
} virtq_layout_t;

/* One buffer of a chain. */
typedef struct {
    uint64_t addr;    /* device (physical) address */
    uint32_t len;
    bool writable;    /* device writes it */
} virtq_buf_t;

typedef struct {
    uint16_t size;
    bool event_idx;
    volatile virtq_desc_t *desc;
    volatile virtq_avail_t *avail;
    volatile virtq_used_t *used;
    uint64_t desc_paddr, avail_paddr, used_paddr;
    /* Private bookkeeping. */
    uint16_t avail_idx;        /* our shadow of avail->idx */
    uint16_t last_used;        /* next used entry to read */
    uint16_t published;        /* avail_idx at the last publish */
    uint16_t free_head, num_free;
    uint16_t next[VIRTQ_MAX_SIZE];
    uint16_t chain_len[VIRTQ_MAX_SIZE];      /* 0: not a head in flight */
    uint32_t chain_writable[VIRTQ_MAX_SIZE]; /* bytes the device may write */
    uint64_t cookie[VIRTQ_MAX_SIZE];
} virtq_t;

/* Layout for a queue of `size` entries (power of two, <= VIRTQ_MAX_SIZE). */
virtq_err_t virtq_layout(uint16_t size, virtq_layout_t *out);

/* Sets up a queue in `mem` (virtual) / `paddr` (device address) of `mem_size` bytes, zeroing it. */
virtq_err_t virtq_init(virtq_t *vq, void *mem, uint64_t paddr, size_t mem_size, uint16_t size, bool event_idx);

/* Adds a chain; `cookie` comes back with its completion. Not visible to the device until published. */
virtq_err_t virtq_add(virtq_t *vq, const virtq_buf_t *bufs, unsigned count, uint64_t cookie);

/* Makes added chains visible; returns true if the device must be notified. */
bool virtq_publish(virtq_t *vq);

/* Takes one completion: its cookie and the bytes the device wrote. */
virtq_err_t virtq_get_used(virtq_t *vq, uint64_t *cookie, uint32_t *written);

void virtq_disable_irq(virtq_t *vq);
/* Re-arms the device's interrupt; true if completions are already waiting (poll again). */
bool virtq_enable_irq(virtq_t *vq);

static inline uint16_t virtq_free_count(const virtq_t *vq) { return vq->num_free; }

#endif
