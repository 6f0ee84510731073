#!/usr/bin/env python3
"""Builds the Linux guest of the network benchmark baseline: Debian's kernel
(linux-image-amd64) and an initramfs with busybox (busybox-static), the
virtio-net modules and bench/net/linux_echo (static), which /init starts at
10.0.2.15 on the first NIC. Packages come from the machine's apt sources with
`apt-get download`; nothing is installed.

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

MODULES = ["kernel/drivers/virtio/virtio.ko", "kernel/drivers/virtio/virtio_ring.ko",
           "kernel/drivers/virtio/virtio_pci_legacy_dev.ko",
           "kernel/drivers/virtio/virtio_pci_modern_dev.ko", "kernel/drivers/virtio/virtio_pci.ko",
           "kernel/net/core/failover.ko", "kernel/drivers/net/net_failover.ko",
           "kernel/drivers/net/virtio_net.ko"]

INIT = """#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
for m in {mods}; do /bin/busybox insmod /mods/$m; done
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
    for pkg in (kernel_pkg, "busybox-static"):
        if not glob.glob(os.path.join(debs, pkg.split(":")[0] + "_*.deb")):
            subprocess.run(["apt-get", "download", "-q", pkg], cwd=debs, check=True,
                           stdout=subprocess.DEVNULL)
    # Unpacked outside build/: the packages hold directories named *.d,
    # which the top Makefile would take for dependency files.
    root = tempfile.mkdtemp(prefix="substrate-linux-guest-")
    for deb in glob.glob(os.path.join(debs, "*.deb")):
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
    kernel = os.path.join(out, "vmlinuz")
    shutil.copyfile(glob.glob(os.path.join(root, "boot", "vmlinuz-*"))[0], kernel)
    moddir = glob.glob(os.path.join(root, "lib", "modules", "*"))[0]
    echo = os.path.join(out, "linux_echo")
    subprocess.run(["gcc", "-static", "-O2", "-o", echo,
                    os.path.join(os.path.dirname(__file__), "linux_echo.c")], check=True)
    entries = [("bin", stat.S_IFDIR | 0o755, b""), ("mods", stat.S_IFDIR | 0o755, b""),
               ("bin/busybox", stat.S_IFREG | 0o755, open(os.path.join(root, "bin", "busybox"), "rb").read()),
               ("linux_echo", stat.S_IFREG | 0o755, open(echo, "rb").read())]
    names = []
    for m in MODULES:
        base = os.path.basename(m)
        names.append(base)
        entries.append(("mods/" + base, stat.S_IFREG | 0o644, open(os.path.join(moddir, m), "rb").read()))
    entries.append(("init", stat.S_IFREG | 0o755, INIT.format(mods=" ".join(names)).encode()))
    initrd = os.path.join(out, "initrd.gz")
    with open(initrd, "wb") as f:
        f.write(gzip.compress(newc(entries)))
    shutil.rmtree(root)
    print(kernel, initrd)


if __name__ == "__main__":
    main()
