/*
 * MBR and GPT partition tables, read from the first bytes of a disk.
 *
 * blk_partition_parse() is a pure function of a byte buffer (the start of the
 * disk, as read by the block virtualiser) and the disk size: it reads nothing
 * else, allocates nothing and trusts nothing in the buffer. Every field is
 * checked (signatures, CRCs, sizes, bounds against the disk, overlaps); a
 * table that fails any check is rejected as a whole with a reason, so a client
 * is never given a range that a damaged table made up.
 */
#ifndef SUBSTRATE_SYSTEM_VIRT_BLK_PARTITION_H
#define SUBSTRATE_SYSTEM_VIRT_BLK_PARTITION_H

#include <stddef.h>
#include <stdint.h>

#define BLK_PARTITION_MAX 16

typedef enum {
    BLK_PART_OK = 0,
    BLK_PART_NO_TABLE,        /* no MBR signature */
    BLK_PART_BAD_ENTRY,       /* an entry has a bad status byte, is empty-sized or points at sector 0 */
    BLK_PART_OUT_OF_DISK,     /* an entry ends past the end of the disk or the usable area */
    BLK_PART_OVERLAP,         /* two entries share sectors */
    BLK_PART_BAD_GPT_HEADER,  /* signature, size, CRC or field out of range */
    BLK_PART_BAD_GPT_ENTRIES, /* entry array CRC, size or position */
    BLK_PART_SHORT_BUFFER,    /* the table lies beyond the bytes given */
    BLK_PART_INVALID,         /* bad argument */
} blk_part_err_t;

typedef enum { BLK_TABLE_MBR = 1, BLK_TABLE_GPT = 2 } blk_table_kind_t;

typedef struct {
    uint64_t first_sector;  /* 512-byte sectors from the start of the disk */
    uint64_t sector_count;
    uint8_t mbr_type;       /* MBR type byte; 0 for GPT */
    uint8_t type_guid[16];  /* GPT type GUID as stored; zero for MBR */
} blk_partition_t;

typedef struct {
    blk_table_kind_t kind;
    size_t count;           /* partitions in table order, unused slots skipped */
    blk_partition_t part[BLK_PARTITION_MAX];
} blk_partition_table_t;

/*
 * Parse the table at the start of a disk of `disk_sectors` 512-byte sectors.
 * `buf` holds the first `len` bytes of the disk (at least 512; a GPT needs its
 * header and entry array inside it). On error `out` is left zeroed.
 */
blk_part_err_t blk_partition_parse(const uint8_t *buf, size_t len, uint64_t disk_sectors,
                                   blk_partition_table_t *out);

const char *blk_part_err_str(blk_part_err_t err);

/* The CRC-32 GPT uses (IEEE 802.3, reflected, as zlib's crc32). */
uint32_t blk_crc32(const uint8_t *p, size_t len);

#endif
