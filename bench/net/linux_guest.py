#!/usr/bin/env python3
"""Builds the Linux guest of the network benchmark baseline: Debian's kernel
(linux-image-amd64) and an initramfs with busybox (busybox-static), the
virtio-net modules and bench/net/linux_echo (static), which /init starts at
10.0.2.15 on the first NIC. Packages come from the machine's apt sources with
`apt-get download`; nothing is installed. The packages and the result are
kept in OUTDIR, and a rerun with nothing newer rebuilds nothing.

The package has no modules.dep (depmod makes it at install time), so the
load order comes from each module's own "depends=" field; compressed modules
(.ko.xz, .ko.zst) are stored decompressed, as busybox insmod needs.

  usage: bench/net/linux_guest.py OUTDIR  -> prints KERNEL INITRD
"""
import glob
import gzip
import os
import shutil
import stat
import subprocess
import sys
import tempfile

# The modules wanted; what they depend on is found and loaded first. Any of
# them built into the kernel (modules.builtin) is skipped.
WANTED = ["virtio_pci", "virtio_net"]

INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
for m in {mods}; do /bin/busybox insmod /mods/$m || echo "linux-guest: insmod $m failed"; done
/bin/busybox ip link set lo up
/bin/busybox ip link set eth0 up
/bin/busybox ip addr add 10.0.2.15/24 dev eth0
/bin/busybox ip route add default via 10.0.2.2
exec /linux_echo
"""


def newc(entries):
    """A cpio archive in the kernel's "newc" format."""
    out = bytearray()
    ino = 1
    for name, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        nb = name.encode() + b"\0"
        hdr = "070701" + "".join("%08x" % v for v in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(nb), 0))
        ino += 1
        out += hdr.encode() + nb
        out += b"\0" * ((4 - len(out) % 4) % 4)
        out += data
        out += b"\0" * ((4 - len(out) % 4) % 4)
    return bytes(out)


def read_module(path):
    """A module file's bytes, decompressed."""
    with open(path, "rb") as f:
        data = f.read()
    if path.endswith(".xz"):
        import lzma
        return lzma.decompress(data)
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    return data


def module_order(moddir):
    """[(name, bytes)] of WANTED and their dependencies, dependencies first."""
    files = {}
    for path in glob.glob(os.path.join(moddir, "kernel", "**", "*.ko*"), recursive=True):
        name = os.path.basename(path).split(".ko")[0].replace("-", "_")
        files[name] = path
    builtin = set()
    with open(os.path.join(moddir, "modules.builtin")) as f:
        for line in f:
            builtin.add(os.path.basename(line.strip()).split(".ko")[0].replace("-", "_"))
    order, seen = [], set()

    def visit(name):
        if name in seen or name in builtin:
            return
        seen.add(name)
        if name not in files:
            raise SystemExit(f"linux_guest: module {name} is neither in the package nor built in")
        data = read_module(files[name])
        deps = b""
        for field in data.split(b"\0"):
            if field.startswith(b"depends="):
                deps = field[len(b"depends="):]
                break
        for dep in filter(None, deps.decode().split(",")):
            visit(dep.replace("-", "_"))
        order.append((name, data))
    for name in WANTED:
        visit(name)
    return order


def up_to_date(out, sources):
    targets = [os.path.join(out, n) for n in ("vmlinuz", "initrd.gz")]
    if not all(os.path.exists(t) for t in targets):
        return False
    newest = max(os.path.getmtime(s) for s in sources)
    return all(os.path.getmtime(t) >= newest for t in targets)


def main():
    out = os.path.abspath(sys.argv[1])
    debs = os.path.join(out, "debs")
    os.makedirs(debs, exist_ok=True)
    kernel_pkg = None
    for line in subprocess.run(["apt-cache", "depends", "linux-image-amd64"], capture_output=True,
                               text=True, check=True).stdout.splitlines():
        if "Depends: linux-image-" in line:
            kernel_pkg = line.split()[-1]
            break
    if kernel_pkg is None:
        raise SystemExit("linux_guest: apt-cache knows no linux-image-amd64 (no Debian apt sources?)")
    for pkg in (kernel_pkg, "busybox-static"):
        if not glob.glob(os.path.join(debs, pkg.split(":")[0] + "_*.deb")):
            subprocess.run(["apt-get", "download", "-q", pkg], cwd=debs, check=True,
                           stdout=subprocess.DEVNULL)
    here = os.path.dirname(os.path.abspath(__file__))
    sources = [__file__, os.path.join(here, "linux_echo.c")] + glob.glob(os.path.join(debs, "*.deb"))
    if up_to_date(out, sources):
        print(os.path.join(out, "vmlinuz"), os.path.join(out, "initrd.gz"))
        return
    # Unpacked outside build/: the packages hold directories named *.d,
    # which the top Makefile would take for dependency files.
    root = tempfile.mkdtemp(prefix="substrate-linux-guest-")
    for deb in glob.glob(os.path.join(debs, "*.deb")):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    kernel = os.path.join(out, "vmlinuz")
    shutil.copyfile(glob.glob(os.path.join(root, "boot", "vmlinuz-*"))[0], kernel)
    moddir = glob.glob(os.path.join(root, "lib", "modules", "*"))[0]
    echo = os.path.join(out, "linux_echo")
    subprocess.run(["gcc", "-static", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", echo,
                    os.path.join(os.path.dirname(__file__), "linux_echo.c")], check=True)
    entries = [("bin", stat.S_IFDIR | 0o755, b""), ("mods", stat.S_IFDIR | 0o755, b""),
               ("bin/busybox", stat.S_IFREG | 0o755, open(os.path.join(root, "bin", "busybox"), "rb").read()),
               ("linux_echo", stat.S_IFREG | 0o755, open(echo, "rb").read())]
    names = []
    for name, data in module_order(moddir):
        names.append(name + ".ko")
        entries.append(("mods/" + name + ".ko", stat.S_IFREG | 0o644, data))
    entries.append(("init", stat.S_IFREG | 0o755, INIT.format(mods=" ".join(names)).encode()))
    initrd = os.path.join(out, "initrd.gz")
    with open(initrd, "wb") as f:
        f.write(gzip.compress(newc(entries)))
    shutil.rmtree(root)
    print(kernel, initrd)


if __name__ == "__main__":
    main()
