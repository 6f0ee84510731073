"""What the QEMU test drivers share: reporting a case, booting an image,
reading its console, and talking to a guest's echo from the host.

The drivers are run as scripts; each puts this directory on sys.path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    import harness  # noqa: E402

A case is reported as one line, `PASS: name` or `FAIL: name why`, which
scripts/run-tests counts; a driver ends with `sys.exit(harness.exit_status())`
so the suite fails with its cases (tests/harness.h is the C counterpart).
"""
import os
import re
import signal
import socket
import subprocess
import sys
import time

failures = 0  # FAIL lines so far; a driver may add failures seen elsewhere


def report(name, ok, why=""):
    """Prints PASS: name, or FAIL: name why and counts the failure."""
    global failures
    if ok:
        print(f"PASS: {name}")
    else:
        failures += 1
        print(f"FAIL: {name} {why}".rstrip())
    sys.stdout.flush()


def reporter(prefix):
    """A report() for one suite: every case name starts with prefix."""
    return lambda name, ok, why="": report(prefix + name, ok, why)


def exit_status():
    return 1 if failures else 0


# --- QEMU and its console -------------------------------------------------

def run_group(cmd, **kwargs):
    """Starts cmd (scripts/qemu-run, usually) in a session of its own, for
    stop_group. The script runs QEMU under `timeout` as children: killing the
    script alone leaves QEMU running until its timeout, on a core the next
    test or benchmark then lacks."""
    return subprocess.Popen(cmd, start_new_session=True, **kwargs)


def stop_group(proc):
    """Ends a run_group process with everything it started, and reaps it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def qemu_cmd(image, log, extra=()):
    """QEMU (TCG) booting image, the serial console written to log, the
    verdict device at 0xf4 (as scripts/qemu-run); extra arguments last."""
    return ["qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-cpu", "qemu64,+pdpe1gb", "-m", "1G",
            "-nodefaults", "-display", "none", "-no-reboot", "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-serial", f"file:{log}",
            "-kernel", image] + list(extra)


def virtio_blk(disk):
    """QEMU arguments giving the raw image disk as a virtio-blk device at PCI slot 3."""
    return ["-drive", f"file={disk},if=none,id=d0,format=raw,cache=writeback",
            "-device", "virtio-blk-pci,drive=d0,addr=3"]


def read_log(log):
    """The console so far, as text ('' while there is no file yet)."""
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def wait_for(log, text, timeout):
    """Whether text shows in the console file within timeout seconds."""
    end = time.time() + timeout
    while time.time() < end:
        if text in read_log(log):
            return True
        time.sleep(0.2)
    return False


def boot_until(image, disk, log, pattern, linger, limit):
    """Boots image with disk on virtio-blk; once the regular expression
    pattern (multi-line) matches the console, waits linger seconds more, then
    kills QEMU (SIGKILL: nothing gets flushed), or at limit seconds, or when
    it ends. Returns the console text and whether pattern matched."""
    if os.path.exists(log):
        os.unlink(log)
    proc = run_group(qemu_cmd(image, log, virtio_blk(disk)), stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start, seen = time.monotonic(), None
    while time.monotonic() - start < limit and proc.poll() is None:
        time.sleep(0.1)
        if seen is None and re.search(pattern, read_log(log), re.M):
            seen = time.monotonic()
        if seen is not None and time.monotonic() - seen >= linger:
            break
    stop_group(proc)
    return read_log(log), seen is not None


# --- the network, from the host -------------------------------------------

def free_port():
    """A port free for both TCP and UDP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def tcp_echo(addr, data, timeout=20, connect_for=0):
    """Sends data to the echo at addr (host, port) on one connection, 4 KiB at
    a time, reading back as it goes; then closes our side and reads until the
    echo closes its own. Returns all that came back. A refused connection is
    retried for connect_for seconds. Raises OSError (socket.timeout too)."""
    deadline = time.monotonic() + connect_for
    while True:
        try:
            s = socket.create_connection(addr, timeout=timeout)
            break
        except OSError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.5)
    with s:
        got = bytearray()
        sent = 0
        while sent < len(data):
            sent += s.send(data[sent:sent + 4096])
            while len(got) < sent:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        s.shutdown(socket.SHUT_WR)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return bytes(got)


def udp_echo(addr, payload, tries=5, timeout=2.0):
    """Sends payload to the echo at addr, again after each timeout seconds
    without it coming back, up to tries times. Returns the payload when it
    came back, else the last datagram received (None if none)."""
    last = None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        for _ in range(tries):
            s.sendto(payload, addr)
            try:
                last, _ = s.recvfrom(65536)
            except socket.timeout:
                continue
            if last == payload:
                break
    return last
