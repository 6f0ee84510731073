#!/usr/bin/env python3
"""bench-net, guest part: our echo image (real virtio-net driver, network
virtualiser, lwIP echo PD) and a Linux guest (Debian's kernel, busybox,
bench/net/linux_echo) on the same QEMU network setup, the same workloads,
side by side in one run.

  usage: bench/net/netbench.py [--runs N] [--seconds S] [--icount] [--profile S] OURS_IMAGE KERNEL_ELF LINUX_DIR WORKDIR
         (LINUX_DIR: where bench/net/linux_guest.py puts vmlinuz and initrd.gz)

Network: a tap device in a private network namespace (host side 10.0.2.1,
guest 10.0.2.15), so both guests' packets go through QEMU's tap backend and
the host's kernel, not SLIRP. Without root or /dev/net/tun it falls back to
QEMU's user network with host forwards, and says so.

Both guests run under TCG with the same machine, CPU, memory and NIC
(virtio-net-pci at 00:04.0). Services, the same in both guests:
TCP port 7 echo, 9 discard (host -> guest), 19 source (guest -> host).

Workloads, each for S seconds per guest:
  echo-1, echo-8    echo over 1 / 8 connections (host checks every byte)
  h2g-1, h2g-8      host sends to the discard port
  g2h-1, g2h-8      host reads from the source port
  rr-64             one connection, 64-byte request/response
Guest CPU per byte: the guest's busy TSC cycles over the workload (not wall
time) over the payload bytes crossing the guest (echo: both ways). Ours: the
kernel's idle accounting (sched_idle_acct, read from guest memory through the
QEMU monitor). Linux: its monotonic clock less the idle time of /proc/stat
(exact with dynamic ticks), served on TCP port 8.
Host CPU per byte: the CPU time of QEMU's virtual CPU thread over the
workload, read from the host's /proc: the same yardstick for every guest,
charging it for all the emulation it causes, and for any time it spins where
its own accounting says idle.
Guests: ours; Linux as it comes (the NIC's offloads on, so it moves up to
64 KiB per frame); Linux with the offloads off (MTU frames, as ours).
Each line printed is "BENCH: net-guest run R GUEST WORKLOAD ...", then
tables of ratios ours/Linux.

--icount counts guest instructions instead of time: QEMU runs with
`-icount shift=0`, where the virtual clock, and with it the guest's TSC,
advances one nanosecond per instruction while the CPU runs (and with real
time while it halts). The same accounting then gives instructions executed
while busy, per byte or per round, for every guest: repeatable to a fraction
of a percent and free of what QEMU spends finding and translating code, which
plain TCG charges to the guest (most of all after each address-space switch).

--profile S traces S seconds from the middle of each workload: QEMU runs with
block chaining off (slower) and logs every translated block entered to
WORKDIR/GUEST-WORKLOAD-blocks.log, which bench/net/blockprof.py turns into
instructions per PD and function for our guest.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import threading
import time

GUEST_IP = "10.0.2.15"
HOST_IP = "10.0.2.1"
PORTS = {"echo": 7, "discard": 9, "source": 19, "stats": 8}
MAC = "52:54:00:00:00:a1"
QEMU_COMMON = ["qemu-system-x86_64", "-accel", "tcg", "-M", "q35", "-cpu", "qemu64,+pdpe1gb", "-m", "1G",
               "-name", "guest,debug-threads=on", "-nodefaults", "-display", "none", "-no-reboot",
               "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
CHUNK = 65536
# What the guests' busy TSC ticks are: host time under TCG, or guest
# instructions under --icount (main sets it).
COST = {"name": "busy cycles", "short": "cyc", "digits": 0}
# The third guest: Linux with the NIC's offloads (checksum, TSO/GSO, merged
# receive buffers) switched off, so it moves MTU-sized frames as ours does.
NO_OFFLOADS = (",csum=off,guest_csum=off,gso=off,guest_tso4=off,guest_tso6=off,guest_ecn=off,"
               "guest_ufo=off,host_tso4=off,host_tso6=off,host_ecn=off,host_ufo=off,mrg_rxbuf=off")
GUESTS = ("ours", "linux", "linux-nooff")


RETRANS = [0]  # the host's TCP retransmissions in the current workload
RETRANS_LOCK = threading.Lock()


def count_retrans(s):
    """Adds the host socket's total retransmissions (Linux struct tcp_info,
    tcpi_total_retrans at byte 100) to RETRANS."""
    try:
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return
    if len(info) >= 104:
        with RETRANS_LOCK:
            RETRANS[0] += int.from_bytes(info[100:104], "little")


class Unreachable(Exception):
    pass


class Guest:
    """One guest under QEMU: boot, wait for its echo, read its CPU counters, stop."""

    def __init__(self, kind, args, net, work):
        self.kind, self.args, self.net, self.work = kind, args, net, work
        self.log = os.path.join(work, f"{kind}-console.log")
        self.mon = os.path.join(work, f"{kind}-monitor.sock")
        self.proc = None
        self.tsc_mhz = None

    def qemu_args(self):
        if self.net == "tap":
            nd = "tap,id=n0,ifname=tap0,script=no,downscript=no"
        else:
            fw = ",".join(f"hostfwd=tcp:127.0.0.1:{40000 + p}-{GUEST_IP}:{p}" for p in PORTS.values())
            nd = f"user,id=n0,net=10.0.2.0/24,{fw}"
        dev = f"virtio-net-pci,netdev=n0,addr=4,mac={MAC}"
        if self.kind == "linux-nooff":
            dev += NO_OFFLOADS
        a = QEMU_COMMON + ["-serial", f"file:{self.log}", "-monitor", f"unix:{self.mon},server,nowait",
                           "-netdev", nd, "-device", dev]
        if self.args.icount:
            a += ["-icount", "shift=0,sleep=on"]
        if self.args.profile:
            a += ["-d", "nochain"]  # trace_blocks names the log file when it starts one
        if self.kind == "ours":
            return a + ["-kernel", self.args.image]
        # Both Linux guests: the same kernel and initramfs.
        return a + ["-kernel", os.path.join(self.args.linux, "vmlinuz"),
                    "-initrd", os.path.join(self.args.linux, "initrd.gz"),
                    "-append", "console=ttyS0 quiet panic=-1"]

    def start(self):
        for f in (self.log, self.mon):
            if os.path.exists(f):
                os.remove(f)
        if self.net == "tap":
            subprocess.run(["ip", "neigh", "flush", "dev", "tap0"], check=False)
        self.proc = subprocess.Popen(self.qemu_args(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        ready = "echo: echo on TCP and UDP port 7" if self.kind == "ours" else "linux-echo: echo on TCP"
        end = time.time() + 300
        while time.time() < end and self.proc.poll() is None:
            text = self.console()
            if ready in text:
                break
            time.sleep(0.5)
        else:
            raise Unreachable(f"{self.kind} guest did not start its echo; console tail: {self.console()[-400:]!r}")
        if self.kind == "ours":
            m = re.search(r"tsc (\d+) MHz", self.console())
            self.tsc_mhz = int(m.group(1)) if m else None
        # The first connection also waits for ARP and the stack's start-up.
        end = time.time() + 60
        while True:
            try:
                rr(self, 0.2)
                break
            except OSError as e:
                if time.time() > end:
                    raise Unreachable(f"{self.kind} guest echo unreachable: {e}")
                time.sleep(1)

    def console(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def addr(self, service):
        p = PORTS[service]
        return (GUEST_IP, p) if self.net == "tap" else ("127.0.0.1", 40000 + p)

    def monitor(self, cmd):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(20)
            s.connect(self.mon)
            out = b""
            while not out.endswith(b"(qemu) "):
                out += s.recv(4096)
            s.sendall(cmd.encode() + b"\n")
            out = b""
            while out.count(b"(qemu) ") < 1:
                out += s.recv(4096)
            return out.decode(errors="replace")

    def busy_cycles(self):
        """(busy cycles so far, TSC MHz, context switches so far) by the
        guest's own accounting (ours: address-space switches; Linux: ctxt). Ours
        counts up to its latest wake-up from idle, so the guest is first let
        go idle (it is, half a second after a workload, but for its timer
        ticks); Linux is given the same pause."""
        time.sleep(0.5)
        if self.kind == "ours":
            text = self.monitor(f"xp /3gx {self.args.idle_paddr:#x}")
            m = re.search(r"[0-9a-f]+: (0x[0-9a-f]+) (0x[0-9a-f]+)\s+[0-9a-f]+: (0x[0-9a-f]+)", text)
            if m is None:
                raise ValueError(f"unexpected monitor answer {text!r}")
            idle, stamp, switches = (int(m.group(i), 16) for i in (1, 2, 3))
            return stamp - idle, self.tsc_mhz, switches
        with socket.create_connection(self.addr("stats"), timeout=20) as s:
            line = b""
            while not line.endswith(b"\n"):
                chunk = s.recv(256)
                if not chunk:
                    break
                line += chunk
        f = line.decode().split()
        idle, hz, khz, ctxt, now_ns = int(f[1]), int(f[2]), int(f[3]), int(f[4]), int(f[5])
        # Elapsed less idle, both exact under dynamic ticks, as ours is counted.
        # Not /proc/stat's busy ticks: they are samples taken at timer ticks,
        # and the tick stops whenever the CPU idles, so a request/response
        # round's few busy microseconds between idle periods mostly go unseen.
        return (now_ns - idle * 10**9 // hz) * khz // 10**6, khz // 1000, ctxt

    def host_cpu_ns(self):
        """Host CPU time QEMU's virtual CPU thread has used so far, in ns: what
        emulating this guest's processor costs the machine, whatever the guest
        counts as idle. debug-threads names it "CPU 0/TCG" ("ALL CPUs/TCG"
        under -icount)."""
        total = 0
        for tid in os.listdir(f"/proc/{self.proc.pid}/task"):
            with open(f"/proc/{self.proc.pid}/task/{tid}/stat") as f:
                stat = f.read()
            if stat[stat.index("(") + 1:stat.rindex(")")].endswith("/TCG"):
                fields = stat[stat.rindex(")") + 2:].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total * 1e9 / os.sysconf("SC_CLK_TCK")

    def stop(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def rr(guest, seconds):
    """64-byte request/response on one connection for `seconds`: (rounds, elapsed)."""
    with socket.create_connection(guest.addr("echo"), timeout=20) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        msg = bytes(range(64))
        rounds, t0 = 0, time.time()
        while True:
            s.sendall(msg)
            got = b""
            while len(got) < 64:
                chunk = s.recv(64 - len(got))
                if not chunk:
                    raise OSError("echo closed the connection")
                got += chunk
            if got != msg:
                raise OSError("echo returned other bytes")
            rounds += 1
            if time.time() - t0 >= seconds:
                return rounds, time.time() - t0


def stream_echo(guest, seconds, out, i):
    pattern = bytes((i * 7 + k) & 0xFF for k in range(CHUNK))
    with socket.create_connection(guest.addr("echo"), timeout=60) as s:
        sent = [0]

        def sender():
            end = time.time() + seconds
            while time.time() < end:
                s.sendall(pattern)
                sent[0] += CHUNK
            s.shutdown(socket.SHUT_WR)
        t = threading.Thread(target=sender)
        t.start()
        got, bad = 0, False
        while True:
            chunk = s.recv(CHUNK)
            if not chunk:
                break
            off = got % CHUNK
            first = pattern[off:off + len(chunk)]
            if chunk[:len(first)] != first or (len(chunk) > len(first) and
                                               chunk[len(first):] != pattern[:len(chunk) - len(first)]):
                bad = True
            got += len(chunk)
        t.join()
        count_retrans(s)
        out[i] = got if got == sent[0] and not bad else -1


def stream_discard(guest, seconds, out, i):
    data = b"\xa5" * CHUNK
    with socket.create_connection(guest.addr("discard"), timeout=60) as s:
        n, end = 0, time.time() + seconds
        while time.time() < end:
            s.sendall(data)
            n += CHUNK
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):  # the guest closes once it has read everything
            pass
        count_retrans(s)
        out[i] = n


def stream_source(guest, seconds, out, i):
    with socket.create_connection(guest.addr("source"), timeout=60) as s:
        n, end = 0, time.time() + seconds
        while time.time() < end:
            chunk = s.recv(CHUNK)
            if not chunk:
                break
            n += len(chunk)
        out[i] = n


def streams(guest, fn, count, seconds):
    out = [0] * count
    errs = []

    def run(i):
        try:
            fn(guest, seconds, out, i)
        except OSError as e:
            errs.append(str(e))
    ts = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join(seconds + 180)
    elapsed = time.time() - t0
    if errs:
        raise OSError(errs[0])
    if any(v < 0 for v in out):
        raise OSError("echoed bytes differ from those sent")
    return sum(out), elapsed


WORKLOADS = [("echo-1", stream_echo, 1, 2), ("echo-8", stream_echo, 8, 2),
             ("h2g-1", stream_discard, 1, 1), ("h2g-8", stream_discard, 8, 1),
             ("g2h-1", stream_source, 1, 1), ("g2h-8", stream_source, 8, 1), ("rr-64", None, 1, 2)]


def trace_blocks(guest, name, after, seconds):
    """From `after` seconds on, `seconds` of QEMU's block trace into
    WORKDIR/GUEST-WORKLOAD-blocks.log (chaining is off, so every block entered
    is logged)."""
    def run():
        try:
            guest.monitor(f"logfile {os.path.join(guest.work, f'{guest.kind}-{name}-blocks.log')}")
            guest.monitor("log exec,nochain")
            time.sleep(seconds)
            guest.monitor("log nochain")
        except OSError as e:
            print(f"BENCH: net-guest {guest.kind} {name}: no block trace: {e}", flush=True)
    t = threading.Timer(after, run)
    t.start()
    return t


def measure(guest, run, seconds, results, only):
    for name, fn, count, crossings in WORKLOADS:
        if only and name not in only:
            continue
        tracer = None
        try:
            b0, mhz, sw0 = guest.busy_cycles()
            RETRANS[0] = 0
            h0 = guest.host_cpu_ns()
            if guest.args.profile:
                tracer = trace_blocks(guest, name, max(0.0, (seconds - guest.args.profile) / 2), guest.args.profile)
            if fn is None:
                rounds, elapsed = rr(guest, seconds)
                moved = rounds * 64
            else:
                moved, elapsed = streams(guest, fn, count, seconds)
            host = guest.host_cpu_ns() - h0
            b1, _, sw1 = guest.busy_cycles()
        except (OSError, IndexError, ValueError) as e:
            print(f"BENCH: net-guest run {run} {guest.kind} {name} failed: {e}", flush=True)
            continue
        finally:
            if tracer is not None:
                tracer.join()
        busy = b1 - b0
        r = {"elapsed": elapsed, "busy": busy, "mhz": mhz, "switches": sw1 - sw0,
             "util": busy / (elapsed * mhz * 1e6) if mhz else float("nan")}
        # Under --icount the guest's clock is not the wall clock: no busy share.
        util = "" if guest.args.icount else f", guest busy {100 * r['util']:.0f}%"
        if fn is None:
            r.update(rate=rounds / elapsed, lat_us=1e6 * elapsed / rounds, cpr=busy / rounds, hpr=host / rounds)
            print(f"BENCH: net-guest run {run} {guest.kind} {name} {r['rate']:.0f} /s, latency "
                  f"{r['lat_us']:.0f} us, {r['cpr']:.0f} {COST['name']}/round{util}, "
                  f"host CPU {r['hpr'] / 1e3:.0f} us/round, "
                  f"{r['switches'] / rounds:.1f} context switches/round",
                  flush=True)
        else:
            r.update(mbps=moved * 8 / elapsed / 1e6, cpb=busy / (moved * crossings), retrans=RETRANS[0],
                     hpb=host / (moved * crossings))
            print(f"BENCH: net-guest run {run} {guest.kind} {name} {r['mbps']:.1f} Mbit/s, "
                  f"{r['cpb']:.{COST['digits']}f} {COST['name']}/byte{util}, host CPU {r['hpb']:.2f} ns/byte, "
                  f"{r['switches'] * 1460 / moved:.2f} context switches per 1460 B, "
                  f"({moved} B in {elapsed:.1f} s, host retransmitted {RETRANS[0]} segments)", flush=True)
        results.setdefault((run, guest.kind), {})[name] = r


def idle_paddr(kernel_elf):
    out = subprocess.run(["nm", kernel_elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == "sched_idle_acct":
            return int(f[0], 16) - 0xFFFFFFFF80000000
    raise SystemExit(f"netbench: no sched_idle_acct in {kernel_elf}")


def summary(results, runs, path):
    for base in GUESTS[1:]:
        summary_against(results, runs, base, f"{COST['name']} per byte", "cpb", "cpr")
    for base in GUESTS[1:]:
        summary_against(results, runs, base, "host CPU per byte", "hpb", "hpr")
    markdown(results, runs, path)


def markdown(results, runs, path):
    """Every figure of the run as a Markdown table (for docs/bench-net.md);
    the ratio cells are throughput / guest-counted cost / host CPU."""
    lines = ["| workload | run | " + " | ".join(GUESTS) + " | ours/Linux | ours/Linux no offloads |",
             "|---|---|" + "---|" * (len(GUESTS) + 2)]
    for name, fn, _, _ in WORKLOADS:
        for run in range(1, runs + 1):
            cells, vals = [], {}
            for g in GUESTS:
                r = results.get((run, g), {}).get(name)
                if r is None:
                    cells.append("n/a")
                    continue
                if fn is None:
                    vals[g] = (r["rate"], r["cpr"], r["hpr"])
                    cells.append(f"{r['rate']:.0f} /s, {r['cpr'] / 1e3:.{max(0, COST['digits'] - 1)}f} k {COST['short']}/round, "
                                 f"host {r['hpr'] / 1e3:.0f} us/round, "
                                 f"{r['switches'] / max(1, r['rate'] * r['elapsed']):.1f} sw/round")
                else:
                    vals[g] = (r["mbps"], r["cpb"], r["hpb"])
                    cells.append(f"{r['mbps']:.1f} Mbit/s, {r['cpb']:.{COST['digits']}f} {COST['short']}/B, "
                                 f"host {r['hpb']:.2f} ns/B, {r['retrans']} rtx")
            for base in GUESTS[1:]:
                if "ours" in vals and base in vals and all(vals[base]):
                    cells.append(" / ".join(f"{o / b:.2f}" for o, b in zip(vals["ours"], vals[base])))
                else:
                    cells.append("n/a")
            lines.append(f"| {name} | {run} | " + " | ".join(cells) + " |")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"BENCH: net-guest table in {path}", flush=True)


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def summary_against(results, runs, base, label, bulk_cost, rr_cost):
    print(f"BENCH: net-guest ratios ours/{base} per run, throughput / {label} "
          f"(throughput >1: ours faster; cost <1: ours cheaper); then the median of each, "
          "over the runs both guests finished", flush=True)
    for name, fn, _, _ in WORKLOADS:
        cells, speed, cost_ratio = [], [], []
        for run in range(1, runs + 1):
            o = results.get((run, "ours"), {}).get(name)
            lx = results.get((run, base), {}).get(name)
            key = "rate" if fn is None else "mbps"
            cost = rr_cost if fn is None else bulk_cost
            if not o or not lx or not lx[key] or not lx[cost]:
                cells.append("n/a")
                continue
            speed.append(o[key] / lx[key])
            cost_ratio.append(o[cost] / lx[cost])
            cells.append(f"{speed[-1]:.2f} / {cost_ratio[-1]:.2f}")
        mid = f"; median {median(speed):.2f} / {median(cost_ratio):.2f}" if speed else ""
        print(f"BENCH: net-guest ratio ours/{base} {name} ({label}): " + ", ".join(cells) + mid, flush=True)


def inner(args, net):
    os.makedirs(args.work, exist_ok=True)
    args.idle_paddr = idle_paddr(args.kernel)
    have_linux = os.path.exists(os.path.join(args.linux, "initrd.gz"))
    if not have_linux:
        print("BENCH: net-guest SKIP linux: no Linux guest (packages could not be fetched); ours only",
              flush=True)
    clock = "TCG, instructions counted (-icount shift=0)" if args.icount else "TCG"
    print(f"BENCH: net-guest network: {net}, {clock}, {args.seconds} s per workload, {args.runs} runs", flush=True)
    results = {}
    for run in range(1, args.runs + 1):
        for kind in GUESTS if have_linux else ("ours",):
            if args.guests and kind not in args.guests:
                continue
            g = Guest(kind, args, net, args.work)
            try:
                g.start()
                measure(g, run, args.seconds, results, args.workloads)
            except Unreachable as e:
                print(f"BENCH: net-guest run {run} {kind} failed: {e}", flush=True)
            finally:
                g.stop()
    summary(results, args.runs, os.path.join(args.work, "table.md"))


def run(*cmd):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--inner", choices=["tap", "user"])
    ap.add_argument("--icount", action="store_true", help="count guest instructions, not time")
    ap.add_argument("--profile", type=float, default=0, metavar="S",
                    help="trace S seconds of each workload's translated blocks (see bench/net/blockprof.py)")
    # Subsets, for looking at one workload (a profile, say): comma lists.
    ap.add_argument("--guests", type=lambda v: v.split(","), default=None,
                    help=f"only these of {','.join(GUESTS)}")
    ap.add_argument("--workloads", type=lambda v: v.split(","), default=None,
                    help=f"only these of {','.join(w[0] for w in WORKLOADS)}")
    ap.add_argument("image")
    ap.add_argument("kernel")
    ap.add_argument("linux")
    ap.add_argument("work")
    args = ap.parse_args()
    for a in ("image", "kernel", "linux", "work"):
        setattr(args, a, os.path.abspath(getattr(args, a)))
    if args.icount:
        COST.update(name="instructions", short="instr", digits=2)
    if args.inner:
        inner(args, args.inner)
        return
    why = None
    if os.geteuid() != 0:
        why = "not root"
    elif not os.path.exists("/dev/net/tun"):
        why = "no /dev/net/tun"
    ns = f"substrate-bench-{os.getpid()}"
    if why is None:
        r = run("ip", "netns", "add", ns)
        if r.returncode != 0:
            why = f"cannot make a network namespace: {r.stdout.strip()}"
    if why is not None:
        print(f"BENCH: net-guest no tap device ({why}): QEMU user network with host forwards instead, "
              "which measures SLIRP as much as the guests", flush=True)
        inner(args, "user")
        return
    try:
        for cmd in (["ip", "tuntap", "add", "dev", "tap0", "mode", "tap"], ["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "set", "tap0", "up"], ["ip", "addr", "add", f"{HOST_IP}/24", "dev", "tap0"]):
            r = run("ip", "netns", "exec", ns, *cmd)
            if r.returncode != 0:
                raise SystemExit(f"netbench: cannot set up the tap device: {' '.join(cmd)}: {r.stdout.strip()}")
        rc = subprocess.run(["ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__),
                             "--inner", "tap", "--runs", str(args.runs), "--seconds", str(args.seconds),
                             *(["--icount"] if args.icount else []),
                             *(["--profile", str(args.profile)] if args.profile else []),
                             *(["--guests", ",".join(args.guests)] if args.guests else []),
                             *(["--workloads", ",".join(args.workloads)] if args.workloads else []),
                             args.image, args.kernel, args.linux, args.work]).returncode
        sys.exit(rc)
    finally:
        run("ip", "netns", "del", ns)


if __name__ == "__main__":
    main()
