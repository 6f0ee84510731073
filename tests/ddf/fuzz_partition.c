/*
 * libFuzzer target: partition tables. The first 8 bytes of the input choose
 * the disk size; the rest is the start of the disk. Any result is fine as
 * long as nothing is read out of bounds and a success obeys the invariants.
 */
#include <stdlib.h>
#include <string.h>

#include "system/virt/blk_partition.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t disk_sectors = 20480;
    if (size > 8 && data[0] == 'S') {
        memcpy(&disk_sectors, data + 1, 7);
        data += 8;
        size -= 8;
    }
    blk_partition_table_t t;
    if (blk_partition_parse(data, size, disk_sectors, &t) != BLK_PART_OK) {
        if (t.count != 0) {
            abort();
        }
        return 0;
    }
    for (size_t i = 0; i < t.count; i++) {
        const blk_partition_t *p = &t.part[i];
        if (p->sector_count == 0 || p->first_sector == 0 || p->first_sector >= disk_sectors ||
            p->sector_count > disk_sectors - p->first_sector) {
            abort();
        }
        for (size_t j = 0; j < i; j++) {
            const blk_partition_t *q = &t.part[j];
            if (p->first_sector < q->first_sector + q->sector_count &&
                q->first_sector < p->first_sector + p->sector_count) {
                abort();
            }
        }
    }
    return 0;
}
