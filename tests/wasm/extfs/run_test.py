#!/usr/bin/env python3
"""The extension host loading its extensions from a real disk, in QEMU.

Usage: tests/wasm/extfs/run_test.py --image IMG --substrate BIN --wasm-dir DIR --work DIR
                                   [--bad-config-image IMG]

Makes a disk with an MBR partition holding a filesystem made by the host tool
(`substrate fs`), with /extensions holding the four example extensions, a
corrupt module, an oversized one and a file that is not a module. Boots the
system (tests/wasm/extfs/extfs.system) through tests/kernel/harness, whose
spec (extfs.spec.in, the disk filled in) holds the client's checks and the
console lines the extension host must print. Then checks from the host that
the module the client wrote through the filesystem PD is on the disk, byte
for byte, and that the filesystem is consistent. Last, changes the directory
from the host (removes the crasher, adds a copy of the counter under a new
name) and boots the same image again: what loads follows the disk. Prints
PASS:/FAIL: lines.

With --bad-config-image (the same system, the extension host's configuration
replaced by tests/wasm/extfs/badcfg/exthost.cfg, whose line 3 climbs out of
the directory), first boots that: the extension host must name the line and
the fault, load nothing (not even its built-in modules), and leave the disk
as it was.
"""
import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(TOP, "tests", "ddf"))
sys.path.insert(0, os.path.join(TOP, "tests"))
import harness  # noqa: E402
import mkdisk  # noqa: E402

SECTOR = 512
PART_FIRST, PART_SECTORS = 2048, 16384  # 1 MiB offset, 8 MiB
OFFSET = PART_FIRST * SECTOR
EXAMPLES = ["counter", "crasher", "looper", "greedy"]
HUGE_BYTES = 100000  # over the configured max_bytes (exthost.cfg)

report = harness.reporter("wasm-extfs/")


def tool(substrate, *args):
    p = subprocess.run([substrate, "fs", *args, "--offset", str(OFFSET)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def make_disk(args, disk):
    mkdisk.write_image("mbr", disk, 16, [(PART_FIRST, PART_SECTORS)])
    steps = [("mkfs", disk, str(PART_SECTORS * SECTOR)), ("mkdir", disk, "/extensions")]
    files = {f"{n}.wasm": os.path.join(args.wasm_dir, f"{n}.wasm") for n in EXAMPLES}
    # A module with a good header and a section that claims more bytes than there are.
    corrupt = bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x60, 0x00])
    # A file too big to be read at all: a module header, then zeros.
    huge = bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]) + bytes(HUGE_BYTES - 8)
    for name, data in (("corrupt.wasm", corrupt), ("huge.wasm", huge), ("notes.txt", b"not a module\n")):
        path = os.path.join(args.work, name)
        with open(path, "wb") as f:
            f.write(data)
        files[name] = path
    for name, path in sorted(files.items()):
        steps.append(("put", disk, path, f"/extensions/{name}"))
    for step in steps:
        rc, _, err = tool(args.substrate, *step)
        if rc != 0:
            report("host-makes-disk", False, f"substrate fs {step[0]}: {err.strip()}")
            return False
    report("host-makes-disk", True)
    return True


def listing(substrate, disk):
    rc, out, _ = tool(substrate, "ls", disk, "/extensions")
    return out if rc == 0 else None


def check_bad_config(args, disk):
    before = listing(args.substrate, disk)
    text, _ = harness.boot_until(args.bad_config_image, disk, os.path.join(args.work, "badcfg.log"),
                      r"^ext-host: config", 2.0, 120)
    report("bad-config/names-line-and-fault",
           re.search(r"^ext-host: config line 3: dir must not contain '\.' or '\.\.'; loading nothing$",
                     text, re.M) is not None, text[-300:])
    report("bad-config/loads-nothing", "ext-host: loaded" not in text and "ext-host: serving" not in text,
           text[-300:])
    report("bad-config/filesystem-still-served", re.search(r"^fs: mounted$", text, re.M) is not None,
           text[-300:])
    report("bad-config/disk-unchanged", before is not None and listing(args.substrate, disk) == before)


def check_second_boot(args, disk):
    """Changes the directory from the host, boots again: the disk decides, not the image."""
    ok = tool(args.substrate, "rm", disk, "/extensions/crasher.wasm")[0] == 0 and \
        tool(args.substrate, "put", disk, os.path.join(args.wasm_dir, "counter.wasm"),
             "/extensions/counter2.wasm")[0] == 0
    report("second-boot/host-changes-directory", ok)
    text, _ = harness.boot_until(args.image, disk, os.path.join(args.work, "second.log"), r"^ext-host: serving$", 0.5, 120)
    first_load = text.split("ext-host: serving")[0]
    report("second-boot/module-added-on-host-loads", "ext-host: loaded 'counter2'" in first_load, text[-300:])
    report("second-boot/module-written-by-client-loads-at-start", "ext-host: loaded 'doubler'" in first_load,
           text[-300:])
    report("second-boot/removed-module-gone", "'crasher'" not in first_load and
           re.search(r"^ext-host: loaded: 4 running, 3 refused, ", first_load, re.M) is not None, text[-300:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--image", required=True)
    ap.add_argument("--substrate", required=True)
    ap.add_argument("--wasm-dir", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--bad-config-image", default=None)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    disk = os.path.join(args.work, "disk.img")
    if not make_disk(args, disk):
        return 1
    if args.bad_config_image:
        check_bad_config(args, disk)
    with open(os.path.join(HERE, "extfs.spec.in"), encoding="utf-8") as f:
        spec_text = f.read().replace("@DISK@", disk)
    spec = os.path.join(args.work, "extfs.spec")
    with open(spec, "w", encoding="utf-8") as f:
        f.write(spec_text)
    sys.stdout.flush()
    kernel_harness = subprocess.run([os.path.join(TOP, "tests", "kernel", "harness"), spec, args.image,
                              "--log", os.path.join(args.work, "console.log")])
    if kernel_harness.returncode != 0:
        harness.failures += 1

    rc, out, err = tool(args.substrate, "get", disk, "/extensions/doubler.wasm", "-")
    with open(os.path.join(args.wasm_dir, "doubler.wasm"), "rb") as f:
        want = f.read()
    report("module-written-by-client-is-on-disk", rc == 0 and out == want,
           err.strip() or f"{len(out)} bytes, want {len(want)}")
    rc, out, err = tool(args.substrate, "fsck", disk)
    report("filesystem-consistent-after-run", rc == 0, (out.decode(errors="replace") + err).strip()[-300:])
    check_second_boot(args, disk)
    return harness.exit_status()


if __name__ == "__main__":
    sys.exit(main())
