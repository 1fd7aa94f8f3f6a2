#!/usr/bin/env python3
"""bench/peers/ndpi_probe.py OUT.pcap NAME...: a pcap (Ethernet, IPv4/UDP)
holding one DNS query per NAME, each in its own flow (source port 10000+i,
source address 10.0.i/256.i%256), one second apart.

ndpi.sh's `semantics` subcommand feeds it to ndpiReader with a one-name
custom category list to show which host names nDPI's matcher puts in the
category: the probe is the evidence behind what ndpi.sh says about match
semantics, so it has to be rerunnable rather than a claim in a comment."""
import struct
import sys


def checksum(b: bytes) -> int:
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def dns_query(qid: int, name: str) -> bytes:
    labels = [l.encode("ascii") for l in name.rstrip(".").split(".")]
    if any(not 0 < len(l) < 64 for l in labels):
        raise ValueError("bad DNS name: %r" % name)
    qname = b"".join(bytes([len(l)]) + l for l in labels) + b"\0"
    # header: id, flags (RD), 1 question; question: qname, type A, class IN
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + qname + struct.pack("!HH", 1, 1)


def frame(i: int, name: str) -> bytes:
    dns = dns_query(i + 1, name)
    udp = struct.pack("!HHHH", 10000 + i, 53, 8 + len(dns), 0) + dns
    src = bytes([10, 0, (i >> 8) & 0xFF, i & 0xFF])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                     src, bytes([10, 1, 0, 1]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def main() -> int:
    if len(sys.argv) < 3:
        print("usage: ndpi_probe.py OUT.pcap NAME...", file=sys.stderr)
        return 2
    with open(sys.argv[1], "wb") as out:
        # pcap global header: magic, v2.4, tz 0, sigfigs 0, snaplen, Ethernet
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, name in enumerate(sys.argv[2:]):
            f = frame(i, name)
            out.write(struct.pack("<IIII", 1700000000 + i, 0, len(f), len(f)) + f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
