/*
 * Split virtqueue, driver side (see virtqueue.h).
 *
 * Owns: the descriptor free list and which heads are in flight.
 * Invariants: a descriptor is either on the private free list or part of
 * exactly one in-flight chain; chain_len[h] != 0 exactly when h heads an
 * in-flight chain; the used index we accept never passes the last index we
 * published.
 * Must never: follow a pointer or index taken from the used ring or the
 * descriptor table without checking it against that bookkeeping.
 */
#include "ddf/virtio/virtqueue.h"

static size_t align_up(size_t v, size_t a) { return (v + a - 1) & ~(a - 1); }

virtq_err_t virtq_layout(uint16_t size, virtq_layout_t *out)
{
    if (size == 0 || size > VIRTQ_MAX_SIZE || (size & (size - 1)) != 0 || out == NULL) {
        return VIRTQ_INVALID;
    }
    out->desc = 0;
    out->avail = sizeof(virtq_desc_t) * size;
    out->used = align_up(out->avail + 6 + 2u * size, 4);
    out->total = align_up(out->used + 6 + 8u * size, 4);
    return VIRTQ_OK;
}

virtq_err_t virtq_init(virtq_t *vq, void *mem, uint64_t paddr, size_t mem_size, uint16_t size, bool event_idx)
{
    virtq_layout_t l;
    if (vq == NULL || mem == NULL || ((uintptr_t)mem & 15) != 0 || (paddr & 15) != 0 ||
        virtq_layout(size, &l) != VIRTQ_OK || mem_size < l.total) {
        return VIRTQ_INVALID;
    }
    volatile uint8_t *m = mem;
    for (size_t i = 0; i < l.total; i++) {
        m[i] = 0;
    }
    *vq = (virtq_t){.size = size, .event_idx = event_idx};
    vq->desc = (volatile virtq_desc_t *)(m + l.desc);
    vq->avail = (volatile virtq_avail_t *)(m + l.avail);
    vq->used = (volatile virtq_used_t *)(m + l.used);
    vq->desc_paddr = paddr + l.desc;
    vq->avail_paddr = paddr + l.avail;
    vq->used_paddr = paddr + l.used;
    for (uint16_t i = 0; i < size; i++) {
        vq->next[i] = (uint16_t)(i + 1);
    }
    vq->free_head = 0;
    vq->num_free = size;
    return VIRTQ_OK;
}

virtq_err_t virtq_add(virtq_t *vq, const virtq_buf_t *bufs, unsigned count, uint64_t cookie)
{
    if (count == 0 || bufs == NULL) {
        return VIRTQ_INVALID;
    }
    if (count > vq->num_free) {
        return VIRTQ_FULL;
    }
    uint16_t head = vq->free_head, d = head;
    uint32_t writable = 0;
    for (unsigned i = 0; i < count; i++) {
        uint16_t next = vq->next[d];
        vq->desc[d].addr = bufs[i].addr;
        vq->desc[d].len = bufs[i].len;
        vq->desc[d].flags = (uint16_t)((bufs[i].writable ? VIRTQ_DESC_F_WRITE : 0) |
                                       (i + 1 < count ? VIRTQ_DESC_F_NEXT : 0));
        vq->desc[d].next = i + 1 < count ? next : 0;
        if (bufs[i].writable) {
            writable += bufs[i].len;
        }
        if (i + 1 < count) {
            d = next;
        } else {
            vq->free_head = next;
        }
    }
    vq->num_free = (uint16_t)(vq->num_free - count);
    vq->chain_len[head] = (uint16_t)count;
    vq->chain_writable[head] = writable;
    vq->cookie[head] = cookie;
    vq->avail->ring[vq->avail_idx % vq->size] = head;
    vq->avail_idx++;
    return VIRTQ_OK;
}

bool virtq_publish(virtq_t *vq)
{
    uint16_t old = vq->published, now = vq->avail_idx;
    if (old == now) {
        return false;
    }
    /* Descriptors and ring entries before the index (release), and the index
     * before we read the device's suppression state (full fence). */
    __atomic_store_n(&vq->avail->idx, now, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    vq->published = now;
    if (vq->event_idx) {
        volatile uint16_t *avail_event = (volatile uint16_t *)&vq->used->ring[vq->size];
        uint16_t event = *avail_event;
        /* Notify if `event` lies in (old, now]: the device asked to hear about it. */
        return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
    }
    return (vq->used->flags & VIRTQ_USED_F_NO_NOTIFY) == 0;
}

virtq_err_t virtq_get_used(virtq_t *vq, uint64_t *cookie, uint32_t *written)
{
    uint16_t used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
    uint16_t pending = (uint16_t)(used_idx - vq->last_used);
    uint16_t outstanding = (uint16_t)(vq->published - vq->last_used);
    if (pending == 0) {
        return VIRTQ_EMPTY;
    }
    if (pending > outstanding) {
        return VIRTQ_DEVICE_ERROR; /* more completions than requests */
    }
    volatile virtq_used_elem_t *e = &vq->used->ring[vq->last_used % vq->size];
    uint32_t id = e->id, len = e->len;
    if (id >= vq->size || vq->chain_len[id] == 0 || len > vq->chain_writable[id]) {
        return VIRTQ_DEVICE_ERROR;
    }
    /* Return the chain to the free list by our own record of it. */
    uint16_t d = (uint16_t)id, count = vq->chain_len[id];
    for (uint16_t i = 1; i < count; i++) {
        d = vq->next[d];
    }
    vq->next[d] = vq->free_head;
    vq->free_head = (uint16_t)id;
    vq->num_free = (uint16_t)(vq->num_free + count);
    vq->chain_len[id] = 0;
    *cookie = vq->cookie[id];
    *written = len;
    vq->last_used++;
    if (vq->event_idx) {
        /* Ask for an interrupt at the next completion. */
        volatile uint16_t *used_event = &vq->avail->ring[vq->size];
        *used_event = vq->last_used;
    }
    return VIRTQ_OK;
}

void virtq_disable_irq(virtq_t *vq)
{
    if (vq->event_idx) {
        volatile uint16_t *used_event = &vq->avail->ring[vq->size];
        *used_event = (uint16_t)(vq->last_used - 1); /* already passed: no interrupt */
    } else {
        vq->avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
    }
}

bool virtq_enable_irq(virtq_t *vq)
{
    if (vq->event_idx) {
        volatile uint16_t *used_event = &vq->avail->ring[vq->size];
        *used_event = vq->last_used;
    } else {
        vq->avail->flags = 0;
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) != vq->last_used;
}
