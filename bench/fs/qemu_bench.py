#!/usr/bin/env python3
"""QEMU filesystem benchmark: times the benchmark PDs' console markers.

Usage: bench/fs/qemu_bench.py --image IMG --substrate BIN --work DIR

Boots bench/fs/qemu/fs_bench.system with a disk whose partition 0 holds a
filesystem (made by the host tool) and partition 1 is raw. The raw client
runs each I/O pattern straight through the block virtualiser; then the
filesystem client runs the same patterns through the filesystem PD. Each
"FSB begin X" / "FSB end X COUNT UNIT" pair is timed on the host as the
lines arrive, and the table gives both, with the ratio filesystem / raw.
All of it runs under TCG: absolute numbers mean little, ratios a bit more.
"""
import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "ddf"))
import mkdisk  # noqa: E402

SECTOR = 512
P0, P0N = 2048, 65536   # filesystem, 32 MiB
P1, P1N = 67584, 32768  # raw, 16 MiB


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--substrate", required=True)
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    disk = os.path.join(args.work, "bench-disk.img")
    mkdisk.write_image("mbr", disk, 64, [(P0, P0N), (P1, P1N)])
    subprocess.run([args.substrate, "fs", "mkfs", disk, str(P0N * SECTOR), "--offset", str(P0 * SECTOR)],
                   check=True)
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-cpu", "qemu64,+pdpe1gb", "-m", "1G",
           "-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", "stdio",
           "-kernel", args.image, "-drive", f"file={disk},if=none,id=d0,format=raw,cache=writeback",
           "-device", "virtio-blk-pci,drive=d0,addr=3"]
    q = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    begins, results = {}, {}
    deadline = time.time() + 600
    done = False
    for raw in q.stdout:
        now = time.monotonic()
        line = raw.decode(errors="replace").rstrip()
        m = re.match(r"FSB begin (\S+)$", line)
        if m:
            begins[m.group(1)] = now
        m = re.match(r"FSB end (\S+) (\d+) (\S+)$", line)
        if m and m.group(1) in begins:
            results[m.group(1)] = (now - begins[m.group(1)], int(m.group(2)), m.group(3))
        if "FAILED" in line or "bad" in line:
            print(line)
        if line.startswith("FSB fs done") or line.startswith("FSB fs FAILED") or time.time() > deadline:
            done = line.startswith("FSB fs done")
            break
    q.kill()
    q.wait()
    if not done:
        print("FAIL: the benchmark did not finish")
        return 1
    names = [("seqwrite", "sequential write, 64 KiB + fsync", "MiB/s"),
             ("seqread", "sequential read, 64 KiB", "MiB/s"),
             ("randwrite", "random 4 KiB write + one fsync", "ops/s"),
             ("randread", "random 4 KiB read", "ops/s"),
             ("flush", "4 KiB write + fsync (latency)", "ms"),
             ("create", "create empty file", "files/s"),
             ("delete", "delete file", "files/s")]
    print("| workload (QEMU, TCG) | through the fs PD | raw partition | unit | ratio fs/raw |")
    print("|---|---|---|---|---|")
    for key, label, unit in names:
        row = []
        for side in ("fs", "raw"):
            r = results.get(f"{side}-{key}")
            if not r:
                row.append(None)
                continue
            secs, count, _ = r
            if unit == "MiB/s":
                row.append(count / (1 << 20) / secs)
            elif unit == "ms":
                row.append(secs / count * 1000)
            else:
                row.append(count / secs)
        fs_v, raw_v = row
        fmt = lambda v: "—" if v is None else f"{v:.1f}"  # noqa: E731
        ratio = f"{fs_v / raw_v:.2f}" if fs_v and raw_v else "—"
        print(f"| {label} | {fmt(fs_v)} | {fmt(raw_v)} | {unit} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
