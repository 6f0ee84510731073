/*
 * MBR and GPT parsing for the block virtualiser.
 *
 * Owns: turning the first bytes of a disk into a list of sector ranges.
 * Invariants: every range it returns lies inside the disk (and, for GPT,
 * inside the header's usable area), is non-empty, and overlaps no other.
 * Must never: read outside `buf`, trust a length or count from the disk
 * before checking it, or return a partial table.
 *
 * Little-endian fields are assembled byte by byte, so the code makes no
 * assumption about the alignment of `buf`.
 */
#include "system/virt/blk_partition.h"

#include <string.h>

#define SECTOR 512u
#define MBR_SIGNATURE_OFFSET 510u
#define MBR_TABLE_OFFSET 446u
#define MBR_ENTRY_SIZE 16u
#define MBR_TYPE_GPT_PROTECTIVE 0xEEu
#define GPT_HEADER_MIN 92u
#define GPT_ENTRY_MIN 128u
#define GPT_ENTRY_MAX 4096u
#define GPT_ENTRIES_MAX 1024u

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint32_t blk_crc32(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

/* Bytes equal; a loop, since protection domains have no memcmp. */
static int same_bytes(const uint8_t *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != (uint8_t)b[i]) {
            return 0;
        }
    }
    return 1;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return 0;
        }
    }
    return 1;
}

/* Checks a finished list: non-empty ranges inside [lo, hi] that do not overlap. */
static blk_part_err_t check_ranges(const blk_partition_table_t *t, uint64_t lo, uint64_t hi)
{
    for (size_t i = 0; i < t->count; i++) {
        const blk_partition_t *a = &t->part[i];
        if (a->sector_count == 0 || a->first_sector < lo) {
            return BLK_PART_BAD_ENTRY;
        }
        if (a->first_sector > hi || a->sector_count - 1 > hi - a->first_sector) {
            return BLK_PART_OUT_OF_DISK;
        }
        for (size_t j = 0; j < i; j++) {
            const blk_partition_t *b = &t->part[j];
            if (a->first_sector < b->first_sector + b->sector_count &&
                b->first_sector < a->first_sector + a->sector_count) {
                return BLK_PART_OVERLAP;
            }
        }
    }
    return BLK_PART_OK;
}

static blk_part_err_t parse_gpt(const uint8_t *buf, size_t len, uint64_t disk_sectors, blk_partition_table_t *t)
{
    if (len < 2 * SECTOR) {
        return BLK_PART_SHORT_BUFFER;
    }
    const uint8_t *h = buf + SECTOR;
    if (!same_bytes(h, "EFI PART", 8)) {
        return BLK_PART_BAD_GPT_HEADER;
    }
    uint32_t header_size = le32(h + 12);
    if (header_size < GPT_HEADER_MIN || header_size > SECTOR) {
        return BLK_PART_BAD_GPT_HEADER;
    }
    uint8_t copy[SECTOR];
    memcpy(copy, h, header_size);
    memset(copy + 16, 0, 4);
    if (blk_crc32(copy, header_size) != le32(h + 16)) {
        return BLK_PART_BAD_GPT_HEADER;
    }
    uint64_t my_lba = le64(h + 24);
    uint64_t first_usable = le64(h + 40);
    uint64_t last_usable = le64(h + 48);
    uint64_t entries_lba = le64(h + 72);
    uint32_t entry_count = le32(h + 80);
    uint32_t entry_size = le32(h + 84);
    uint32_t entries_crc = le32(h + 88);
    if (my_lba != 1 || first_usable < 2 || first_usable > last_usable || last_usable >= disk_sectors) {
        return BLK_PART_BAD_GPT_HEADER;
    }
    if (entry_size < GPT_ENTRY_MIN || entry_size > GPT_ENTRY_MAX || entry_size % 8 != 0 ||
        entry_count > GPT_ENTRIES_MAX || entries_lba < 2 || entries_lba >= disk_sectors) {
        return BLK_PART_BAD_GPT_ENTRIES;
    }
    /* Both factors are bounded above, so neither product can overflow. */
    uint64_t array_bytes = (uint64_t)entry_count * entry_size;
    if (entries_lba > (uint64_t)len / SECTOR || array_bytes > (uint64_t)len - entries_lba * SECTOR) {
        return BLK_PART_SHORT_BUFFER;
    }
    const uint8_t *entries = buf + entries_lba * SECTOR;
    if (blk_crc32(entries, (size_t)array_bytes) != entries_crc) {
        return BLK_PART_BAD_GPT_ENTRIES;
    }
    t->kind = BLK_TABLE_GPT;
    for (uint32_t i = 0; i < entry_count; i++) {
        const uint8_t *e = entries + (size_t)i * entry_size;
        if (all_zero(e, 16)) {
            continue;
        }
        uint64_t first = le64(e + 32);
        uint64_t last = le64(e + 40);
        if (last < first) {
            return BLK_PART_BAD_ENTRY;
        }
        if (t->count == BLK_PARTITION_MAX) {
            continue; /* still validated above; only the first BLK_PARTITION_MAX are served */
        }
        blk_partition_t *p = &t->part[t->count++];
        p->first_sector = first;
        p->sector_count = last - first + 1;
        memcpy(p->type_guid, e, 16);
    }
    return check_ranges(t, first_usable, last_usable);
}

blk_part_err_t blk_partition_parse(const uint8_t *buf, size_t len, uint64_t disk_sectors,
                                   blk_partition_table_t *out)
{
    if (buf == NULL || out == NULL) {
        return BLK_PART_INVALID;
    }
    memset(out, 0, sizeof(*out));
    if (len < SECTOR || disk_sectors < 2) {
        return len < SECTOR ? BLK_PART_SHORT_BUFFER : BLK_PART_NO_TABLE;
    }
    if (buf[MBR_SIGNATURE_OFFSET] != 0x55 || buf[MBR_SIGNATURE_OFFSET + 1] != 0xAA) {
        return BLK_PART_NO_TABLE;
    }
    blk_partition_table_t t;
    memset(&t, 0, sizeof(t));
    t.kind = BLK_TABLE_MBR;
    blk_part_err_t err = BLK_PART_OK;
    for (unsigned i = 0; i < 4; i++) {
        const uint8_t *e = buf + MBR_TABLE_OFFSET + i * MBR_ENTRY_SIZE;
        uint8_t status = e[0], type = e[4];
        if (type == 0) {
            continue;
        }
        if (status != 0 && status != 0x80) {
            err = BLK_PART_BAD_ENTRY;
            goto out;
        }
        if (type == MBR_TYPE_GPT_PROTECTIVE) {
            memset(&t, 0, sizeof(t));
            err = parse_gpt(buf, len, disk_sectors, &t);
            goto out;
        }
        blk_partition_t *p = &t.part[t.count++];
        p->first_sector = le32(e + 8);
        p->sector_count = le32(e + 12);
        p->mbr_type = type;
    }
    err = check_ranges(&t, 1, disk_sectors - 1);
out:
    if (err == BLK_PART_OK) {
        *out = t;
    }
    return err;
}

const char *blk_part_err_str(blk_part_err_t err)
{
    switch (err) {
    case BLK_PART_OK: return "ok";
    case BLK_PART_NO_TABLE: return "no partition table";
    case BLK_PART_BAD_ENTRY: return "bad partition entry";
    case BLK_PART_OUT_OF_DISK: return "partition outside the disk";
    case BLK_PART_OVERLAP: return "partitions overlap";
    case BLK_PART_BAD_GPT_HEADER: return "bad GPT header";
    case BLK_PART_BAD_GPT_ENTRIES: return "bad GPT entry array";
    case BLK_PART_SHORT_BUFFER: return "table beyond the bytes read";
    case BLK_PART_INVALID: return "invalid argument";
    }
    return "unknown error";
}
