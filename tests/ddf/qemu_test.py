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
sys.path.insert(0, os.path.join(HERE, ".."))
import harness  # noqa: E402
import mkdisk  # noqa: E402
from harness import qemu_cmd, read_log, wait_for  # noqa: E402

report = harness.reporter("ddf-qemu/")


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
    rc, out, secs = run(img, log, harness.virtio_blk(disk), 180)
    text = read_log(log)
    report("blk/boots-and-ends-with-pass", rc == 1 and re.search(r"^DDFTEST END$", text, re.M) is not None, f"qemu status {rc} after {secs:.0f}s: {out.strip()[-200:]}")
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


# --- serial -----------------------------------------------------------------

CHATTY_LINES = 150
LINE_RE = re.compile(r"^([AB]) line (\d{3}) the quick brown fox jumps over the lazy dog ([AB])$")


def test_serial(build, work):
    import socket
    img = os.path.join(build, "serial", "serial.img")
    log = os.path.join(work, "serial.log")
    sock_path = os.path.join(work, "com2.sock")
    proc = subprocess.Popen(qemu_cmd(img, log, ["-chardev", f"socket,id=com2,path={sock_path},server=on,wait=off",
                                                "-serial", "chardev:com2"]),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = b""
    sent_a = sent_b = False
    deadline = time.time() + 150
    try:
        while not os.path.exists(sock_path) and time.time() < deadline:
            time.sleep(0.05)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sock_path)
        s.settimeout(0.5)
        while time.time() < deadline:
            try:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
            except socket.timeout:
                pass
            text = out.decode(errors="replace")
            # Type once the clients are talking, to the selected client (A) first, then switch to B.
            if not sent_a and "A line 010" in text:
                s.sendall(b"hello A\r")
                sent_a = True
            if sent_a and not sent_b and "A got: hello A" in text:
                s.sendall(b"\x1c1hello B\r")
                sent_b = True
            if ("B got: hello B" in text and f"A line {CHATTY_LINES - 1:03d}" in text and
                    f"B line {CHATTY_LINES - 1:03d}" in text):
                time.sleep(0.5)
                try:
                    out += s.recv(65536)
                except socket.timeout:
                    pass
                break
        s.close()
    finally:
        proc.kill()
        proc.wait()
    text = out.decode(errors="replace")
    with open(os.path.join(work, "com2.log"), "w", encoding="utf-8") as f:
        f.write(text)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    next_no = {"A": 0, "B": 0}
    broken = []
    echoes = set()
    for ln in lines:
        m = LINE_RE.match(ln)
        if m and m.group(1) == m.group(3) and int(m.group(2)) == next_no[m.group(1)]:
            next_no[m.group(1)] += 1
        elif ln in ("A got: hello A", "B got: hello B"):
            echoes.add(ln)
        else:
            broken.append(ln)
    report("serial/chatty-clients-lines-whole-and-in-order",
           not broken and next_no == {"A": CHATTY_LINES, "B": CHATTY_LINES},
           f"counts {next_no}, {len(broken)} broken lines, first: {broken[:2]}")
    owners = [ln[0] for ln in lines if LINE_RE.match(ln)]
    switches = sum(1 for a, b in zip(owners, owners[1:]) if a != b)
    report("serial/clients-really-raced", switches >= 10, f"only {switches} switches between clients")
    report("serial/host-input-echoed-by-selected-client", "A got: hello A" in echoes, "no echo from A")
    report("serial/switch-selects-other-client", "B got: hello B" in echoes, "no echo from B")
    report("serial/hostile-client-output-never-appears", "Z" not in text, "hostile characters on the console")
    report("serial/drivers-started-cleanly", "bad configuration" not in read_log(log), read_log(log)[-300:])


# --- network ----------------------------------------------------------------

MAC_A = bytes.fromhex("5254000000a1")
MAC_B = bytes.fromhex("5254000000b2")
MAC_C = bytes.fromhex("5254000000c3")
MAC_HOST = bytes.fromhex("020000000001")
ETHERTYPE = b"\x88\xb5"
FLOOD = 1000


def frame(dst, payload):
    f = dst + MAC_HOST + ETHERTYPE + payload
    return f + bytes(max(0, 60 - len(f)))


def test_net(build, work):
    import socket
    img = os.path.join(build, "net", "net.img")
    log = os.path.join(work, "net.log")
    host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    host.bind(("127.0.0.1", 0))
    host_port = host.getsockname()[1]
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    guest_port = probe.getsockname()[1]
    probe.close()
    netdev = (f"dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port={guest_port},"
              f"remote.type=inet,remote.host=127.0.0.1,remote.port={host_port}")
    proc = subprocess.Popen(qemu_cmd(img, log, ["-netdev", netdev, "-device",
                                                "virtio-net-pci,netdev=n0,addr=4,mac=52:54:00:12:34:56"]),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    got = []

    def drain(seconds):
        host.settimeout(0.05)
        end = time.time() + seconds
        while time.time() < end:
            try:
                got.append(host.recv(4096))
            except socket.timeout:
                pass

    def send(f):
        host.sendto(f, ("127.0.0.1", guest_port))

    try:
        up = wait_for(log, "virtio_net: ready, mac 52:54:00:12:34:56 link up", 60)
        report("net/driver-reads-mac-and-link", up, read_log(log)[-300:])
        if not up:
            return
        time.sleep(0.5)
        # Each client's MAC, broadcast and a stranger; resend until answered (start-up may lag).
        want = {b"A answers: to-A", b"B answers: to-B", b"C answers: to-C",
                b"A answers: to-all", b"B answers: to-all", b"C answers: to-all"}
        for attempt in range(10):
            send(frame(MAC_A, b"to-A"))
            send(frame(MAC_B, b"to-B"))
            send(frame(MAC_C, b"to-C"))
            send(frame(b"\xff" * 6, b"to-all"))
            send(frame(bytes.fromhex("525400000099"), b"to-nobody"))
            drain(1.0)
            payloads = {g[14:14 + len(w)] for g in got for w in want}
            if want <= payloads:
                break
        texts = [g[14:].rstrip(b"\0") for g in got]
        report("net/frame-to-A-answered-by-A", b"A answers: to-A" in texts, f"got {texts[:6]}")
        report("net/frame-to-B-answered-by-B", b"B answers: to-B" in texts, f"got {texts[:6]}")
        # The third client: the virtualiser serves as many as the system description gives it.
        report("net/frame-to-C-answered-by-C", b"C answers: to-C" in texts, f"got {texts[:9]}")
        report("net/broadcast-answered-by-all-three",
               all(b"%s answers: to-all" % n in texts for n in (b"A", b"B", b"C")), f"got {texts[:9]}")
        report("net/nobody-answers-a-stranger", not any(t.endswith(b"to-nobody") for t in texts), "")
        srcs_ok = all({b"A": MAC_A, b"B": MAC_B, b"C": MAC_C}.get(g[14:15]) == g[6:12] for g in got if len(g) > 15)
        report("net/answers-carry-their-clients-mac", srcs_ok and all(g[:6] == MAC_HOST for g in got),
               "wrong addresses")
        # Flood A; B must still answer every frame sent to it meanwhile.
        got.clear()
        sent_b = 0
        start = time.time()
        # A reads slowly (one frame per wake-up), so its ring overflows; the
        # pace stays within what the device path itself can take under TCG.
        for i in range(FLOOD):
            send(frame(MAC_A, b"flood-%05d" % i + bytes(200)))
            if i % 25 == 12:
                send(frame(MAC_B, b"during-flood-%03d" % sent_b))
                sent_b += 1
            if i % 3 == 2:
                time.sleep(0.01)
                drain(0)
        drain(3.0)
        flood_secs = time.time() - start
        texts = [g[14:].rstrip(b"\0") for g in got]
        b_answers = {t for t in texts if t.startswith(b"B answers: during-flood-")}
        a_answers = sum(1 for t in texts if t.startswith(b"A answers: flood-"))
        got.clear()
        for i in range(5):
            send(frame(MAC_B, b"after-flood-%d" % i))
            drain(0.3)
        after = sum(1 for g in got if b"B answers: after-flood" in g)
        drain(1.0)
        # The virtualiser's own counters (test build): frames it delivered and dropped per client.
        stats = re.findall(r"net_virt: no-owner (\d+) bad-driver (\d+) \| rx (\d+) dropped (\d+) tx (\d+) bad (\d+)"
                           r" \| rx (\d+) dropped (\d+) tx (\d+) bad (\d+)", read_log(log))
        last = [int(x) for x in stats[-1]] if stats else None
        a_dropped = last[3] if last else -1
        b_dropped = last[7] if last else -1
        # Under TCG on a loaded machine the host side of the datagram link loses some frames
        # (up to a quarter has been seen) before they reach the guest; inside the guest nothing
        # addressed to B may be dropped, and B must keep answering (a stall would answer none).
        report("net/flood-to-A-does-not-stall-B",
               b_dropped == 0 and len(b_answers) >= 0.5 * sent_b and after == 5,
               f"virtualiser dropped {b_dropped} of B's frames; B answered {len(b_answers)} of {sent_b} "
               f"during and {after} of 5 after")
        report("net/flood-really-overran-A", a_dropped > 0, f"virtualiser dropped {a_dropped} of A's frames")
        report("net/hostile-descriptors-refused", last is not None and last[9] >= 4,
               f"bad descriptors counted for B: {last[9] if last else None}")
        print(f"net: flood of {FLOOD} frames to A in {flood_secs:.1f}s: A answered {a_answers} "
              f"(virtualiser dropped {a_dropped} for A), B answered {len(b_answers)} of {sent_b} "
              f"(dropped {b_dropped})")
    finally:
        proc.kill()
        proc.wait()
        host.close()
    report("net/drivers-started-cleanly", "bad configuration" not in read_log(log) and
           "refused" not in read_log(log), read_log(log)[-300:])


# --- timer ------------------------------------------------------------------

def test_timer(build, work):
    img = os.path.join(build, "timer", "timer.img")
    log = os.path.join(work, "timer.log")
    start = time.time()
    rc, out, secs = run(img, log, [], 120)
    text = read_log(log)
    report("timer/boots-and-ends-with-pass", rc == 1 and re.search(r"^DDFTEST END$", text, re.M) is not None, f"qemu status {rc} after {secs:.0f}s: {text[-300:]}")
    console_checks("timer", text, ["timer-never-goes-backwards", "timer-time-advances", "timer-set-accepted",
                                   "timer-timeouts-never-early",
                                   "timer-hostile-unknown-label-refused", "timer-hostile-absurd-timeout-refused",
                                   "timer-hostile-gets-its-own-timeout"])
    m = re.search(r"worst lateness \(ns\) (0x[0-9a-f]+|\d+)", text)
    if m:
        print(f"timer: worst lateness {int(m.group(1), 0) / 1e6:.2f} ms (TCG), run took {time.time() - start:.1f}s")


TESTS = {"blk": test_blk, "serial": test_serial, "net": test_net, "timer": test_timer}


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
    return harness.exit_status()


if __name__ == "__main__":
    sys.exit(main())
