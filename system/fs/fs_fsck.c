/*
 * fsck: checks an image from its bytes alone and reports every problem.
 *
 * Pass 1 walks the tree from the newest valid superblock, checking each node
 * (checksum against its parent's record, magic, self address, seed, level,
 * item shape, key ranges) and collecting every leaf item in key order; a
 * damaged node is reported and its subtree skipped. Every block may be
 * referenced once only. Pass 2 reads every data block against its crc.
 * Pass 3 checks the items against each other.
 *
 * The checker never trusts a length or index from the image before checking
 * it, and never changes the image.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system/fs/fs_fsck.h"
#include "system/fs/fs_internal.h"

typedef struct {
    fs_key_t key;
    uint16_t len;
    uint8_t val[FS_VALUE_MAX];
} item_t;

typedef struct {
    const fs_blockdev_t *dev;
    fs_fsck_report_fn report;
    void *ctx;
    fs_fsck_result_t *res;
    fs_t fs; /* only the superblock fields, for fs_item_check */
    uint64_t *owner; /* bitmap of referenced blocks */
    item_t *items;
    size_t nitems, cap;
    uint8_t *buf;
    bool oom;
} ck_t;

static void say(ck_t *c, bool problem, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (problem)
        c->res->problems++;
    else
        c->res->notes++;
    if (c->report)
        c->report(c->ctx, problem, msg);
}

static bool claim(ck_t *c, uint64_t block, const char *what, uint64_t from)
{
    if (block < FS_FIRST_BLOCK || block >= c->fs.nblocks) {
        say(c, true, "%s %llu (referenced from block %llu) lies outside the filesystem", what,
            (unsigned long long)block, (unsigned long long)from);
        return false;
    }
    if (fs_bit(c->owner, block)) {
        say(c, true, "%s %llu (referenced from block %llu) is already in use elsewhere", what,
            (unsigned long long)block, (unsigned long long)from);
        return false;
    }
    fs_bit_set(c->owner, block);
    return true;
}

static void add_item(ck_t *c, fs_key_t k, const uint8_t *v, uint16_t len)
{
    if (c->nitems == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 1024;
        item_t *n = realloc(c->items, ncap * sizeof *n);
        if (!n) {
            c->oom = true;
            return;
        }
        c->items = n;
        c->cap = ncap;
    }
    item_t *it = &c->items[c->nitems++];
    it->key = k;
    it->len = len;
    memcpy(it->val, v, len);
}

static void walk(ck_t *c, uint64_t block, uint32_t crc, uint8_t level, fs_key_t lo, bool has_hi,
                 fs_key_t hi, uint64_t from)
{
    if (!claim(c, block, "metadata block", from))
        return;
    uint8_t *b = malloc(FS_BLOCK_SIZE);
    if (!b) {
        c->oom = true;
        return;
    }
    if (c->dev->read(c->dev->ctx, block, 1, b)) {
        say(c, true, "metadata block %llu: cannot be read", (unsigned long long)block);
        goto out;
    }
    const char *why = fs_node_check(b, block, c->fs.seed, crc, level);
    if (why) {
        say(c, true, "metadata block %llu (level %u, referenced from block %llu): %s; its subtree is skipped",
            (unsigned long long)block, level, (unsigned long long)from, why);
        goto out;
    }
    c->res->nodes++;
    uint32_t n = fs_get16(b + 32);
    if (level > 0) {
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *e = b + FS_NODE_HDR + i * FS_INTERNAL_ENTRY;
            fs_key_t k = fs_key_get(e);
            fs_key_t next = hi;
            bool next_has = has_hi;
            if (i + 1 < n) {
                next = fs_key_get(e + FS_INTERNAL_ENTRY);
                next_has = true;
            }
            if ((i > 0 && fs_key_cmp(k, lo) < 0) || (has_hi && fs_key_cmp(k, hi) >= 0)) {
                say(c, true, "metadata block %llu: entry %u has a key outside the range its parent gives",
                    (unsigned long long)block, i);
                continue;
            }
            walk(c, fs_get64(e + FS_KEY_SIZE), fs_get32(e + FS_KEY_SIZE + 8), (uint8_t)(level - 1),
                 i ? k : lo, next_has, next, block);
        }
        goto out;
    }
    uint32_t p = FS_NODE_HDR;
    for (uint32_t i = 0; i < n; i++) {
        fs_key_t k = fs_key_get(b + p);
        uint16_t len = fs_get16(b + p + FS_KEY_SIZE);
        const uint8_t *v = b + p + FS_LEAF_ITEM_HDR;
        const char *bad = fs_item_check(&c->fs, k, v, len);
        if (!bad && (fs_key_cmp(k, lo) < 0 || (has_hi && fs_key_cmp(k, hi) >= 0)))
            bad = "key outside the range its parent gives";
        if (bad)
            say(c, true, "metadata block %llu, item %u (object %llu, type %u, offset %llu): %s",
                (unsigned long long)block, i, (unsigned long long)k.id, k.type,
                (unsigned long long)k.off, bad);
        else
            add_item(c, k, v, len);
        p += FS_LEAF_ITEM_HDR + len;
    }
out:
    free(b);
}

typedef struct {
    uint64_t ino;
    fs_inode_t in;
    uint64_t refs;      /* names that point here */
    uint64_t subdirs;
    uint64_t entries;
    uint64_t blocks;
    uint64_t ref_parent; /* the directory whose entry names it */
    bool reachable;
} ino_info_t;

static ino_info_t *ino_find(ino_info_t *tab, size_t n, uint64_t ino)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (tab[mid].ino == ino)
            return &tab[mid];
        if (tab[mid].ino < ino)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void check_data(ck_t *c, ino_info_t *ii, const item_t *it)
{
    for (uint32_t s = 0; s < FS_CHUNK_BLOCKS; s++) {
        uint64_t db = fs_get64(it->val + s * FS_CHUNK_SLOT);
        uint32_t crc = fs_get32(it->val + s * FS_CHUNK_SLOT + 8);
        uint64_t fblock = it->key.off * FS_CHUNK_BLOCKS + s;
        uint64_t foff = fblock * FS_BLOCK_SIZE;
        if (!db)
            continue;
        if (ii)
            ii->blocks++;
        if (!claim(c, db, "data block", 0))
            continue;
        c->res->data_blocks++;
        if (c->dev->read(c->dev->ctx, db, 1, c->buf)) {
            say(c, true, "inode %llu: data block %llu (file offset %llu) cannot be read",
                (unsigned long long)it->key.id, (unsigned long long)db,
                (unsigned long long)foff);
            continue;
        }
        uint32_t got = fs_crc32c(0, c->buf, FS_BLOCK_SIZE);
        if (got != crc) {
            say(c, true,
                "inode %llu: data block %llu (file offset %llu) checksum mismatch: recorded %08x, contents give %08x",
                (unsigned long long)it->key.id, (unsigned long long)db,
                (unsigned long long)foff, crc, got);
            continue;
        }
        if (ii && ii->in.type == FS_TYPE_FILE && ii->in.nlink) {
            uint64_t start = fblock * FS_BLOCK_SIZE;
            if (start < ii->in.size && ii->in.size - start < FS_BLOCK_SIZE) {
                uint64_t keep = ii->in.size - start;
                for (uint64_t i = keep; i < FS_BLOCK_SIZE; i++)
                    if (c->buf[i]) {
                        say(c, true, "inode %llu: bytes past the end of the file are not zero in block %llu",
                            (unsigned long long)it->key.id, (unsigned long long)db);
                        break;
                    }
            }
        }
    }
}

static void check_items(ck_t *c)
{
    /* Inodes first, then names and chunks against them. */
    size_t ninodes = 0;
    for (size_t i = 0; i < c->nitems; i++)
        ninodes += c->items[i].key.type == FS_KEY_INODE;
    ino_info_t *tab = calloc(ninodes ? ninodes : 1, sizeof *tab);
    if (!tab) {
        c->oom = true;
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->nitems; i++)
        if (c->items[i].key.type == FS_KEY_INODE) {
            tab[n].ino = c->items[i].key.id;
            fs_inode_decode(c->items[i].val, &tab[n].in);
            n++;
        }
    c->res->inodes = n;
    ino_info_t *root = ino_find(tab, n, FS_ROOT_INO);
    if (!root)
        say(c, true, "the root directory (inode 1) is missing");
    else if (root->in.type != FS_TYPE_DIR)
        say(c, true, "the root (inode 1) is not a directory");

    for (size_t i = 0; i < c->nitems; i++) {
        const item_t *it = &c->items[i];
        ino_info_t *owner = ino_find(tab, n, it->key.id);
        if (it->key.type == FS_KEY_INODE)
            continue;
        if (!owner) {
            say(c, true, "%s item (object %llu, offset %llu) belongs to no inode",
                it->key.type == FS_KEY_DIRENT ? "directory entry" : "file chunk",
                (unsigned long long)it->key.id, (unsigned long long)it->key.off);
            if (it->key.type == FS_KEY_CHUNK)
                check_data(c, NULL, it);
            continue;
        }
        if (it->key.type == FS_KEY_CHUNK) {
            if (owner->in.type != FS_TYPE_FILE)
                say(c, true, "directory %llu has file data", (unsigned long long)owner->ino);
            uint64_t chunk_bytes = (uint64_t)FS_CHUNK_BLOCKS * FS_BLOCK_SIZE;
            uint64_t coff = it->key.off * chunk_bytes;
            if (coff >= owner->in.size) {
                if (owner->in.nlink == 0)
                    ; /* the whole file is being deleted */
                else
                    say(c, false, "inode %llu: data past its end (offset %llu, size %llu): a truncate was cut short; mount finishes it",
                        (unsigned long long)owner->ino, (unsigned long long)coff,
                        (unsigned long long)owner->in.size);
            }
            check_data(c, owner, it);
            continue;
        }
        /* A directory entry. */
        uint64_t child = fs_get64(it->val);
        uint8_t type = it->val[8];
        int name_len = it->val[9];
        const char *name = (const char *)it->val + FS_DIRENT_HDR;
        if (owner->in.type != FS_TYPE_DIR) {
            say(c, true, "file %llu has a directory entry \"%.*s\"", (unsigned long long)owner->ino,
                name_len, name);
            continue;
        }
        owner->entries++;
        ino_info_t *ci = ino_find(tab, n, child);
        if (!ci) {
            say(c, true, "directory %llu: entry \"%.*s\" names inode %llu, which does not exist",
                (unsigned long long)owner->ino, name_len, name, (unsigned long long)child);
            continue;
        }
        if (ci->in.type != type)
            say(c, true, "directory %llu: entry \"%.*s\" gives a type that inode %llu does not have",
                (unsigned long long)owner->ino, name_len, name, (unsigned long long)child);
        ci->refs++;
        ci->ref_parent = owner->ino;
        if (ci->in.type == FS_TYPE_DIR) {
            owner->subdirs++;
            if (ci->in.parent != owner->ino)
                say(c, true, "directory %llu (\"%.*s\") records parent %llu but is listed in %llu",
                    (unsigned long long)child, name_len, name, (unsigned long long)ci->in.parent,
                    (unsigned long long)owner->ino);
        }
    }

    /* Reachability from the root, following names. */
    if (root) {
        root->reachable = true;
        bool grew = true;
        while (grew) {
            grew = false;
            for (size_t i = 0; i < c->nitems; i++) {
                const item_t *it = &c->items[i];
                if (it->key.type != FS_KEY_DIRENT)
                    continue;
                ino_info_t *d = ino_find(tab, n, it->key.id);
                ino_info_t *ci = ino_find(tab, n, fs_get64(it->val));
                if (d && d->reachable && ci && !ci->reachable) {
                    ci->reachable = true;
                    grew = true;
                }
            }
        }
    }

    for (size_t i = 0; i < n; i++) {
        ino_info_t *ii = &tab[i];
        unsigned long long ino = (unsigned long long)ii->ino;
        if (ii->in.type == FS_TYPE_DIR) {
            c->res->dirs++;
            if (ii->in.count != ii->entries)
                say(c, true, "directory %llu records %llu entries but has %llu", ino,
                    (unsigned long long)ii->in.count, (unsigned long long)ii->entries);
            uint64_t links = 2 + ii->subdirs;
            if (ii->in.nlink != links)
                say(c, true, "directory %llu records %u links but should have %llu", ino, ii->in.nlink,
                    (unsigned long long)links);
        } else {
            c->res->files++;
            if (ii->in.count != ii->blocks)
                say(c, true, "file %llu records %llu data blocks but has %llu", ino,
                    (unsigned long long)ii->in.count, (unsigned long long)ii->blocks);
        }
        if (ii->ino == FS_ROOT_INO) {
            if (ii->refs)
                say(c, true, "the root directory is named by a directory entry");
            if (ii->in.parent != FS_ROOT_INO)
                say(c, true, "the root directory's parent is not itself");
            continue;
        }
        if (ii->in.type == FS_TYPE_FILE && ii->in.nlink == 0) {
            if (ii->refs)
                say(c, true, "file %llu has no links recorded but is named in directory %llu", ino,
                    (unsigned long long)ii->ref_parent);
            else
                say(c, false, "file %llu is being deleted (a power cut interrupted it); mount finishes it", ino);
            continue;
        }
        if (ii->refs == 0)
            say(c, true, "inode %llu is not named by any directory (lost)", ino);
        else if (ii->refs > 1)
            say(c, true, "inode %llu is named %llu times", ino, (unsigned long long)ii->refs);
        else if (!ii->reachable)
            say(c, true, "inode %llu cannot be reached from the root (directory cycle)", ino);
        if (ii->in.type == FS_TYPE_FILE && ii->in.nlink != 1)
            say(c, true, "file %llu records %u links but has 1", ino, ii->in.nlink);
    }
    free(tab);
}

int fs_fsck(const fs_blockdev_t *dev, fs_fsck_report_fn report, void *ctx, fs_fsck_result_t *result)
{
    ck_t c;
    memset(&c, 0, sizeof c);
    memset(result, 0, sizeof *result);
    c.dev = dev;
    c.report = report;
    c.ctx = ctx;
    c.res = result;
    c.buf = malloc(FS_BLOCK_SIZE);
    if (!c.buf)
        return FS_ENOMEM;

    bool have = false;
    for (uint64_t slot = 0; slot < 2; slot++) {
        fs_t cand;
        const char *why = NULL;
        memset(&cand, 0, sizeof cand);
        if (dev->block_count < FS_MIN_BLOCKS || dev->read(dev->ctx, slot, 1, c.buf)) {
            say(&c, false, "superblock %llu cannot be read", (unsigned long long)slot);
            continue;
        }
        if (fs_sb_decode(c.buf, dev->block_count, &cand, &why) != FS_OK) {
            say(&c, false, "superblock %llu is not usable: %s", (unsigned long long)slot, why);
            continue;
        }
        if (cand.generation % 2 != slot) {
            say(&c, false, "superblock %llu holds generation %llu, which belongs in the other slot",
                (unsigned long long)slot, (unsigned long long)cand.generation);
            continue;
        }
        if (!have || cand.generation > c.fs.generation) {
            if (have && cand.seed != c.fs.seed)
                say(&c, false, "the two superblocks belong to different filesystems; using the newer");
            c.fs = cand;
            have = true;
        }
    }
    if (!have) {
        say(&c, true, "no valid superblock: this is not a substrate filesystem, or both superblocks are damaged");
        free(c.buf);
        return FS_EUCLEAN;
    }
    result->generation = c.fs.generation;
    uint64_t words = (c.fs.nblocks + 63) / 64;
    c.owner = calloc(words, 8);
    if (!c.owner) {
        free(c.buf);
        return FS_ENOMEM;
    }
    fs_key_t zero = {0, 0, 0};
    walk(&c, c.fs.root_block, c.fs.root_crc, c.fs.root_level, zero, false, zero, 0);
    if (!c.oom)
        check_items(&c);
    if (c.oom) {
        say(&c, true, "out of memory while checking");
    } else {
        uint64_t used = 2;
        for (uint64_t b = FS_FIRST_BLOCK; b < c.fs.nblocks; b++)
            used += fs_bit(c.owner, b);
        if (used != c.fs.used_count)
            say(&c, true, "superblock counts %llu blocks in use, the tree references %llu",
                (unsigned long long)c.fs.used_count, (unsigned long long)used);
        if (result->inodes != c.fs.inodes)
            say(&c, true, "superblock counts %llu inodes, the tree holds %llu",
                (unsigned long long)c.fs.inodes, (unsigned long long)result->inodes);
    }
    free(c.owner);
    free(c.items);
    free(c.buf);
    return result->problems ? FS_EUCLEAN : FS_OK;
}
