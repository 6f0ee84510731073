#!/usr/bin/env python3
"""Writes seed inputs for tests/net/fuzz_frames.c: real frames to the fuzzed
client (MAC 02:00:00:00:00:01, 10.0.0.1), each preceded by its length as two
little-endian bytes, as the fuzz target reads them. Written independently of
the C code, from the protocol definitions."""
import os
import struct
import sys

CLIENT_MAC = bytes([2, 0, 0, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0, 0, 0, 9])
CLIENT_IP = bytes([10, 0, 0, 1])
PEER_IP = bytes([10, 0, 0, 9])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(payload, ethertype, dst=CLIENT_MAC):
    return dst + PEER_MAC + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, frag=0, ident=1):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64, proto, 0,
                      PEER_IP, CLIENT_IP)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return eth(hdr + payload, 0x0800)


def pseudo(proto, length):
    return PEER_IP + CLIENT_IP + struct.pack("!BBH", 0, proto, length)


def udp(sport, dport, data):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = csum(pseudo(17, 8 + len(data)) + hdr + data) or 0xFFFF
    return ipv4(17, hdr[:6] + struct.pack("!H", c) + data)


def tcp(sport, dport, seq, ack, flags, data=b"", options=b""):
    off = (20 + len(options)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + options
    c = csum(pseudo(6, len(hdr) + len(data)) + hdr + data)
    return ipv4(6, hdr[:16] + struct.pack("!H", c) + hdr[18:] + data)


def arp(op, target_ip=CLIENT_IP, sender_ip=PEER_IP):
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, PEER_MAC, sender_ip,
                       b"\0" * 6 if op == 1 else CLIENT_MAC, target_ip)
    return eth(body, 0x0806, dst=b"\xff" * 6 if op == 1 else CLIENT_MAC)


def icmp_echo(data=b"ping"):
    body = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + data
    return ipv4(1, body[:2] + struct.pack("!H", csum(body)) + body[4:])


def dns_answer():
    q = b"\x04echo\x04test\x00" + struct.pack("!HH", 1, 1)
    msg = struct.pack("!HHHHHH", 0x1234, 0x8180, 1, 1, 0, 0) + q
    msg += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 0, 0, 3])
    return udp(53, 41000, msg)


def frames_file(frames):
    return b"".join(struct.pack("<H", len(f)) + f for f in frames)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    mss = b"\x02\x04\x05\xb4\x01\x03\x03\x07"  # MSS 1460, NOP, window scale 7
    seeds = {
        "arp-request": [arp(1)],
        "arp-reply-unasked": [arp(2)],
        "icmp-echo": [arp(1), icmp_echo(b"x" * 56)],
        "udp-echo": [arp(1), udp(5000, 7, b"hello")],
        "tcp-handshake-data-fin": [
            arp(1),
            tcp(5000, 7, 1000, 0, 0x02, options=mss),
            tcp(5000, 7, 1001, 1, 0x10),
            tcp(5000, 7, 1001, 1, 0x18, b"echo me"),
            tcp(5000, 7, 1008, 1, 0x11),
        ],
        "tcp-rst": [tcp(5000, 7, 1000, 0, 0x04)],
        "ip-fragments": [
            ipv4(17, struct.pack("!HHHH", 5000, 7, 8 + 1472, 0) + b"a" * 24, frag=0x2000, ident=7),
            ipv4(17, b"b" * 1448, frag=4, ident=7),
        ],
        "dns-answer": [dns_answer()],
        "bad-checksum": [udp(5000, 7, b"x")[:-1] + b"y"],
    }
    for name, frames in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(frames_file(frames))


if __name__ == "__main__":
    main()
