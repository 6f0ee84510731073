#!/usr/bin/env python3
"""Writes partitioned disk images for the block tests and the fuzz corpus.

    mkdisk.py mbr IMAGE SIZE_MIB START:COUNT[,START:COUNT...]   (512-byte sectors)
    mkdisk.py gpt IMAGE SIZE_MIB START:COUNT[,START:COUNT...]
    mkdisk.py corpus DIR     seed inputs for the partition fuzzer

The layout follows the MBR and UEFI GPT definitions: a protective MBR, a
primary GPT header at LBA 1 with its 128-entry array from LBA 2, and a backup
header at the last LBA. CRCs are CRC-32 (zlib's).
"""
import os
import struct
import sys
import uuid
import zlib

SECTOR = 512
LINUX_FS = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4")


def mbr(entries, disk_sectors):
    b = bytearray(SECTOR)
    for i, (status, ptype, first, count) in enumerate(entries):
        off = 446 + 16 * i
        b[off] = status
        b[off + 4] = ptype
        struct.pack_into("<II", b, off + 8, first, min(count, 0xFFFFFFFF))
    b[510:512] = b"\x55\xaa"
    return bytes(b)


def gpt_header(my_lba, alt_lba, entries_lba, disk_sectors, array):
    h = bytearray(92)
    struct.pack_into("<8sIIIIQQQQ16sQIII", h, 0, b"EFI PART", 0x00010000, 92, 0, 0,
                     my_lba, alt_lba, 34, disk_sectors - 34,
                     uuid.UUID("12345678-1234-5678-1234-567812345678").bytes_le,
                     entries_lba, 128, 128, zlib.crc32(array))
    struct.pack_into("<I", h, 16, zlib.crc32(bytes(h)))
    return bytes(h) + bytes(SECTOR - 92)


def gpt(parts, disk_sectors):
    array = bytearray(128 * 128)
    for i, (first, count) in enumerate(parts):
        struct.pack_into("<16s16sQQQ", array, 128 * i, LINUX_FS.bytes_le,
                         uuid.UUID(int=i + 1).bytes_le, first, first + count - 1, 0)
    head = mbr([(0, 0xEE, 1, disk_sectors - 1)], disk_sectors)
    head += gpt_header(1, disk_sectors - 1, 2, disk_sectors, bytes(array)) + bytes(array)
    tail_array_lba = disk_sectors - 33
    tail = bytes(array) + gpt_header(disk_sectors - 1, 1, tail_array_lba, disk_sectors, bytes(array))
    return head, tail


def parse_parts(spec):
    return [tuple(int(x, 0) for x in p.split(":")) for p in spec.split(",") if p]


def write_image(kind, path, size_mib, parts):
    sectors = size_mib * 1024 * 1024 // SECTOR
    with open(path, "wb") as f:
        f.truncate(sectors * SECTOR)
        if kind == "mbr":
            f.write(mbr([(0x80 if i == 0 else 0, 0x83, a, n) for i, (a, n) in enumerate(parts)], sectors))
        else:
            head, tail = gpt(parts, sectors)
            f.write(head)
            f.seek((sectors - 33) * SECTOR)
            f.write(tail)


def corpus(d):
    os.makedirs(d, exist_ok=True)
    sectors = 20480
    samples = {
        "mbr-two": mbr([(0x80, 0x83, 2048, 4096), (0, 0x0C, 8192, 8192)], sectors),
        "mbr-overlap": mbr([(0x80, 0x83, 2048, 4096), (0, 0x83, 4000, 100)], sectors),
        "mbr-empty": mbr([], sectors),
        "gpt-three": gpt([(2048, 4096), (6144, 4096), (10240, 4096)], sectors)[0],
        "gpt-one": gpt([(34, 100)], sectors)[0],
    }
    for name, data in samples.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


def main(argv):
    if len(argv) == 3 and argv[1] == "corpus":
        corpus(argv[2])
    elif len(argv) == 5 and argv[1] in ("mbr", "gpt"):
        write_image(argv[1], argv[2], int(argv[3]), parse_parts(argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
