#!/usr/bin/env python3
"""test-net-user: the echo service PD on QEMU's user network (SLIRP), with
the real virtio-net driver and network virtualiser, driven from the host.

  usage: tests/net/user_test.py IMAGE WORKDIR

Forwards a free host port (TCP and UDP) to the echo at 10.0.2.15:7, listens
on the port the guest's checker connects to through the gateway, and prints
PASS:/FAIL: per check:
  - the guest pings the gateway and opens TCP to it (printed by the checker);
  - TCP echo of 64 KiB, several connections at once, UDP echo;
  - a burst of junk (oversized and empty UDP datagrams, connections dropped
    mid-stream or reset), then the echo still answers TCP and UDP.
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness  # noqa: E402
from harness import report, wait_for  # noqa: E402

NETCHECK_PORT = 47321


def udp_echoes(port, count):
    """How many of count datagrams the echo sent back."""
    msgs = [b"udp-%d-" % i + os.urandom(32) for i in range(count)]
    return sum(harness.udp_echo(("127.0.0.1", port), m) == m for m in msgs)


def gateway_server(listener, result):
    """Answers the guest's checker: reads its hello, replies host-ok."""
    listener.settimeout(120)
    try:
        conn, _ = listener.accept()
        conn.settimeout(30)
        data = b""
        while b"\n" not in data:
            chunk = conn.recv(256)
            if not chunk:
                break
            data += chunk
        result["hello"] = data
        conn.sendall(b"host-ok\n")
        time.sleep(1)
        conn.close()
    except OSError as e:
        result["error"] = str(e)


def main():
    image, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "user-console.log")
    if os.path.exists(log):
        os.remove(log)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(("127.0.0.1", NETCHECK_PORT))
        listener.listen(1)
    except OSError as e:
        print(f"SKIP: net-user/guest-tcp-to-gateway host port {NETCHECK_PORT} busy: {e}")
        listener = None
    gw = {}
    if listener is not None:
        threading.Thread(target=gateway_server, args=(listener, gw), daemon=True).start()
    port = harness.free_port()
    netdev = (f"user,id=n0,dhcpstart=10.0.2.20,hostfwd=tcp:127.0.0.1:{port}-10.0.2.15:7,"
              f"hostfwd=udp:127.0.0.1:{port}-10.0.2.15:7")
    env = dict(os.environ, QEMU_TIMEOUT="240")
    with open(log, "wb") as out:
        # A CPU that offers RDRAND (TCG implements it from the host's random
        # source), so the stacks' per-boot secret comes from it (docs/net.md).
        proc = harness.run_group(["scripts/qemu-run", image, "-cpu", "qemu64,+pdpe1gb,+rdrand",
                                  "-netdev", netdev, "-device", "virtio-net-pci,netdev=n0,addr=4"],
                                 stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        up = wait_for(log, "echo: echo on TCP and UDP port 7", 120) and \
            wait_for(log, "virtio_net: ready", 60)
        report("net-user/echo-and-driver-start", up, "console: " + harness.read_log(log)[-400:])
        if not up:
            return
        # Both grants came from the system description's regions, and the
        # virtualiser enforces them; the DHCP client's lease ends by the clock
        # of the timer channel the description gives the virtualiser.
        text = harness.read_log(log)
        report("net-user/virt-takes-grants-from-regions",
               "net_virt: client 0: grant accepted, transmit filtered" in text and
               "net_virt: client 1: grant accepted, transmit filtered" in text and
               "net_virt: DHCP leases end by the timer's clock" in text,
               "console: " + "".join(l + "\n" for l in text.splitlines() if l.startswith("net_virt:"))[-400:])
        report("net-user/secret-from-rdrand", "no RDSEED/RDRAND" not in text,
               "console: " + "".join(l + "\n" for l in text.splitlines() if "RDRAND" in l)[-400:])
        # The checker's own verdicts (ping and TCP to the gateway).
        wait_for(log, "net-user/guest-tcp-to-gateway", 90)
        text = harness.read_log(log)
        for line in text.splitlines():
            if line.startswith(("PASS: net-user/", "FAIL: net-user/")):
                print(line, flush=True)
                if line.startswith("FAIL"):
                    harness.failures += 1
        if listener is not None:
            report("net-user/host-saw-guest-hello", gw.get("hello", b"").startswith(b"substrate-hello"),
                   repr(gw))

        data = os.urandom(64 * 1024)
        t0 = time.time()
        try:
            got = harness.tcp_echo(("127.0.0.1", port), data)
        except OSError as e:
            got = b""
            print(f"tcp echo: {e}")
        secs = time.time() - t0
        report("net-user/tcp-echo-64KiB-through-hostfwd", got == data, f"{len(got)} of {len(data)} bytes back")
        print(f"net-user: 64 KiB echoed in {secs:.2f}s ({len(data) * 8 / secs / 1e6:.2f} Mbit/s each way, TCG)")

        results = [None] * 4

        def one(i):
            d = os.urandom(16 * 1024)
            try:
                results[i] = harness.tcp_echo(("127.0.0.1", port), d) == d
            except OSError:
                results[i] = False
        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        report("net-user/tcp-echo-4-connections-at-once", all(results), f"{results}")

        n = udp_echoes(port, 10)
        report("net-user/udp-echo-through-hostfwd", n == 10, f"{n} of 10 datagrams echoed")

        # Junk through the forward: empty and maximal datagrams, connections
        # that vanish mid-stream or reset.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            for i in range(300):
                size = [0, 1, 1472, 8000, 65507][i % 5]
                try:
                    s.sendto(os.urandom(size), ("127.0.0.1", port))
                except OSError:
                    pass
        for i in range(20):
            try:
                c = socket.create_connection(("127.0.0.1", port), timeout=10)
                c.send(os.urandom(3000))
                if i % 2:
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
            except OSError:
                pass
        time.sleep(2)
        d = os.urandom(8192)
        try:
            ok = harness.tcp_echo(("127.0.0.1", port), d) == d
        except OSError:
            ok = False
        n = udp_echoes(port, 5)
        report("net-user/echo-answers-after-junk", ok and n == 5, f"tcp {ok}, udp {n} of 5")
    finally:
        harness.stop_group(proc)
        if listener is not None:
            listener.close()


if __name__ == "__main__":
    main()
    sys.exit(harness.exit_status())
