#!/usr/bin/env python3
"""test-os: boots what `make run` boots and talks to its echo from the host.

Usage: os_test.py LOGDIR QEMU_RUN IMAGE QEMU_ARGS...

QEMU_ARGS are `make run`'s own (RUN_QEMU_ARGS), with the forwarded host port
spelled @PORT@; this script puts a free port there. It waits for the echo
service to come up, sends TCP and UDP data to 127.0.0.1:PORT and checks the
bytes that come back, then leaves the system alone and expects it to end the
run itself with its success verdict once the network has been idle, having
printed the default PDs' story in order. One PASS:/FAIL: line per check.
"""
import os
import random
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import harness  # noqa: E402

BOOT_TIMEOUT = 60      # s until the echo says it is up (TCG, loaded machine)
END_TIMEOUT = 40       # s after our traffic until the system ends the run
ECHO_READY = "echo: echo on TCP and UDP port 7"
DEFAULT_STORY = [
    "server: ready (passive)",
    "client: calling the server with 20 and 22",
    "server: call on channel 0 with 2 words",
    "client: server replied 42 (label 7)",
    "pong: got ping 3",
    "ping: pong answered round 3",
    "client: ping-pong finished",
    "client: child 1 page fault at address 16; restarting it",
    "worker: run 2 is healthy",
    "default: all protection domains started and talked",
]

report = harness.reporter("os/")


def console(log):
    return harness.read_log(log).replace("\r", "")


def in_order(text, lines):
    rows = text.split("\n")
    at = 0
    for want in lines:
        while at < len(rows) and rows[at] != want:
            at += 1
        if at == len(rows):
            return want
        at += 1
    return None


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    logdir, qemu_run, image = sys.argv[1:4]
    port = harness.free_port()
    args = [a.replace("@PORT@", str(port)) for a in sys.argv[4:]]
    os.makedirs(logdir, exist_ok=True)
    log = os.path.join(logdir, "console.log")
    env = dict(os.environ, QEMU_TIMEOUT=str(BOOT_TIMEOUT + END_TIMEOUT + 60))
    start = time.monotonic()
    with open(log, "wb") as out:
        qemu = harness.run_group([qemu_run, image] + args, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = start + BOOT_TIMEOUT
        while ECHO_READY not in console(log):
            if qemu.poll() is not None or time.monotonic() > deadline:
                report("echo-up", False, f"no '{ECHO_READY}' (log: {log})")
                return 1
            time.sleep(0.2)
        report("echo-up", True)

        rng = random.Random(7)
        ok = True
        why = ""
        for size in (1, 1460, 20000):
            payload = bytes(rng.randrange(256) for _ in range(size))
            # All of it back, then a clean close: the echo closes its side after ours.
            try:
                got = harness.tcp_echo(("127.0.0.1", port), payload, connect_for=20)
            except OSError as e:
                ok, why = False, f"{size} bytes: {e}"
                break
            if got != payload:
                ok, why = False, f"{size} bytes: got {len(got)} back, equal={got == payload}"
                break
        report("echo-tcp-127.0.0.1-forwarded", ok, why)

        ok, why = True, ""
        for size in (1, 512, 1400):
            payload = bytes(rng.randrange(256) for _ in range(size))
            got = harness.udp_echo(("127.0.0.1", port), payload, tries=15, timeout=1.0)
            if got != payload:
                ok, why = False, f"{size}-byte datagram: got {None if got is None else len(got)} bytes back"
                break
        report("echo-udp-127.0.0.1-forwarded", ok, why)

        traffic_done = time.monotonic()
        try:
            rc = qemu.wait(timeout=END_TIMEOUT)
        except subprocess.TimeoutExpired:
            report("run-ends-cleanly", False, f"still running {END_TIMEOUT}s after the traffic (log: {log})")
            return 1
        text = console(log)
        report("run-ends-cleanly", rc == 0 and "default: network idle, ending the run" in text,
               f"qemu-run status {rc} (log: {log})")
        missing = in_order(text, DEFAULT_STORY)
        report("default-pds-start-and-talk", missing is None, f"missing or out of order: '{missing}' (log: {log})")
        bad = [w for w in ("kernel panic", "stopped:", "invalid channel") if w in text]
        report("no-faults", not bad, f"console shows {bad} (log: {log})")
        print(f"os: boot to echo {traffic_done - start:.1f}s total, whole run {time.monotonic() - start:.1f}s",
              flush=True)
    finally:
        harness.stop_group(qemu)
    return harness.exit_status()


if __name__ == "__main__":
    sys.exit(main())
