/*
 * The copy-on-write metadata B-tree, its block cache, free-space map,
 * commits and mount.
 *
 * Invariants:
 *   - A node the last commit references is never written again. Changing it
 *     first copies it to a newly allocated block ("COW"); the old block stays
 *     reserved (in `durable`) until the next commit is durable.
 *   - Every node read from the device is checked against the crc its parent
 *     (or the superblock) records, its magic, its own block number, the
 *     filesystem seed, its level and the shape of its items, before any of it
 *     is used. So a damaged or stale block is never mistaken for good data.
 *   - Changes descend from the root, copying each node on the path and
 *     splitting full nodes on the way down, so a parent always has room for
 *     the entry a child split adds. A node left empty by a delete is removed
 *     from its parent; a root with one child gives way to that child.
 *   - Dirty nodes stay in the cache until a commit writes them, children
 *     before parents, so a parent records its children's final crcs.
 *   - A commit is: write dirty nodes, flush, write the superblock of the next
 *     generation into slot generation % 2, flush. A cut anywhere before the
 *     superblock write completes leaves the previous commit in force.
 */
#include "system/fs/fs_internal.h"

/* ---------- small formatting for error messages (no libc here) ---------- */

static size_t put_str(char *out, size_t cap, size_t at, const char *s)
{
    while (*s && at + 1 < cap)
        out[at++] = *s++;
    if (cap)
        out[at < cap ? at : cap - 1] = 0;
    return at;
}

static size_t put_num(char *out, size_t cap, size_t at, uint64_t v)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && at + 1 < cap)
        out[at++] = digits[--n];
    if (cap)
        out[at < cap ? at : cap - 1] = 0;
    return at;
}

static void set_err(char *err, size_t cap, const char *a, uint64_t block, const char *b)
{
    if (!err || !cap)
        return;
    size_t at = put_str(err, cap, 0, a);
    if (block != UINT64_MAX)
        at = put_num(err, cap, at, block);
    put_str(err, cap, at, b);
}

/* ---------- node layout ---------- */

static inline uint16_t node_count(const uint8_t *b) { return fs_get16(b + 32); }
static inline uint8_t node_level(const uint8_t *b) { return b[34]; }
static inline uint32_t node_used(const uint8_t *b) { return fs_get32(b + 36); }
static inline void node_set_count(uint8_t *b, uint16_t n) { fs_put16(b + 32, n); }
static inline void node_set_used(uint8_t *b, uint32_t u) { fs_put32(b + 36, u); }

static inline uint8_t *entry_at(uint8_t *b, uint32_t i) { return b + FS_NODE_HDR + i * FS_INTERNAL_ENTRY; }
static inline fs_key_t entry_key(const uint8_t *b, uint32_t i)
{
    return fs_key_get(b + FS_NODE_HDR + i * FS_INTERNAL_ENTRY);
}
static inline uint64_t entry_block(const uint8_t *b, uint32_t i)
{
    return fs_get64(b + FS_NODE_HDR + i * FS_INTERNAL_ENTRY + FS_KEY_SIZE);
}
static inline uint32_t entry_crc(const uint8_t *b, uint32_t i)
{
    return fs_get32(b + FS_NODE_HDR + i * FS_INTERNAL_ENTRY + FS_KEY_SIZE + 8);
}

/* The child of an internal node whose range holds key: the last entry whose key <= key. */
static uint32_t child_index(const uint8_t *b, fs_key_t key)
{
    uint32_t lo = 0, hi = node_count(b);
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (fs_key_cmp(entry_key(b, mid), key) <= 0)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Byte offset of the first leaf item with key >= key; *found when equal. */
static uint32_t leaf_find(const uint8_t *b, fs_key_t key, bool *found, uint32_t *index)
{
    uint32_t p = FS_NODE_HDR, end = FS_NODE_HDR + node_used(b), i = 0;
    *found = false;
    while (p < end) {
        int c = fs_key_cmp(fs_key_get(b + p), key);
        if (c >= 0) {
            *found = c == 0;
            break;
        }
        p += FS_LEAF_ITEM_HDR + fs_get16(b + p + FS_KEY_SIZE);
        i++;
    }
    if (index)
        *index = i;
    return p;
}

static inline uint32_t leaf_item_size(const uint8_t *b, uint32_t p)
{
    return FS_LEAF_ITEM_HDR + fs_get16(b + p + FS_KEY_SIZE);
}

static void leaf_remove_at(uint8_t *b, uint32_t p)
{
    uint32_t end = FS_NODE_HDR + node_used(b), size = leaf_item_size(b, p);
    fs_memmove(b + p, b + p + size, end - p - size);
    fs_memset(b + end - size, 0, size);
    node_set_used(b, node_used(b) - size);
    node_set_count(b, (uint16_t)(node_count(b) - 1));
}

static void leaf_insert_at(uint8_t *b, uint32_t p, fs_key_t key, const uint8_t *val, size_t len)
{
    uint32_t end = FS_NODE_HDR + node_used(b), size = FS_LEAF_ITEM_HDR + (uint32_t)len;
    fs_memmove(b + p + size, b + p, end - p);
    fs_key_put(b + p, key);
    fs_put16(b + p + FS_KEY_SIZE, (uint16_t)len);
    if (len)
        fs_memcpy(b + p + FS_LEAF_ITEM_HDR, val, len);
    node_set_used(b, node_used(b) + size);
    node_set_count(b, (uint16_t)(node_count(b) + 1));
}

static void internal_insert_at(uint8_t *b, uint32_t i, fs_key_t key, uint64_t block, uint32_t crc)
{
    uint32_t n = node_count(b);
    fs_memmove(entry_at(b, i + 1), entry_at(b, i), (n - i) * FS_INTERNAL_ENTRY);
    fs_key_put(entry_at(b, i), key);
    fs_put64(entry_at(b, i) + FS_KEY_SIZE, block);
    fs_put32(entry_at(b, i) + FS_KEY_SIZE + 8, crc);
    node_set_count(b, (uint16_t)(n + 1));
    node_set_used(b, (n + 1) * FS_INTERNAL_ENTRY);
}

static void internal_remove_at(uint8_t *b, uint32_t i)
{
    uint32_t n = node_count(b);
    fs_memmove(entry_at(b, i), entry_at(b, i + 1), (n - i - 1) * FS_INTERNAL_ENTRY);
    fs_memset(entry_at(b, n - 1), 0, FS_INTERNAL_ENTRY);
    node_set_count(b, (uint16_t)(n - 1));
    node_set_used(b, (n - 1) * FS_INTERNAL_ENTRY);
}

/*
 * Everything a node must satisfy before its contents are believed. Returns
 * NULL for a good node, or a description of the first problem.
 */
const char *fs_node_check(const uint8_t *b, uint64_t block, uint64_t seed, uint32_t expect_crc,
                          uint8_t expect_level)
{
    if (fs_get32(b) != FS_NODE_MAGIC)
        return "not a metadata node (bad magic)";
    uint32_t crc = fs_node_crc(b);
    if (crc != fs_get32(b + 4))
        return "checksum mismatch (contents damaged)";
    if (crc != expect_crc)
        return "checksum differs from the one its parent recorded (stale or misplaced block)";
    if (fs_get64(b + 8) != block)
        return "records a different block number (misdirected write)";
    if (fs_get64(b + 24) != seed)
        return "belongs to a different filesystem";
    if (node_level(b) != expect_level || expect_level >= FS_MAX_LEVELS)
        return "wrong level in the tree";
    uint32_t n = node_count(b), used = node_used(b);
    if (used > FS_NODE_SPACE)
        return "item area overflows the block";
    if (expect_level > 0) {
        if (n == 0 || n > FS_INTERNAL_MAX || used != n * FS_INTERNAL_ENTRY)
            return "bad internal entry count";
        for (uint32_t i = 1; i < n; i++)
            if (fs_key_cmp(entry_key(b, i - 1), entry_key(b, i)) >= 0)
                return "internal keys out of order";
        return NULL;
    }
    uint32_t p = FS_NODE_HDR, end = FS_NODE_HDR + used, prev = p;
    for (uint32_t i = 0; i < n; i++) {
        if (p > end || end - p < FS_LEAF_ITEM_HDR)
            return "leaf items overflow the item area";
        uint32_t len = fs_get16(b + p + FS_KEY_SIZE);
        if (len > FS_VALUE_MAX || end - p - FS_LEAF_ITEM_HDR < len)
            return "leaf item value overflows the item area";
        if (i > 0 && fs_key_cmp(fs_key_get(b + prev), fs_key_get(b + p)) >= 0)
            return "leaf keys out of order";
        prev = p;
        p += FS_LEAF_ITEM_HDR + len;
    }
    if (p != end)
        return "leaf item area length disagrees with its items";
    return NULL;
}

/* ---------- free space ---------- */

uint64_t fs_blocks_available(const fs_t *fs) { return fs->nblocks - fs->used_count - fs->pending_count; }

int fs_block_alloc(fs_t *fs, uint64_t *block)
{
    uint64_t words = (fs->nblocks + 63) / 64;
    uint64_t w = fs->alloc_cursor / 64;
    for (uint64_t scanned = 0; scanned <= words; scanned++, w = (w + 1) % words) {
        uint64_t taken = fs->used[w] | fs->durable[w];
        if (taken == UINT64_MAX)
            continue;
        for (uint32_t bit = 0; bit < 64; bit++) {
            if (!((taken >> bit) & 1)) {
                uint64_t b = w * 64 + bit;
                fs_bit_set(fs->used, b);
                fs->used_count++;
                fs->alloc_cursor = b + 1 < fs->nblocks ? b + 1 : FS_FIRST_BLOCK;
                *block = b;
                return FS_OK;
            }
        }
    }
    return FS_ENOSPC;
}

void fs_block_free(fs_t *fs, uint64_t block)
{
    if (block < FS_FIRST_BLOCK || block >= fs->nblocks || !fs_bit(fs->used, block))
        return; /* mount validated every reference; this cannot happen for a good tree */
    fs_bit_clear(fs->used, block);
    fs->used_count--;
    if (fs_bit(fs->durable, block))
        fs->pending_count++;
}

/* ---------- cache ---------- */

static uint32_t cache_find(fs_t *fs, uint64_t block)
{
    for (uint32_t i = fs->buckets[block % fs->ncache]; i != FS_NONE; i = fs->nodes[i].next)
        if (fs->nodes[i].block == block)
            return i;
    return FS_NONE;
}

static void cache_hash_remove(fs_t *fs, uint32_t idx)
{
    uint32_t *link = &fs->buckets[fs->nodes[idx].block % fs->ncache];
    while (*link != FS_NONE && *link != idx)
        link = &fs->nodes[*link].next;
    if (*link == idx)
        *link = fs->nodes[idx].next;
    fs->nodes[idx].next = FS_NONE;
}

static void cache_hash_add(fs_t *fs, uint32_t idx)
{
    uint32_t *head = &fs->buckets[fs->nodes[idx].block % fs->ncache];
    fs->nodes[idx].next = *head;
    *head = idx;
}

/* A slot for a new node: an empty one, or a clean unpinned one, clock order. */
static int cache_slot(fs_t *fs, uint32_t *out)
{
    for (uint32_t tries = 0; tries < 2 * fs->ncache; tries++) {
        uint32_t i = fs->clock;
        fs->clock = (fs->clock + 1) % fs->ncache;
        fs_cnode_t *c = &fs->nodes[i];
        if (c->block == 0) {
            *out = i;
            return FS_OK;
        }
        if (!c->dirty && c->pins == 0) {
            cache_hash_remove(fs, i);
            c->block = 0;
            *out = i;
            return FS_OK;
        }
    }
    return FS_ENOMEM;
}

static void cache_unpin(fs_t *fs, uint32_t idx)
{
    if (idx != FS_NONE && fs->nodes[idx].pins)
        fs->nodes[idx].pins--;
}

/* Loads (or finds) node `block`, checked against its expected crc and level; pinned. */
static int node_load(fs_t *fs, uint64_t block, uint32_t crc, uint8_t level, uint32_t *out,
                     const char **why)
{
    if (block < FS_FIRST_BLOCK || block >= fs->nblocks) {
        if (why)
            *why = "block number out of range";
        return FS_EUCLEAN;
    }
    uint32_t idx = cache_find(fs, block);
    if (idx != FS_NONE) {
        if (node_level(fs->nodes[idx].buf) != level) {
            if (why)
                *why = "wrong level in the tree";
            return FS_EUCLEAN;
        }
        fs->nodes[idx].pins++;
        *out = idx;
        return FS_OK;
    }
    int r = cache_slot(fs, &idx);
    if (r)
        return r;
    fs_cnode_t *c = &fs->nodes[idx];
    if (fs->dev.read(fs->dev.ctx, block, 1, c->buf)) {
        if (why)
            *why = "device read failed";
        return FS_EIO;
    }
    const char *bad = fs_node_check(c->buf, block, fs->seed, crc, level);
    if (bad) {
        if (why)
            *why = bad;
        return FS_EIO;
    }
    c->block = block;
    c->crc = crc;
    c->dirty = false;
    c->pins = 1;
    cache_hash_add(fs, idx);
    *out = idx;
    return FS_OK;
}

/* A fresh dirty node at a newly allocated block; pinned. */
static int node_new(fs_t *fs, uint8_t level, uint32_t *out)
{
    uint32_t idx;
    uint64_t block;
    int r = cache_slot(fs, &idx);
    if (r)
        return r;
    r = fs_block_alloc(fs, &block);
    if (r)
        return r;
    fs_cnode_t *c = &fs->nodes[idx];
    fs_memset(c->buf, 0, FS_BLOCK_SIZE);
    fs_put32(c->buf, FS_NODE_MAGIC);
    fs_put64(c->buf + 8, block);
    fs_put64(c->buf + 24, fs->seed);
    c->buf[34] = level;
    c->block = block;
    c->crc = 0;
    c->dirty = true;
    c->pins = 1;
    fs->dirty_nodes++;
    cache_hash_add(fs, idx);
    *out = idx;
    return FS_OK;
}

/* Makes a node writable: a clean node moves to a new block. *moved says whether it did. */
static int node_cow(fs_t *fs, uint32_t idx, bool *moved)
{
    fs_cnode_t *c = &fs->nodes[idx];
    *moved = false;
    if (c->dirty)
        return FS_OK;
    uint64_t block;
    int r = fs_block_alloc(fs, &block);
    if (r)
        return r;
    fs_block_free(fs, c->block);
    cache_hash_remove(fs, idx);
    c->block = block;
    fs_put64(c->buf + 8, block);
    c->dirty = true;
    fs->dirty_nodes++;
    cache_hash_add(fs, idx);
    *moved = true;
    return FS_OK;
}

/* Drops a node from the tree and the cache. */
static void node_discard(fs_t *fs, uint32_t idx)
{
    fs_cnode_t *c = &fs->nodes[idx];
    fs_block_free(fs, c->block);
    cache_hash_remove(fs, idx);
    if (c->dirty)
        fs->dirty_nodes--;
    c->dirty = false;
    c->pins = 0;
    c->block = 0;
}

/* ---------- lookups ---------- */

static int root_load(fs_t *fs, uint32_t *idx)
{
    return node_load(fs, fs->root_block, fs->root_crc, fs->root_level, idx, NULL);
}

int fs_tree_lookup(fs_t *fs, fs_key_t key, uint8_t *val, size_t cap, size_t *len)
{
    uint32_t idx;
    int r = root_load(fs, &idx);
    if (r)
        return r;
    while (node_level(fs->nodes[idx].buf) > 0) {
        const uint8_t *b = fs->nodes[idx].buf;
        uint32_t i = child_index(b, key), child;
        r = node_load(fs, entry_block(b, i), entry_crc(b, i), (uint8_t)(node_level(b) - 1), &child,
                      NULL);
        cache_unpin(fs, idx);
        if (r)
            return r;
        idx = child;
    }
    const uint8_t *b = fs->nodes[idx].buf;
    bool found;
    uint32_t p = leaf_find(b, key, &found, NULL);
    if (found) {
        size_t n = fs_get16(b + p + FS_KEY_SIZE);
        if (n > cap) {
            r = FS_EUCLEAN;
        } else {
            if (val && n)
                fs_memcpy(val, b + p + FS_LEAF_ITEM_HDR, n);
            if (len)
                *len = n;
        }
    } else {
        r = FS_ENOENT;
    }
    cache_unpin(fs, idx);
    return r;
}

static int next_in(fs_t *fs, uint64_t block, uint32_t crc, uint8_t level, fs_key_t key, fs_key_t last,
                   fs_key_t *found, uint8_t *val, size_t cap, size_t *len)
{
    uint32_t idx;
    int r = node_load(fs, block, crc, level, &idx, NULL);
    if (r)
        return r;
    const uint8_t *b = fs->nodes[idx].buf;
    r = FS_ENOENT;
    if (level == 0) {
        bool eq;
        uint32_t p = leaf_find(b, key, &eq, NULL);
        if (p < FS_NODE_HDR + node_used(b)) {
            fs_key_t k = fs_key_get(b + p);
            size_t n = fs_get16(b + p + FS_KEY_SIZE);
            if (fs_key_cmp(k, last) <= 0) {
                if (n > cap) {
                    r = FS_EUCLEAN;
                } else {
                    *found = k;
                    if (val && n)
                        fs_memcpy(val, b + p + FS_LEAF_ITEM_HDR, n);
                    if (len)
                        *len = n;
                    r = FS_OK;
                }
            }
        }
    } else {
        for (uint32_t j = child_index(b, key); j < node_count(b); j++) {
            if (fs_key_cmp(entry_key(b, j), last) > 0)
                break;
            r = next_in(fs, entry_block(b, j), entry_crc(b, j), (uint8_t)(level - 1), key, last, found,
                        val, cap, len);
            if (r != FS_ENOENT)
                break;
        }
    }
    cache_unpin(fs, idx);
    return r;
}

int fs_tree_next(fs_t *fs, fs_key_t key, fs_key_t last, fs_key_t *found, uint8_t *val, size_t cap,
                 size_t *len)
{
    return next_in(fs, fs->root_block, fs->root_crc, fs->root_level, key, last, found, val, cap, len);
}

/* ---------- changes ---------- */

static bool needs_split(const uint8_t *b, size_t need)
{
    if (node_level(b) > 0)
        return node_count(b) >= FS_INTERNAL_MAX;
    return FS_NODE_SPACE - node_used(b) < need;
}

/* Loads child i of the dirty node pidx and makes it writable, updating the parent's pointer. */
static int child_cow(fs_t *fs, uint32_t pidx, uint32_t i, uint32_t *out)
{
    uint8_t *pb = fs->nodes[pidx].buf;
    uint32_t cidx;
    bool moved;
    int r = node_load(fs, entry_block(pb, i), entry_crc(pb, i), (uint8_t)(node_level(pb) - 1), &cidx,
                      NULL);
    if (r)
        return r;
    r = node_cow(fs, cidx, &moved);
    if (r) {
        cache_unpin(fs, cidx);
        return r;
    }
    if (moved)
        fs_put64(entry_at(pb, i) + FS_KEY_SIZE, fs->nodes[cidx].block);
    *out = cidx;
    return FS_OK;
}

/* The root, writable and pinned. */
static int root_cow(fs_t *fs, uint32_t *out)
{
    uint32_t idx;
    bool moved;
    int r = root_load(fs, &idx);
    if (r)
        return r;
    r = node_cow(fs, idx, &moved);
    if (r) {
        cache_unpin(fs, idx);
        return r;
    }
    fs->root_block = fs->nodes[idx].block;
    *out = idx;
    return FS_OK;
}

/* Splits the full child cidx (entry i of pidx) in two; the new right half is returned pinned. */
static int split_child(fs_t *fs, uint32_t pidx, uint32_t i, uint32_t cidx, uint32_t *out)
{
    uint8_t *cb = fs->nodes[cidx].buf;
    uint32_t sidx;
    int r = node_new(fs, node_level(cb), &sidx);
    if (r)
        return r;
    uint8_t *sb = fs->nodes[sidx].buf;
    uint32_t n = node_count(cb);
    if (node_level(cb) > 0) {
        uint32_t keep = n / 2;
        fs_memcpy(entry_at(sb, 0), entry_at(cb, keep), (n - keep) * FS_INTERNAL_ENTRY);
        fs_memset(entry_at(cb, keep), 0, (n - keep) * FS_INTERNAL_ENTRY);
        node_set_count(sb, (uint16_t)(n - keep));
        node_set_used(sb, (n - keep) * FS_INTERNAL_ENTRY);
        node_set_count(cb, (uint16_t)keep);
        node_set_used(cb, keep * FS_INTERNAL_ENTRY);
    } else {
        /* Split by bytes near the middle, keeping at least one item on each side. */
        uint32_t used = node_used(cb), p = FS_NODE_HDR, k = 0;
        while (k + 1 < n && (p - FS_NODE_HDR) + leaf_item_size(cb, p) <= used / 2) {
            p += leaf_item_size(cb, p);
            k++;
        }
        if (k == 0) {
            p += leaf_item_size(cb, p);
            k = 1;
        }
        uint32_t moved = FS_NODE_HDR + used - p;
        fs_memcpy(sb + FS_NODE_HDR, cb + p, moved);
        fs_memset(cb + p, 0, moved);
        node_set_count(sb, (uint16_t)(n - k));
        node_set_used(sb, moved);
        node_set_count(cb, (uint16_t)k);
        node_set_used(cb, p - FS_NODE_HDR);
    }
    fs_key_t first = node_level(sb) > 0 ? entry_key(sb, 0) : fs_key_get(sb + FS_NODE_HDR);
    internal_insert_at(fs->nodes[pidx].buf, i + 1, first, fs->nodes[sidx].block, 0);
    *out = sidx;
    return FS_OK;
}

/* A new root above the current one, when the current one is full. */
static int grow_root(fs_t *fs, uint32_t *root)
{
    uint8_t level = node_level(fs->nodes[*root].buf);
    if ((uint32_t)level + 1u >= FS_MAX_LEVELS)
        return FS_ENOSPC;
    uint32_t nidx;
    int r = node_new(fs, (uint8_t)(level + 1), &nidx);
    if (r)
        return r;
    fs_key_t zero = {0, 0, 0};
    internal_insert_at(fs->nodes[nidx].buf, 0, zero, fs->nodes[*root].block, 0);
    cache_unpin(fs, *root);
    fs->root_block = fs->nodes[nidx].block;
    fs->root_level = (uint8_t)(level + 1);
    *root = nidx;
    return FS_OK;
}

/* A failure half-way through a change leaves memory ahead of the disk: stop changing anything. */
static int fail(fs_t *fs, int r)
{
    fs->failed = true;
    return r;
}

int fs_tree_put(fs_t *fs, fs_key_t key, const uint8_t *val, size_t len)
{
    if (len > FS_VALUE_MAX)
        return FS_EINVAL;
    size_t need = FS_LEAF_ITEM_HDR + len;
    uint32_t idx;
    int r = root_cow(fs, &idx);
    if (r)
        return fail(fs, r);
    if (needs_split(fs->nodes[idx].buf, need)) {
        r = grow_root(fs, &idx);
        if (r) {
            cache_unpin(fs, idx);
            return fail(fs, r);
        }
    }
    fs->changed = true;
    while (node_level(fs->nodes[idx].buf) > 0) {
        uint8_t *b = fs->nodes[idx].buf;
        uint32_t i = child_index(b, key), cidx, sidx;
        if (i == 0 && fs_key_cmp(key, entry_key(b, 0)) < 0)
            fs_key_put(entry_at(b, 0), key);
        r = child_cow(fs, idx, i, &cidx);
        if (r)
            goto out;
        if (needs_split(fs->nodes[cidx].buf, need)) {
            r = split_child(fs, idx, i, cidx, &sidx);
            if (r) {
                cache_unpin(fs, cidx);
                goto out;
            }
            if (fs_key_cmp(key, entry_key(b, i + 1)) >= 0) {
                cache_unpin(fs, cidx);
                cidx = sidx;
            } else {
                cache_unpin(fs, sidx);
            }
        }
        cache_unpin(fs, idx);
        idx = cidx;
    }
    uint8_t *b = fs->nodes[idx].buf;
    bool found;
    uint32_t p = leaf_find(b, key, &found, NULL);
    if (found)
        leaf_remove_at(b, p);
    leaf_insert_at(b, p, key, val, len);
out:
    cache_unpin(fs, idx);
    return r ? fail(fs, r) : FS_OK;
}

/*
 * Merges the leaf at entry i of pidx with its right neighbour when both fit
 * in one block, so deletes do not leave a trail of nearly empty leaves.
 */
static int maybe_merge(fs_t *fs, uint32_t pidx, uint32_t i)
{
    uint8_t *pb = fs->nodes[pidx].buf;
    if (i + 1 >= node_count(pb))
        return FS_OK;
    uint32_t a, c;
    int r = child_cow(fs, pidx, i, &a);
    if (r)
        return r;
    r = child_cow(fs, pidx, i + 1, &c);
    if (r) {
        cache_unpin(fs, a);
        return r;
    }
    uint8_t *ab = fs->nodes[a].buf, *cb = fs->nodes[c].buf;
    if (node_level(ab) == 0 && node_used(ab) + node_used(cb) <= FS_NODE_SPACE) {
        fs_memcpy(ab + FS_NODE_HDR + node_used(ab), cb + FS_NODE_HDR, node_used(cb));
        node_set_used(ab, node_used(ab) + node_used(cb));
        node_set_count(ab, (uint16_t)(node_count(ab) + node_count(cb)));
        internal_remove_at(pb, i + 1);
        node_discard(fs, c);
    } else {
        cache_unpin(fs, c);
    }
    cache_unpin(fs, a);
    return FS_OK;
}

int fs_tree_delete(fs_t *fs, fs_key_t key)
{
    int r = fs_tree_lookup(fs, key, NULL, FS_VALUE_MAX, NULL);
    if (r)
        return r;
    uint32_t path[FS_MAX_LEVELS], pos[FS_MAX_LEVELS];
    uint32_t depth = 0, idx;
    r = root_cow(fs, &idx);
    if (r)
        return fail(fs, r);
    fs->changed = true;
    path[0] = idx;
    while (node_level(fs->nodes[idx].buf) > 0) {
        uint32_t i = child_index(fs->nodes[idx].buf, key), cidx;
        r = child_cow(fs, idx, i, &cidx);
        if (r)
            goto out;
        pos[depth] = i;
        path[++depth] = cidx;
        idx = cidx;
    }
    bool found;
    uint8_t *b = fs->nodes[idx].buf;
    uint32_t p = leaf_find(b, key, &found, NULL);
    if (found)
        leaf_remove_at(b, p);
    /* Remove nodes left empty, bottom up; the root may stay empty. */
    while (depth > 0 && node_count(fs->nodes[path[depth]].buf) == 0) {
        node_discard(fs, path[depth]);
        depth--;
        internal_remove_at(fs->nodes[path[depth]].buf, pos[depth]);
    }
    if (depth > 0 && node_level(fs->nodes[path[depth]].buf) == 0 &&
        node_used(fs->nodes[path[depth]].buf) < FS_NODE_SPACE / 4) {
        uint8_t *pb = fs->nodes[path[depth - 1]].buf;
        uint32_t i = pos[depth - 1];
        /* Merge with the right neighbour, or with the left one when this is the last child. */
        if (i + 1 < node_count(pb) || i > 0) {
            uint32_t left = i + 1 < node_count(pb) ? i : i - 1;
            cache_unpin(fs, path[depth]);
            depth--;
            r = maybe_merge(fs, path[depth], left);
            if (r)
                goto out;
        }
    }
out:
    for (uint32_t d = 0; d <= depth; d++)
        cache_unpin(fs, path[d]);
    if (r)
        return fail(fs, r);
    /* A root with a single child hands over to it. */
    for (;;) {
        r = root_load(fs, &idx);
        if (r)
            return fail(fs, r);
        uint8_t *rb = fs->nodes[idx].buf;
        if (node_level(rb) == 0 || node_count(rb) != 1) {
            cache_unpin(fs, idx);
            break;
        }
        fs->root_block = entry_block(rb, 0);
        fs->root_crc = entry_crc(rb, 0);
        fs->root_level = (uint8_t)(node_level(rb) - 1);
        node_discard(fs, idx);
    }
    return FS_OK;
}

/* ---------- commit ---------- */

static int write_dirty(fs_t *fs, uint32_t idx)
{
    fs_cnode_t *c = &fs->nodes[idx];
    uint8_t *b = c->buf;
    if (node_level(b) > 0) {
        for (uint32_t i = 0; i < node_count(b); i++) {
            uint32_t child = cache_find(fs, entry_block(b, i));
            if (child == FS_NONE || !fs->nodes[child].dirty)
                continue;
            int r = write_dirty(fs, child);
            if (r)
                return r;
            fs_put32(entry_at(b, i) + FS_KEY_SIZE + 8, fs->nodes[child].crc);
        }
    }
    fs_put64(b + 16, fs->generation + 1);
    c->crc = fs_node_crc(b);
    fs_put32(b + 4, c->crc);
    if (fs->dev.write(fs->dev.ctx, c->block, 1, b))
        return FS_EIO;
    c->dirty = false;
    fs->dirty_nodes--;
    return FS_OK;
}

static void sb_encode(const fs_t *fs, uint64_t generation, uint8_t *sb)
{
    fs_memset(sb, 0, FS_BLOCK_SIZE);
    fs_put64(sb, FS_SB_MAGIC);
    fs_put32(sb + 8, FS_SB_VERSION);
    fs_put32(sb + 12, FS_BLOCK_SIZE);
    fs_put64(sb + 16, fs->nblocks);
    fs_put64(sb + 24, generation);
    fs_put64(sb + 32, fs->root_block);
    fs_put32(sb + 40, fs->root_crc);
    sb[44] = fs->root_level;
    fs_put64(sb + 48, fs->seed);
    fs_put64(sb + 56, fs->next_ino);
    fs_put64(sb + 64, fs->used_count);
    fs_put64(sb + 72, fs->inodes);
    fs_put32(sb + FS_SB_CRC_OFF, fs_sb_crc(sb));
}

int fs_sb_decode(const uint8_t *sb, uint64_t dev_blocks, struct fs *out, const char **why)
{
    if (fs_get64(sb) != FS_SB_MAGIC) {
        *why = "no filesystem signature";
        return FS_EINVAL;
    }
    if (fs_get32(sb + FS_SB_CRC_OFF) != fs_sb_crc(sb)) {
        *why = "superblock checksum mismatch";
        return FS_EIO;
    }
    if (fs_get32(sb + 8) != FS_SB_VERSION || fs_get32(sb + 12) != FS_BLOCK_SIZE) {
        *why = "unsupported version or block size";
        return FS_EINVAL;
    }
    uint64_t n = fs_get64(sb + 16);
    if (n < FS_MIN_BLOCKS || n > dev_blocks) {
        *why = "filesystem is larger than the device";
        return FS_EINVAL;
    }
    out->nblocks = n;
    out->generation = fs_get64(sb + 24);
    out->root_block = fs_get64(sb + 32);
    out->root_crc = fs_get32(sb + 40);
    out->root_level = sb[44];
    out->seed = fs_get64(sb + 48);
    out->next_ino = fs_get64(sb + 56);
    out->used_count = fs_get64(sb + 64);
    out->inodes = fs_get64(sb + 72);
    if (out->root_block < FS_FIRST_BLOCK || out->root_block >= n || out->root_level >= FS_MAX_LEVELS ||
        out->next_ino <= FS_ROOT_INO || out->used_count > n) {
        *why = "superblock fields out of range";
        return FS_EUCLEAN;
    }
    return FS_OK;
}

int fs_commit(fs_t *fs)
{
    if (fs->failed)
        return FS_EIO;
    if (!fs->changed)
        return FS_OK;
    int r = FS_OK;
    uint32_t root = cache_find(fs, fs->root_block);
    if (root != FS_NONE && fs->nodes[root].dirty) {
        r = write_dirty(fs, root);
        if (r)
            return fail(fs, r);
        fs->root_crc = fs->nodes[root].crc;
    }
    if (fs->dirty_nodes != 0) /* a dirty node the root cannot reach would be a bug */
        return fail(fs, FS_EUCLEAN);
    if (fs->dev.flush(fs->dev.ctx))
        return fail(fs, FS_EIO);
    uint8_t *sb = fs->scratch;
    sb_encode(fs, fs->generation + 1, sb);
    if (fs->dev.write(fs->dev.ctx, (fs->generation + 1) % 2, 1, sb))
        return fail(fs, FS_EIO);
    if (fs->opts.on_commit)
        fs->opts.on_commit(fs->opts.on_commit_ctx, fs->generation + 1);
    if (fs->dev.flush(fs->dev.ctx))
        return fail(fs, FS_EIO);
    fs->generation++;
    fs_memcpy(fs->durable, fs->used, ((fs->nblocks + 63) / 64) * 8);
    fs->pending_count = 0;
    fs->changed = false;
    return FS_OK;
}

int fs_begin_change(fs_t *fs, uint64_t blocks, uint32_t tree_ops, bool frees_space)
{
    if (fs->opts.read_only)
        return FS_EROFS;
    if (fs->failed)
        return FS_EIO;
    /* Each tree change copies one path and may split a node on every level. */
    uint64_t meta = (uint64_t)tree_ops * (2u * (fs->root_level + 2u) + 1u);
    uint64_t headroom = 2u * FS_MAX_LEVELS + 8u;
    if (fs->dirty_nodes + meta + headroom > fs->ncache ||
        (fs->opts.dirty_limit && fs->dirty_nodes >= fs->opts.dirty_limit)) {
        int r = fs_commit(fs);
        if (r)
            return r;
        if (meta + headroom > fs->ncache)
            return FS_ENOMEM;
    }
    /* Space only deletes may use, so a full filesystem can always be emptied. */
    uint64_t reserve = fs->nblocks / 32 + 32;
    if (reserve > 8192)
        reserve = 8192;
    if (frees_space)
        reserve = 0;
    if (fs_blocks_available(fs) < blocks + meta + reserve && fs->pending_count) {
        int r = fs_commit(fs);
        if (r)
            return r;
    }
    if (fs_blocks_available(fs) < blocks + meta + reserve)
        return FS_ENOSPC;
    return FS_OK;
}

/* ---------- items ---------- */

const char *fs_item_check(const fs_t *fs, fs_key_t key, const uint8_t *val, size_t len)
{
    switch (key.type) {
    case FS_KEY_INODE: {
        if (key.off != 0 || len != FS_INODE_SIZE)
            return "inode item has a bad key or size";
        fs_inode_t in;
        fs_inode_decode(val, &in);
        if (in.type != FS_TYPE_FILE && in.type != FS_TYPE_DIR)
            return "inode has an unknown type";
        if (in.type == FS_TYPE_FILE && in.size > FS_MAX_FILE_SIZE)
            return "file size beyond the format's limit";
        if (key.id == 0 || key.id >= fs->next_ino)
            return "inode number beyond the superblock's next inode";
        return NULL;
    }
    case FS_KEY_DIRENT: {
        if (len < FS_DIRENT_HDR + 1 || len != FS_DIRENT_HDR + (size_t)val[9])
            return "directory entry has a bad size";
        uint64_t child = fs_get64(val);
        if (child == 0 || child >= fs->next_ino || child == FS_ROOT_INO)
            return "directory entry names an impossible inode";
        if (val[8] != FS_TYPE_FILE && val[8] != FS_TYPE_DIR)
            return "directory entry has an unknown type";
        if (!fs_name_valid((const char *)val + FS_DIRENT_HDR, val[9]))
            return "directory entry name is not a valid name";
        if ((key.off >> 4) != fs_name_hash(fs->seed, (const char *)val + FS_DIRENT_HDR, val[9]))
            return "directory entry is filed under the wrong hash";
        return NULL;
    }
    case FS_KEY_CHUNK: {
        if (len != FS_CHUNK_SIZE)
            return "file chunk has a bad size";
        if (key.off >= FS_MAX_FILE_SIZE / (FS_BLOCK_SIZE * FS_CHUNK_BLOCKS))
            return "file chunk beyond the format's limit";
        for (uint32_t i = 0; i < FS_CHUNK_BLOCKS; i++) {
            uint64_t b = fs_get64(val + i * FS_CHUNK_SLOT);
            if (b != 0 && (b < FS_FIRST_BLOCK || b >= fs->nblocks))
                return "file chunk points outside the device";
        }
        return NULL;
    }
    default:
        return "item of unknown type";
    }
}

/* ---------- mount ---------- */

typedef struct {
    fs_t *fs;
    char *err;
    size_t err_len;
    uint64_t inodes;
    fs_inode_t cur; /* the last inode seen; items come in key order */
    uint64_t cur_ino;
} walk_t;

static int mark_used(walk_t *w, uint64_t block, const char *what)
{
    fs_t *fs = w->fs;
    if (block < FS_FIRST_BLOCK || block >= fs->nblocks) {
        set_err(w->err, w->err_len, what, block, " is outside the filesystem");
        return FS_EUCLEAN;
    }
    if (fs_bit(fs->used, block)) {
        set_err(w->err, w->err_len, what, block, " is referenced twice");
        return FS_EUCLEAN;
    }
    fs_bit_set(fs->used, block);
    fs->used_count++;
    return FS_OK;
}

static int walk(walk_t *w, uint64_t block, uint32_t crc, uint8_t level, fs_key_t lo, bool has_hi,
                fs_key_t hi)
{
    fs_t *fs = w->fs;
    int r = mark_used(w, block, "metadata block ");
    if (r)
        return r;
    uint32_t idx;
    const char *why = "unreadable";
    r = node_load(fs, block, crc, level, &idx, &why);
    if (r) {
        set_err(w->err, w->err_len, "metadata block ", block, ": ");
        if (w->err) {
            size_t at = 0;
            while (at < w->err_len && w->err[at])
                at++;
            put_str(w->err, w->err_len, at, why);
        }
        return r == FS_ENOMEM ? r : FS_EUCLEAN;
    }
    const uint8_t *b = fs->nodes[idx].buf;
    uint32_t n = node_count(b);
    if (level > 0) {
        for (uint32_t i = 0; i < n && !r; i++) {
            fs_key_t k = entry_key(b, i);
            bool last = i + 1 == n;
            if ((i > 0 && fs_key_cmp(k, lo) < 0) || (has_hi && fs_key_cmp(k, hi) >= 0)) {
                set_err(w->err, w->err_len, "metadata block ", block, ": key outside its parent's range");
                r = FS_EUCLEAN;
                break;
            }
            r = walk(w, entry_block(b, i), entry_crc(b, i), (uint8_t)(level - 1), i ? k : lo,
                     last ? has_hi : true, last ? hi : entry_key(b, i + 1));
        }
    } else {
        uint32_t p = FS_NODE_HDR;
        for (uint32_t i = 0; i < n && !r; i++) {
            fs_key_t k = fs_key_get(b + p);
            uint32_t len = fs_get16(b + p + FS_KEY_SIZE);
            const uint8_t *v = b + p + FS_LEAF_ITEM_HDR;
            const char *bad = fs_item_check(fs, k, v, len);
            if (!bad && (fs_key_cmp(k, lo) < 0 || (has_hi && fs_key_cmp(k, hi) >= 0)))
                bad = "key outside its parent's range";
            if (bad) {
                set_err(w->err, w->err_len, "metadata block ", block, ": ");
                size_t at = 0;
                while (w->err && at < w->err_len && w->err[at])
                    at++;
                if (w->err)
                    put_str(w->err, w->err_len, at, bad);
                r = FS_EUCLEAN;
                break;
            }
            if (k.type == FS_KEY_INODE) {
                w->inodes++;
                fs_inode_decode(v, &w->cur);
                w->cur_ino = k.id;
                if (w->cur.type == FS_TYPE_FILE && w->cur.nlink == 0)
                    fs->needs_cleanup = true;
            }
            if (k.type == FS_KEY_CHUNK && k.id == w->cur_ino &&
                k.off * FS_CHUNK_BLOCKS * FS_BLOCK_SIZE >= w->cur.size)
                fs->needs_cleanup = true;
            if (k.type == FS_KEY_CHUNK)
                for (uint32_t s = 0; s < FS_CHUNK_BLOCKS && !r; s++) {
                    uint64_t db = fs_get64(v + s * FS_CHUNK_SLOT);
                    if (db)
                        r = mark_used(w, db, "data block ");
                }
            p += FS_LEAF_ITEM_HDR + len;
        }
    }
    cache_unpin(fs, idx);
    return r;
}

size_t fs_arena_size(uint64_t block_count, uint32_t cache_nodes)
{
    if (cache_nodes == 0)
        cache_nodes = FS_DEFAULT_CACHE_NODES;
    if (cache_nodes < FS_MIN_CACHE_NODES || block_count < FS_MIN_BLOCKS || block_count > (1ull << 40))
        return 0;
    uint64_t words = (block_count + 63) / 64;
    uint64_t size = 64 + sizeof(fs_t) + (uint64_t)cache_nodes * (sizeof(fs_cnode_t) + 4) + 64 +
                    2 * words * 8 + ((uint64_t)cache_nodes + FS_SCRATCH_BLOCKS) * FS_BLOCK_SIZE +
                    FS_BLOCK_SIZE + 4 * FS_BLOCK_SIZE /* alignment */;
    return size > SIZE_MAX ? 0 : (size_t)size;
}

static uint8_t *carve(uint8_t **cur, size_t bytes, size_t align)
{
    uintptr_t p = ((uintptr_t)*cur + align - 1) & ~(uintptr_t)(align - 1);
    *cur = (uint8_t *)(p + bytes);
    return (uint8_t *)p;
}

int fs_mount(fs_t **out, const fs_blockdev_t *dev, const fs_mount_opts_t *opts, void *arena,
             size_t arena_size, char *err, size_t err_len)
{
    static const fs_mount_opts_t defaults;
    if (!opts)
        opts = &defaults;
    uint32_t cache_nodes = opts->cache_nodes ? opts->cache_nodes : FS_DEFAULT_CACHE_NODES;
    if (err && err_len)
        err[0] = 0;
    if (dev->block_count < FS_MIN_BLOCKS) {
        set_err(err, err_len, "device too small", UINT64_MAX, "");
        return FS_EINVAL;
    }
    size_t need = fs_arena_size(dev->block_count, cache_nodes);
    if (need == 0 || arena_size < need) {
        set_err(err, err_len, "arena too small for this device and cache size", UINT64_MAX, "");
        return FS_ENOMEM;
    }
    uint8_t *cur = arena;
    fs_t *fs = (fs_t *)carve(&cur, sizeof(fs_t), 64);
    fs_memset(fs, 0, sizeof *fs);
    fs->dev = *dev;
    fs->opts = *opts;
    fs->ncache = cache_nodes;

    /* Pick the newest superblock whose checksum and fields hold. */
    uint8_t *sbuf = carve(&cur, FS_BLOCK_SIZE, FS_BLOCK_SIZE);
    fs_t best, cand;
    bool have = false;
    fs_memset(&best, 0, sizeof best);
    fs_memset(&cand, 0, sizeof cand);
    const char *why = "no superblock";
    for (uint64_t slot = 0; slot < 2; slot++) {
        const char *w2 = NULL;
        if (dev->read(dev->ctx, slot, 1, sbuf)) {
            why = "device read failed";
            continue;
        }
        if (fs_sb_decode(sbuf, dev->block_count, &cand, &w2) == FS_OK) {
            if (cand.generation % 2 != slot) {
                w2 = "superblock in the wrong slot for its generation";
            } else if (!have || cand.generation > best.generation) {
                best = cand;
                have = true;
            }
        }
        if (w2 && !have)
            why = w2;
    }
    if (!have) {
        set_err(err, err_len, "no valid superblock: ", UINT64_MAX, why);
        return FS_EINVAL;
    }
    fs->nblocks = best.nblocks;
    fs->generation = best.generation;
    fs->root_block = best.root_block;
    fs->root_crc = best.root_crc;
    fs->root_level = best.root_level;
    fs->seed = best.seed;
    fs->next_ino = best.next_ino;
    fs->inodes = best.inodes;

    fs->nodes = (fs_cnode_t *)carve(&cur, cache_nodes * sizeof(fs_cnode_t), 64);
    fs->buckets = (uint32_t *)carve(&cur, cache_nodes * 4, 64);
    uint64_t words = (fs->nblocks + 63) / 64;
    fs->used = (uint64_t *)carve(&cur, words * 8, 8);
    fs->durable = (uint64_t *)carve(&cur, words * 8, 8);
    uint8_t *bufs = carve(&cur, (size_t)cache_nodes * FS_BLOCK_SIZE, FS_BLOCK_SIZE);
    fs->scratch = carve(&cur, FS_SCRATCH_BLOCKS * FS_BLOCK_SIZE, FS_BLOCK_SIZE);
    for (uint32_t i = 0; i < cache_nodes; i++) {
        fs->nodes[i] = (fs_cnode_t){0, 0, FS_NONE, 0, false, bufs + (size_t)i * FS_BLOCK_SIZE};
        fs->buckets[i] = FS_NONE;
    }
    fs_memset(fs->used, 0, words * 8);
    /* The superblocks and the bits past the end are never allocatable. */
    fs_bit_set(fs->used, 0);
    fs_bit_set(fs->used, 1);
    for (uint64_t b = fs->nblocks; b < words * 64; b++)
        fs_bit_set(fs->used, b);
    fs->used_count = 2;
    fs->alloc_cursor = FS_FIRST_BLOCK;

    walk_t w;
    fs_memset(&w, 0, sizeof w);
    w.fs = fs;
    w.err = err;
    w.err_len = err_len;
    fs_key_t zero = {0, 0, 0};
    int r = walk(&w, fs->root_block, fs->root_crc, fs->root_level, zero, false, zero);
    if (r)
        return r;
    fs_inode_t root;
    uint8_t v[FS_INODE_SIZE];
    fs_key_t rk = {FS_ROOT_INO, FS_KEY_INODE, 0};
    size_t vlen = 0;
    if (fs_tree_lookup(fs, rk, v, sizeof v, &vlen) != FS_OK) {
        set_err(err, err_len, "the root directory is missing", UINT64_MAX, "");
        return FS_EUCLEAN;
    }
    fs_inode_decode(v, &root);
    if (root.type != FS_TYPE_DIR) {
        set_err(err, err_len, "the root is not a directory", UINT64_MAX, "");
        return FS_EUCLEAN;
    }
    fs->inodes = w.inodes;
    /* used_count counts real blocks only; the tail bits past the end stay set. */
    fs_memcpy(fs->durable, fs->used, words * 8);
    if (fs->needs_cleanup && !opts->read_only) {
        r = fs_finish_orphans(fs);
        if (r) {
            set_err(err, err_len, "could not finish an interrupted delete", UINT64_MAX, "");
            return r;
        }
    }
    *out = fs;
    return FS_OK;
}

int fs_mkfs(const fs_blockdev_t *dev, uint64_t seed)
{
    static uint8_t block[FS_BLOCK_SIZE];
    if (dev->block_count < FS_MIN_BLOCKS)
        return FS_EINVAL;
    /* The root directory, alone in a leaf at block 2. */
    fs_t fs;
    fs_memset(&fs, 0, sizeof fs);
    fs.nblocks = dev->block_count;
    fs.seed = seed;
    fs.next_ino = FS_ROOT_INO + 1;
    fs.inodes = 1;
    fs.root_block = FS_FIRST_BLOCK;
    fs.root_level = 0;
    fs.used_count = 3;
    fs_memset(block, 0, sizeof block);
    fs_put32(block, FS_NODE_MAGIC);
    fs_put64(block + 8, FS_FIRST_BLOCK);
    fs_put64(block + 16, 1);
    fs_put64(block + 24, seed);
    uint8_t v[FS_INODE_SIZE];
    fs_inode_t root = {FS_TYPE_DIR, 2, 0, FS_ROOT_INO, 0, 0, 0};
    fs_inode_encode(v, &root);
    fs_key_t k = {FS_ROOT_INO, FS_KEY_INODE, 0};
    leaf_insert_at(block, FS_NODE_HDR, k, v, sizeof v);
    fs.root_crc = fs_node_crc(block);
    fs_put32(block + 4, fs.root_crc);
    if (dev->write(dev->ctx, FS_FIRST_BLOCK, 1, block))
        return FS_EIO;
    /* Slot 0 is cleared first, so an older filesystem's superblock cannot win. */
    fs_memset(block, 0, sizeof block);
    if (dev->write(dev->ctx, 0, 1, block) || dev->flush(dev->ctx))
        return FS_EIO;
    sb_encode(&fs, 1, block);
    if (dev->write(dev->ctx, 1, 1, block) || dev->flush(dev->ctx))
        return FS_EIO;
    return FS_OK;
}
