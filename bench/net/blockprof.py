#!/usr/bin/env python3
"""Where our guest's instructions go: a profile from QEMU's block trace.

  usage: bench/net/blockprof.py [--top N] TRACE KERNEL_ELF NAME=PD_ELF...

TRACE is QEMU's `log exec` output taken with block chaining off (netbench.py
--profile makes one per workload), so it names every translated block the
CPU entered, in order. Each block is weighed by its instructions, counted
from the ELF's disassembly up to the first control transfer or the end of
its page, where QEMU ends a block too. The trace does not say which address
space a user address belongs to, and every PD is linked at the same
addresses, so the trace is cut at each CR3 load (the kernel's instruction
after its move to %cr3) and each piece goes to the PD whose code its user
addresses fit best. Prints the kernel's and each PD's share, then the
functions with the most instructions.
"""
import argparse
import bisect
import collections
import re
import subprocess

KERNEL_HALF = 0xFFFF800000000000
ENDS_BLOCK = re.compile(r"^(j|call|ret|syscall|sysret|iret|hlt|int|loop|ud2|rep)")
TRACE_LINE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")


class Code:
    """One ELF's instructions: address, mnemonic and enclosing function."""

    def __init__(self, elf):
        out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True, text=True,
                             check=True).stdout
        self.insns, self.func, fn = [], {}, "?"
        for line in out.splitlines():
            m = re.match(r"^([0-9a-f]+) <(.+)>:", line)
            if m:
                fn = m.group(2)
                continue
            m = re.match(r"^\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
            if m:
                addr = int(m.group(1), 16)
                self.insns.append((addr, m.group(2), m.group(3)))
                self.func[addr] = fn
        self.addrs = [a for a, _, _ in self.insns]
        self.blocks = {}

    def block(self, pc):
        """(instructions, function) of the block starting at pc, or None when
        pc starts no instruction here."""
        if pc not in self.blocks:
            i = bisect.bisect_left(self.addrs, pc)
            found = None
            if i < len(self.addrs) and self.addrs[i] == pc:
                n = 0
                while i < len(self.insns):
                    n += 1
                    if ENDS_BLOCK.match(self.insns[i][1]):
                        break
                    i += 1
                    if i < len(self.insns) and self.insns[i][0] >> 12 != pc >> 12:
                        break
                found = (n, self.func[pc])
            self.blocks[pc] = found
        return self.blocks[pc]

    def after_cr3_load(self):
        for i, (addr, mnemonic, operands) in enumerate(self.insns[:-1]):
            if addr >= KERNEL_HALF and mnemonic == "mov" and operands.endswith(",%cr3"):
                return self.insns[i + 1][0]
        raise SystemExit("blockprof: no CR3 load in the kernel's 64-bit code")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("trace")
    ap.add_argument("kernel")
    ap.add_argument("pds", nargs="+", help="NAME=ELF")
    args = ap.parse_args()
    kernel = Code(args.kernel)
    pds = {}
    for spec in args.pds:
        name, _, elf = spec.partition("=")
        if not elf:
            raise SystemExit(f"blockprof: {spec!r} is not NAME=ELF")
        pds[name] = Code(elf)
    cut = kernel.after_cr3_load()

    pieces, piece = [], []
    with open(args.trace, errors="replace") as f:
        for line in f:
            m = TRACE_LINE.match(line)
            if not m:
                continue
            pc = int(m.group(1), 16)
            if pc == cut:
                pieces.append(piece)
                piece = []
            piece.append(pc)
    pieces.append(piece)
    pieces = pieces[1:]  # the first began before the trace did
    if not pieces:
        raise SystemExit("blockprof: no CR3 load in the trace")

    by_func, by_owner, unknown = collections.Counter(), collections.Counter(), 0
    for piece in pieces:
        user = [pc for pc in piece if pc < KERNEL_HALF][:200]
        owner = max(pds, key=lambda name: sum(1 for pc in user if pds[name].block(pc)))
        for pc in piece:
            who, code = ("kernel", kernel) if pc >= KERNEL_HALF else (owner, pds[owner])
            found = code.block(pc)
            if found is None:
                unknown += 1
                continue
            by_func[(who, found[1])] += found[0]
            by_owner[who] += found[0]
    total = sum(by_owner.values())
    print(f"{total} instructions in {len(pieces)} address-space switches; {unknown} blocks not placed")
    for who, n in by_owner.most_common():
        print(f"  {100 * n / total:5.1f}%  {who}")
    for (who, fn), n in by_func.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {who:8s} {fn}")


if __name__ == "__main__":
    main()
