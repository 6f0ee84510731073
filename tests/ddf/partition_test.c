/*
 * Partition-table parsing: real-shaped MBR and GPT tables parse to the right
 * ranges; every kind of damage (signature, CRC, bounds, overlap, sizes,
 * truncation) is rejected with its reason and leaves the output empty.
 */
#include <stdlib.h>
#include <string.h>

#include "system/virt/blk_partition.h"
#include "tests/ddf/ddf_test.h"

#define DISK_SECTORS 20480ull /* 10 MiB */
static uint8_t disk[64 * 512];

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static void mbr_entry(int i, uint8_t status, uint8_t type, uint32_t first, uint32_t count)
{
    uint8_t *e = disk + 446 + 16 * i;
    e[0] = status;
    e[4] = type;
    put32(e + 8, first);
    put32(e + 12, count);
}

static void make_mbr(void)
{
    memset(disk, 0, sizeof(disk));
    disk[510] = 0x55;
    disk[511] = 0xAA;
    mbr_entry(0, 0x80, 0x83, 2048, 4096);
    mbr_entry(2, 0x00, 0x0C, 8192, 8192);
}

/* A GPT with `n` used entries of 4096 sectors each, from sector 2048. */
static void gpt_seal(void)
{
    uint8_t *h = disk + 512;
    put32(h + 88, blk_crc32(disk + 1024, 128 * 128));
    put32(h + 16, 0);
    put32(h + 16, blk_crc32(h, 92));
}

static void make_gpt(int n)
{
    memset(disk, 0, sizeof(disk));
    disk[510] = 0x55;
    disk[511] = 0xAA;
    mbr_entry(0, 0, 0xEE, 1, 0xFFFFFFFFu);
    uint8_t *h = disk + 512;
    memcpy(h, "EFI PART", 8);
    put32(h + 8, 0x00010000);
    put32(h + 12, 92);
    put64(h + 24, 1);
    put64(h + 32, DISK_SECTORS - 1);
    put64(h + 40, 34);
    put64(h + 48, DISK_SECTORS - 34);
    put64(h + 72, 2);
    put32(h + 80, 128);
    put32(h + 84, 128);
    for (int i = 0; i < n; i++) {
        uint8_t *e = disk + 1024 + 128 * i;
        memset(e, 0x11 * (i + 1), 16);       /* type GUID */
        put64(e + 32, 2048 + 4096ull * i);
        put64(e + 40, 2048 + 4096ull * i + 4095);
    }
    gpt_seal();
}

static void crc32_matches_reference_value(void)
{
    CHECK(blk_crc32((const uint8_t *)"123456789", 9) == 0xCBF43926u);
    CHECK(blk_crc32((const uint8_t *)"", 0) == 0);
}

static void mbr_primary_partitions_parse(void)
{
    blk_partition_table_t t;
    make_mbr();
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_OK);
    CHECK(t.kind == BLK_TABLE_MBR && t.count == 2);
    CHECK(t.part[0].first_sector == 2048 && t.part[0].sector_count == 4096 && t.part[0].mbr_type == 0x83);
    CHECK(t.part[1].first_sector == 8192 && t.part[1].sector_count == 8192);
}

static void mbr_damage_is_rejected(void)
{
    blk_partition_table_t t;
    make_mbr();
    disk[511] = 0;
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_NO_TABLE && t.count == 0);
    make_mbr();
    mbr_entry(1, 0x80, 0x83, 4000, 1000); /* overlaps entry 0 */
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_OVERLAP && t.count == 0);
    make_mbr();
    mbr_entry(1, 0x80, 0x83, 16384, 8192); /* runs past the end */
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_OUT_OF_DISK);
    make_mbr();
    mbr_entry(1, 0x80, 0x83, 0xFFFFFFFFu, 0xFFFFFFFFu); /* would wrap */
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_OUT_OF_DISK);
    make_mbr();
    mbr_entry(1, 0x80, 0x83, 0, 10); /* covers the MBR itself */
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_BAD_ENTRY);
    make_mbr();
    mbr_entry(1, 0x80, 0x83, 100, 0);
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_BAD_ENTRY);
    make_mbr();
    mbr_entry(1, 0x12, 0x83, 100, 10); /* bad status byte */
    CHECK(blk_partition_parse(disk, 512, DISK_SECTORS, &t) == BLK_PART_BAD_ENTRY);
    CHECK(blk_partition_parse(disk, 100, DISK_SECTORS, &t) == BLK_PART_SHORT_BUFFER);
}

static void gpt_partitions_parse(void)
{
    blk_partition_table_t t;
    make_gpt(3);
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_OK);
    CHECK(t.kind == BLK_TABLE_GPT && t.count == 3);
    CHECK(t.part[2].first_sector == 2048 + 8192 && t.part[2].sector_count == 4096);
    CHECK(t.part[1].type_guid[0] == 0x22 && t.part[1].mbr_type == 0);
}

static void gpt_damage_is_rejected(void)
{
    blk_partition_table_t t;
    make_gpt(2);
    disk[512 + 100] ^= 1; /* outside the 92 header bytes: no effect */
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_OK);
    make_gpt(2);
    disk[512 + 40] ^= 1; /* header byte changed, CRC now wrong */
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_BAD_GPT_HEADER && t.count == 0);
    make_gpt(2);
    disk[1024 + 128 + 33] ^= 1; /* entry changed, array CRC wrong */
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_BAD_GPT_ENTRIES);
    make_gpt(2);
    put64(disk + 1024 + 128 + 32, 3000); /* overlaps the first, CRC re-sealed */
    gpt_seal();
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_OVERLAP);
    make_gpt(2);
    put64(disk + 1024 + 128 + 40, DISK_SECTORS); /* past last usable */
    gpt_seal();
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_OUT_OF_DISK);
    make_gpt(2);
    put64(disk + 1024 + 40, 10); /* last < first */
    gpt_seal();
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_BAD_ENTRY);
    make_gpt(2);
    put32(disk + 512 + 80, 0x7FFFFFFF); /* absurd entry count */
    gpt_seal();
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_BAD_GPT_ENTRIES);
    make_gpt(2);
    put64(disk + 512 + 72, 0xFFFFFFFFFFFFFFull); /* entries far away */
    gpt_seal();
    CHECK(blk_partition_parse(disk, sizeof(disk), DISK_SECTORS, &t) == BLK_PART_BAD_GPT_ENTRIES);
    make_gpt(2);
    CHECK(blk_partition_parse(disk, 4096, DISK_SECTORS, &t) == BLK_PART_SHORT_BUFFER);
    CHECK(blk_partition_parse(disk, sizeof(disk), 1000, &t) == BLK_PART_BAD_GPT_HEADER); /* disk smaller than header says */
}

/* A table written by an independent implementation (mkdisk.py, as the QEMU tests use) parses. */
static const char *corpus_dir;
static void gpt_from_mkdisk_parses(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/gpt-three", corpus_dir);
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL) {
        return;
    }
    static uint8_t buf[65536];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    blk_partition_table_t t;
    CHECK(blk_partition_parse(buf, n, 20480, &t) == BLK_PART_OK);
    CHECK(t.kind == BLK_TABLE_GPT && t.count == 3);
    CHECK(t.part[1].first_sector == 6144 && t.part[1].sector_count == 4096);
    snprintf(path, sizeof(path), "%s/mbr-overlap", corpus_dir);
    f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f != NULL) {
        n = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        CHECK(blk_partition_parse(buf, n, 20480, &t) == BLK_PART_OVERLAP);
    }
}

int main(int argc, char **argv)
{
    RUN("partition/crc32-matches-reference-value", crc32_matches_reference_value);
    RUN("partition/mbr-primary-partitions-parse", mbr_primary_partitions_parse);
    RUN("partition/mbr-damage-is-rejected", mbr_damage_is_rejected);
    RUN("partition/gpt-partitions-parse", gpt_partitions_parse);
    RUN("partition/gpt-damage-is-rejected", gpt_damage_is_rejected);
    if (argc > 1) {
        corpus_dir = argv[1];
        RUN("partition/gpt-from-mkdisk-parses", gpt_from_mkdisk_parses);
    }
    return ddf_test_failures ? 1 : 0;
}
