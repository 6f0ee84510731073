#!/usr/bin/env python3
"""QEMU power-cut test of the filesystem PD, judged from the host.

Usage: tests/fs/qemu_test.py --image IMG --substrate BIN --work DIR [--runs N] [--seed S]

A disk with an MBR partition table gets a filesystem made by the host tool
in partition 0. Then, N times on the same disk: boot the system (a writer
client -> the filesystem PD -> block virtualiser -> virtio-blk), let the
writer write and fsync files, kill QEMU (SIGKILL) at a random moment, and
check from the host:
  - `substrate fs fsck` finds no problem;
  - every file the writer reported "FSYNCED n size" for (and did not start
    rewriting afterwards) holds exactly its content;
  - nothing exists outside the writer's subtree;
  - the writer saw its attempt to climb out of its subtree refused.
Each boot mounts what the previous kill left behind. Prints PASS:/FAIL: lines.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "ddf"))
import mkdisk  # noqa: E402

NAMES = 150
SECTOR = 512
PART_FIRST, PART_SECTORS = 2048, 65536  # 1 MiB offset, 32 MiB
OFFSET = PART_FIRST * SECTOR

failures = 0


def report(name, ok, why=""):
    global failures
    print(f"{'PASS' if ok else 'FAIL'}: fs-qemu/{name} {'' if ok else why}".rstrip())
    sys.stdout.flush()
    if not ok:
        failures += 1


def file_size(n):
    return 1 + (n * 7919) % 70000


def file_bytes(n, size):
    return bytes(((n * 31) + i * 7 + (i >> 9)) & 0xFF for i in range(size))


def tool(substrate, *args):
    p = subprocess.run([substrate, "fs", *args, "--offset", str(OFFSET)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def boot_and_kill(image, disk, log, kill_after, limit):
    """Boots; kills QEMU kill_after seconds after the first FSYNCED line (or at limit)."""
    if os.path.exists(log):
        os.unlink(log)
    cmd = ["qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-cpu", "qemu64,+pdpe1gb", "-m", "1G",
           "-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", f"file:{log}",
           "-kernel", image, "-drive", f"file={disk},if=none,id=d0,format=raw,cache=writeback",
           "-device", "virtio-blk-pci,drive=d0,addr=3"]
    q = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = time.time()
    first = None
    while time.time() - start < limit and q.poll() is None:
        time.sleep(0.1)
        if first is None:
            try:
                with open(log, errors="replace") as f:
                    if "FSYNCED" in f.read():
                        first = time.time()
            except OSError:
                pass
        elif time.time() - first >= kill_after:
            break
    q.kill()  # SIGKILL: no chance to flush anything
    q.wait()
    with open(log, errors="replace") as f:
        return f.read(), first is not None


def check_run(substrate, disk, text, run):
    fsynced = [(int(a), int(b)) for a, b in re.findall(r"^FSYNCED (\d+) (\d+)$", text, re.M)]
    report(f"run{run}/writer-made-progress", len(fsynced) > 0, "no FSYNCED line")
    report(f"run{run}/writer-confined", "WRITER confined ok" in text, "confinement line missing or BROKEN")
    rc, out, err = tool(substrate, "fsck", disk)
    report(f"run{run}/fsck-clean-after-kill", rc == 0, (out.decode(errors="replace") + err)[-400:])
    rc, out, err = tool(substrate, "ls", disk, "/")
    lines = out.decode(errors="replace").splitlines()
    report(f"run{run}/nothing-outside-the-writers-subtree",
           rc == 0 and len(lines) == 1 and lines[0].endswith(" writer/"), "; ".join(lines[:5]))
    if not fsynced:
        return
    last = max(n for n, _ in fsynced)
    in_progress = (last + 1) % NAMES
    latest = {}
    for n, size in fsynced:
        latest[n % NAMES] = (n, size)
    bad = []
    checked = 0
    for name, (n, size) in sorted(latest.items()):
        if name == in_progress:
            continue  # being rewritten when the power went: not fsynced any more
        rc, out, err = tool(substrate, "get", disk, f"/writer/f{name}", "-")
        checked += 1
        if rc != 0 or out != file_bytes(n, size):
            bad.append(f"f{name} (n={n}, rc={rc}, {len(out)} of {size} bytes) {err.strip()}")
    report(f"run{run}/every-fsynced-file-exact ({checked} files, last n={last})", not bad, "; ".join(bad[:3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--substrate", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    print(f"fs-qemu: seed {seed}")
    os.makedirs(args.work, exist_ok=True)
    disk = os.path.join(args.work, "disk.img")
    mkdisk.write_image("mbr", disk, 48, [(PART_FIRST, PART_SECTORS)])
    rc, _, err = tool(args.substrate, "mkfs", disk, f"{PART_SECTORS * SECTOR}")
    report("host-mkfs-on-partition", rc == 0, err)
    for run in range(1, args.runs + 1):
        kill_after = rng.uniform(0.2, 6.0)
        text, progressed = boot_and_kill(args.image, disk, os.path.join(args.work, f"run{run}.log"),
                                         kill_after, 150)
        print(f"fs-qemu: run {run}: killed {kill_after:.1f}s after the first fsync")
        report(f"run{run}/boots-mounts-and-writes", progressed and "fs: mounted" in text, text[-300:])
        check_run(args.substrate, disk, text, run)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
