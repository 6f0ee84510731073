#!/usr/bin/env python3
"""QEMU power-cut test of the filesystem PD, judged from the host.

Usage: tests/fs/qemu_test.py --image IMG --substrate BIN --work DIR [--runs N] [--seed S]
                             [--bad-config-image IMG]

A disk with an MBR partition table gets a filesystem made by the host tool
in partition 0. Then, N times on the same disk: boot the system (two writer
clients -> the filesystem PD -> block virtualiser -> virtio-blk), let the
writers write and fsync files, kill QEMU (SIGKILL) at a random moment, and
check from the host:
  - `substrate fs fsck` finds no problem;
  - every file a writer reported "FSYNCED name n size" for (and did not start
    rewriting afterwards) holds exactly its content, in that writer's subtree;
  - nothing exists outside the writers' subtrees;
  - each writer's attempt to climb out of its subtree was refused (it
    records the verdict as a file in its own subtree).
Each boot mounts what the previous kill left behind. Prints PASS:/FAIL: lines.

With --bad-config-image (the same system, its configuration text replaced by
one whose line 6 gives a root with '..'), first boots that on the freshly
made filesystem: the filesystem PD must name the line and the fault, mount
nothing, serve no one, and leave the disk as it was.
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
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402
import mkdisk  # noqa: E402

NAMES = 150
WRITERS = {"writer_a": "/a", "writer_b": "/b"}  # PD name -> subtree (tests/fs/qemu/fs_crash.cfg)
SECTOR = 512
PART_FIRST, PART_SECTORS = 2048, 65536  # 1 MiB offset, 32 MiB
OFFSET = PART_FIRST * SECTOR

report = harness.reporter("fs-qemu/")


def file_size(n):
    return 1 + (n * 7919) % 70000


def file_bytes(n, size):
    return bytes(((n * 31) + i * 7 + (i >> 9)) & 0xFF for i in range(size))


def tool(substrate, *args):
    p = subprocess.run([substrate, "fs", *args, "--offset", str(OFFSET)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


BAD_CONFIG_LINE = "fs: config line 6: root must be normalised (no '.' or '..' component); serving no one"


def check_bad_config(image, substrate, disk, work):
    with open(disk, "rb") as f:
        before = f.read()
    text, _ = harness.boot_until(image, disk, os.path.join(work, "badcfg.log"), "fs: config", 3.0, 150)
    lines = [ln.rstrip("\r") for ln in text.splitlines()]
    report("badcfg/names-the-line-and-fault", BAD_CONFIG_LINE in lines,
           f"want {BAD_CONFIG_LINE!r}; console ends {text[-300:]!r}")
    report("badcfg/mounts-nothing-serves-no-one", "fs: mounted" not in text and "FSYNCED" not in text,
           text[-300:])
    with open(disk, "rb") as f:
        report("badcfg/disk-untouched", f.read() == before, "the disk changed")
    rc, out, err = tool(substrate, "ls", disk, "/")
    report("badcfg/filesystem-still-empty", rc == 0 and out.strip() == b"", (out.decode(errors="replace") + err)[-200:])


def check_writer(substrate, disk, text, run, pd, root):
    # Console lines of the two writers can interleave: keep only well-formed
    # lines whose check field matches.
    fsynced = []
    for a, b, c in re.findall(rf"^FSYNCED {pd} (\d+) (\d+) (\d+)$", text, re.M):
        n, size = int(a), int(b)
        if size == file_size(n) and int(c) == (n * 2654435761 + size) % 1000003:
            fsynced.append((n, size))
    report(f"run{run}/{pd}/made-progress", len(fsynced) > 0, "no FSYNCED line")
    rc, out, _ = tool(substrate, "ls", disk, root)
    names = [ln.split()[-1] for ln in out.decode(errors="replace").splitlines()]
    report(f"run{run}/{pd}/escape-refused", rc == 0 and "confined-ok" in names and "confinement-BROKEN" not in names,
           f"{root}: {names[:5]}")
    if not fsynced:
        return
    # Under load whole runs of lines come out garbled (characters of both
    # writers interleave), so the last version written may be well past the
    # last well-formed line: take the highest number that follows the
    # writer's name anywhere, within a plausible distance of the last
    # well-formed one (a garbled line can also splice digits into a bogus
    # number, which must not move the in-progress window below). A number
    # taken here only widens which later versions of a file are accepted, and
    # each must still match its content exactly.
    last_well_formed = max(n for n, _ in fsynced)
    last = last_well_formed
    for a in re.findall(rf"{pd} (\d{{1,6}}) ", text):
        if last_well_formed < int(a) <= last_well_formed + NAMES // 4:
            last = max(last, int(a))
    latest = {}
    for n, size in fsynced:
        latest[n % NAMES] = max(latest.get(n % NAMES, -1), n)
    # A name whose next write may have started (a lost line hides at most a
    # few) is skipped: its file was being rewritten when the power went.
    in_progress = {(last + k) % NAMES for k in range(1, 4)}
    bad = []
    checked = 0
    for name, n in sorted(latest.items()):
        if name in in_progress:
            continue
        rc, out, err = tool(substrate, "get", disk, f"{root}/f{name}", "-")
        checked += 1
        # The file holds version n, or a later one whose line was garbled.
        versions = range(n, last + 4, NAMES)
        if rc != 0 or not any(out == file_bytes(v, file_size(v)) for v in versions):
            bad.append(f"{root}/f{name} (n={n}, rc={rc}, {len(out)} bytes) {err.strip()}")
    report(f"run{run}/{pd}/every-fsynced-file-exact ({checked} files, last n={last})", not bad, "; ".join(bad[:3]))


def check_run(substrate, disk, text, run):
    rc, out, err = tool(substrate, "fsck", disk)
    report(f"run{run}/fsck-clean-after-kill", rc == 0, (out.decode(errors="replace") + err)[-400:])
    rc, out, err = tool(substrate, "ls", disk, "/")
    names = sorted(ln.split()[-1] for ln in out.decode(errors="replace").splitlines())
    want = sorted(root.strip("/") + "/" for root in WRITERS.values())
    report(f"run{run}/nothing-outside-the-writers-subtrees", rc == 0 and names == want, f"{names[:6]}")
    for pd, root in WRITERS.items():
        check_writer(substrate, disk, text, run, pd, root)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--substrate", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--runs", type=int, default=4)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--bad-config-image", default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    print(f"fs-qemu: seed {seed}")
    os.makedirs(args.work, exist_ok=True)
    disk = os.path.join(args.work, "disk.img")
    mkdisk.write_image("mbr", disk, 48, [(PART_FIRST, PART_SECTORS)])
    rc, _, err = tool(args.substrate, "mkfs", disk, f"{PART_SECTORS * SECTOR}")
    report("host-mkfs-on-partition", rc == 0, err)
    if args.bad_config_image:
        check_bad_config(args.bad_config_image, args.substrate, disk, args.work)
    for run in range(1, args.runs + 1):
        kill_after = rng.uniform(1.5, 7.0)
        text, progressed = harness.boot_until(args.image, disk, os.path.join(args.work, f"run{run}.log"),
                                      "FSYNCED", kill_after, 150)
        print(f"fs-qemu: run {run}: killed {kill_after:.1f}s after the first fsync")
        report(f"run{run}/boots-mounts-and-writes", progressed and "fs: mounted" in text, text[-300:])
        check_run(args.substrate, disk, text, run)
    return harness.exit_status()


if __name__ == "__main__":
    sys.exit(main())
