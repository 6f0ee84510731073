#!/usr/bin/env python3
"""QEMU system tests of the driver framework, judged from the host.

Usage: tests/ddf/qemu_test.py --build DIR TEST...

Each TEST boots DIR/TEST/TEST.img under QEMU (TCG) with the devices it
needs, reads the console for the PDs' own checks
    DDFTEST CHECK <name> ok | FAIL <value>
and the verdict they write to the isa-debug-exit device, and adds what only
the host can see (the bytes of the disk image, frames on the wire, typed
input). Prints one PASS:/FAIL: line per check, exits non-zero on failure.
"""
import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mkdisk  # noqa: E402

failures = 0


def report(name, ok, why=""):
    global failures
    if ok:
        print(f"PASS: ddf-qemu/{name}")
    else:
        failures += 1
        print(f"FAIL: ddf-qemu/{name} {why}".rstrip())
    sys.stdout.flush()


def qemu_cmd(image, log, extra):
    return ["qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-cpu", "qemu64,+pdpe1gb", "-m", "1G",
            "-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", f"file:{log}",
            "-kernel", image] + extra


def console_checks(test, log_text, expected):
    """Reports every DDFTEST CHECK line, and any expected one that never came."""
    seen = {}
    for m in re.finditer(r"^DDFTEST CHECK (\S+) (ok|FAIL.*)$", log_text, re.M):
        seen[m.group(1)] = m.group(2)
    for name in expected:
        if name not in seen:
            report(f"{test}/{name}", False, "never reported")
    for name, result in seen.items():
        report(f"{test}/{name}", result == "ok", result)


def run(image, log, extra, timeout):
    start = time.time()
    try:
        p = subprocess.run(qemu_cmd(image, log, extra), timeout=timeout, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        rc, out = p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired:
        rc, out = None, "timed out"
    return rc, out, time.time() - start


def read_log(log):
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


# --- block ------------------------------------------------------------------

SECTOR = 512
P0_FIRST, P0_COUNT = 2048, 8192      # 4 MiB: the client's partition
P1_FIRST, P1_COUNT = 10240, 4096     # 2 MiB: the hostile client's
DISK_MIB = 8


def test_blk(build, work):
    img = os.path.join(build, "blk", "blk.img")
    disk = os.path.join(work, "blk-disk.img")
    log = os.path.join(work, "blk.log")
    mkdisk.write_image("mbr", disk, DISK_MIB, [(P0_FIRST, P0_COUNT), (P1_FIRST, P1_COUNT)])
    total = DISK_MIB * 1024 * 1024
    with open(disk, "r+b") as f:
        # Guards around the partitions, and the data the client must read first.
        f.seek(SECTOR)
        f.write(b"\x11" * (P0_FIRST * SECTOR - SECTOR))
        f.seek((P1_FIRST + P1_COUNT) * SECTOR)
        f.write(b"\x22" * (total - (P1_FIRST + P1_COUNT) * SECTOR))
        f.seek(P0_FIRST * SECTOR)
        f.write(bytes((k * 7 + 3) & 0xFF for k in range(8 * 4096)))
        f.seek(P1_FIRST * SECTOR + 4096)
        f.write(b"\x33" * 4096)
    rc, out, secs = run(img, log, ["-drive", f"file={disk},if=none,id=d0,format=raw",
                                   "-device", "virtio-blk-pci,drive=d0,addr=3"], 180)
    text = read_log(log)
    report("blk/boots-and-ends-with-pass", rc == 1, f"qemu status {rc} after {secs:.0f}s: {out.strip()[-200:]}")
    console_checks("blk", text, ["blk-partition-size", "blk-host-data-reads-back", "blk-write-whole-partition",
                                 "blk-read-back-matches", "blk-outside-partition-fails", "blk-flush",
                                 "blk-hostile-partition-size", "blk-hostile-bad-requests-refused",
                                 "blk-hostile-own-write-reads-back"])
    report("blk/driver-killed-and-restarted",
           "driver faulted" in text and "ready again after restart" in text, "no restart seen on the console")
    with open(disk, "rb") as f:
        data = f.read()
    p0 = data[P0_FIRST * SECTOR:(P0_FIRST + P0_COUNT) * SECTOR]
    want = b"".join(struct.pack("<I", (o ^ 0xA5A5A5A5) & 0xFFFFFFFF) for o in range(0, len(p0), 4))
    bad = sum(1 for i in range(0, len(p0), 4096) if p0[i:i + 4096] != want[i:i + 4096])
    report("blk/host-sees-pattern-across-partition", bad == 0, f"{bad} of {len(p0) // 4096} blocks differ")
    guard_ok = (data[SECTOR:P0_FIRST * SECTOR] == b"\x11" * (P0_FIRST * SECTOR - SECTOR) and
                data[(P1_FIRST + P1_COUNT) * SECTOR:] == b"\x22" * (total - (P1_FIRST + P1_COUNT) * SECTOR))
    report("blk/nothing-written-outside-partitions", guard_ok, "guard bytes changed")
    p1 = data[P1_FIRST * SECTOR:]
    report("blk/hostile-client-wrote-only-its-own-block",
           p1[:4096] == b"\xee" * 4096 and p1[4096:8192] == b"\x33" * 4096, "partition 1 bytes unexpected")


TESTS = {"blk": test_blk}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("tests", nargs="+")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="ddf-qemu-") as work:
        for t in args.tests:
            TESTS[t](args.build, work)
            if os.environ.get("DDF_QEMU_KEEP"):
                for name in os.listdir(work):
                    if name.endswith(".log"):
                        subprocess.run(["cp", os.path.join(work, name), args.build])
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
