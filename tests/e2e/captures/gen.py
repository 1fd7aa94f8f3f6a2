#!/usr/bin/env python3
"""gen.py: writes the small captures the shared corpus lacks, for
captures_vs_tshark.py: tunnels (GTP-U, VXLAN, Geneve, MPLS, QinQ), a
ClientHello split in 3 segments delivered out of order and retransmitted,
APK downloads, QUIC v1 with the ClientHello over two Initial packets, and
QUIC v2. Deterministic (fixed addresses, times, randoms), stdlib only
except the QUIC ones, which need python3-cryptography (skipped without it).

usage: gen.py OUTDIR   -> writes OUTDIR/<name>.pcap, prints the names
"""
import hashlib
import hmac
import os
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree


def u16(v):
    return struct.pack(">H", v)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ipv4(src, dst, proto, payload, ident=1):
    h = bytearray(struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto,
                              0, ip4(src), ip4(dst)))
    h[10:12] = u16(csum(bytes(h)))
    return bytes(h) + payload


def ipv6(src, dst, nh, payload):
    import ipaddress
    return (struct.pack(">IHBB", 0x60000000, len(payload), nh, 64) +
            ipaddress.IPv6Address(src).packed + ipaddress.IPv6Address(dst).packed + payload)


def udp(sport, dport, payload):
    return struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport, dport, seq, ack, flags, payload=b""):
    return struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack, 0x50, flags, 65535, 0,
                       0) + payload


SYN, ACK, PSH = 0x02, 0x10, 0x08
MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def eth(ethertype, payload):
    return MAC_B + MAC_A + u16(ethertype) + payload


def dns_query(name, qid=0x1234):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + u16(1) + u16(1)


def client_hello(sni, pad=0, alpn=b"h2", record=True):
    """A TLS 1.3 ClientHello (Chrome-like lists with GREASE); pad adds a
    padding extension of that many bytes."""
    def ext(t, d):
        return u16(t) + u16(len(d)) + d
    ciphers = [0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
               0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035]
    name = sni.encode()
    exts = [ext(0x0a0a, b""),
            ext(0, u16(len(name) + 3) + b"\0" + u16(len(name)) + name),
            ext(23, b""), ext(65281, b"\0"),
            ext(10, bytes.fromhex("00080a0a001d00170018")), ext(11, b"\x01\x00"), ext(35, b""),
            ext(16, u16(len(alpn) + 1) + bytes([len(alpn)]) + alpn),
            ext(5, bytes.fromhex("0100000000")),
            ext(13, bytes.fromhex("0010040308040401050308050501080606010201")),
            ext(18, b""), ext(51, bytes.fromhex("0024001d0020") + bytes(range(32))),
            ext(45, b"\x01\x01"), ext(43, bytes.fromhex("060a0a03040303")),
            ext(27, bytes.fromhex("020002"))]
    if pad:
        exts.append(ext(21, bytes(pad)))
    e = b"".join(exts)
    body = (u16(0x0303) + hashlib.sha256(name).digest() + b"\x20" + bytes(32) +
            u16(2 * len(ciphers)) + b"".join(u16(c) for c in ciphers) + b"\x01\x00" +
            u16(len(e)) + e)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    return b"\x16\x03\x01" + u16(len(hs)) + hs if record else hs


def http_get(host, uri, ua="Dalvik/2.1.0 (Linux; U; Android 12)"):
    return (f"GET {uri} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {ua}\r\n"
            "Accept-Encoding: gzip\r\n\r\n").encode()


class Pcap:
    def __init__(self, linktype=1):
        self.out = bytearray(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, linktype))
        self.t = 1700000000 * 1000000

    def add(self, frame):
        self.t += 1000
        self.out += struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(frame),
                                len(frame)) + frame

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.out)


def tcp_session(emit, c, s, cport, sport, isn, payloads, wrap):
    """SYN, SYN-ACK, ACK, then each client payload in order, then the
    server's ACK; wrap(src, dst, tcp bytes) builds the frame."""
    emit(wrap(c, s, tcp(cport, sport, isn, 0, SYN)))
    emit(wrap(s, c, tcp(sport, cport, 5000, isn + 1, SYN | ACK)))
    emit(wrap(c, s, tcp(cport, sport, isn + 1, 5001, ACK)))
    seq = isn + 1
    for p in payloads:
        emit(wrap(c, s, tcp(cport, sport, seq, 5001, PSH | ACK, p)))
        seq += len(p)
    emit(wrap(s, c, tcp(sport, cport, 5001, seq, ACK)))


def v4wrap(proto_fn):
    return lambda a, b, t: proto_fn(ipv4(a, b, 6, t))


def gen_gtpu(out):
    """Mobile core: user traffic of UE 10.45.0.2 tunnelled in GTP-U between
    eNodeB 172.16.0.1 and the SGW/UPF 172.16.0.2."""
    p = Pcap()
    teid = 0x1000

    def gtp(inner, ext=False):
        if ext:  # S and E flags: sequence, N-PDU, PDU session container
            h = bytes([0x36, 0xff]) + u16(4 + 4 + len(inner)) + struct.pack(">I", teid)
            h += u16(7) + b"\0" + b"\x85" + bytes([1, 0x10, 0x01, 0x00])
        else:
            h = bytes([0x30, 0xff]) + u16(len(inner)) + struct.pack(">I", teid)
        return eth(0x0800, ipv4("172.16.0.1", "172.16.0.2", 17, udp(2152, 2152, h + inner)))
    ue = "10.45.0.2"
    p.add(gtp(ipv4(ue, "8.8.8.8", 17, udp(40001, 53, dns_query("loan-fast.example")))))
    p.add(gtp(ipv4(ue, "8.8.8.8", 17, udp(40002, 53, dns_query("bank-verify.example", 7))),
              ext=True))
    tcp_session(p.add, ue, "93.184.216.34", 40003, 443, 1000,
                [client_hello("api.loan-fast.example")], lambda a, b, t: gtp(ipv4(a, b, 6, t),
                                                                             ext=True))
    tcp_session(p.add, ue, "93.184.216.35", 40004, 80, 2000,
                [http_get("cdn.loan-fast.example", "/static/app.js")],
                lambda a, b, t: gtp(ipv4(a, b, 6, t)))
    # signalling between the nodes: an echo request, not user traffic
    p.add(eth(0x0800, ipv4("172.16.0.1", "172.16.0.2", 17,
                           udp(2152, 2152, bytes([0x32, 1]) + u16(4) + bytes(8)))))
    p.write(os.path.join(out, "gtpu.pcap"))


def gen_vxlan_geneve(out):
    p = Pcap()

    def vx(inner):
        return eth(0x0800, ipv4("192.168.50.1", "192.168.50.2", 17,
                                udp(51000, 4789, b"\x08\0\0\0" + b"\0\x00\x64\0" +
                                    eth(0x0800, inner))))
    p.add(vx(ipv4("10.1.0.5", "10.1.0.53", 17, udp(5353 + 1, 53, dns_query("vx.example")))))
    tcp_session(p.add, "10.1.0.5", "10.1.0.80", 41000, 80, 300,
                [http_get("vxlan.example:8080", "/index.html")], lambda a, b, t: vx(ipv4(a, b, 6, t)))
    p.write(os.path.join(out, "vxlan.pcap"))

    p = Pcap()

    def gv(inner):
        opt = u16(0x0102) + bytes([0x03, 0x01]) + bytes(4)  # one 4-byte option
        hdr = bytes([0x02, 0x00]) + u16(0x6558) + b"\0\0\x64\0" + opt
        return eth(0x0800, ipv4("192.168.60.1", "192.168.60.2", 17,
                                udp(52000, 6081, hdr + eth(0x86dd, inner))))
    p.add(gv(ipv6("2001:db8:1::5", "2001:db8:1::53", 17, udp(40000, 53, dns_query("gnv.example")))))
    tcp_session(p.add, "2001:db8:1::5", "2001:db8:1::443", 41001, 443, 700,
                [client_hello("geneve.example")],
                lambda a, b, t: gv(ipv6(a, b, 6, t)))
    p.write(os.path.join(out, "geneve.pcap"))


def gen_mpls_qinq(out):
    p = Pcap()
    labels = struct.pack(">I", 100 << 12 | 64) + struct.pack(">I", 200 << 12 | 1 << 8 | 64)
    p.add(eth(0x8847, labels + ipv4("10.2.0.5", "10.2.0.53", 17,
                                    udp(40000, 53, dns_query("mpls.example")))))
    # a pseudowire: bottom label, control word 0, then the customer's Ethernet frame
    pw = struct.pack(">I", 300 << 12 | 1 << 8 | 64) + bytes(4)
    tcp_session(p.add, "10.2.0.5", "10.2.0.80", 42000, 80, 900,
                [http_get("pw.example", "/pw")],
                lambda a, b, t: eth(0x8847, pw + eth(0x0800, ipv4(a, b, 6, t))))
    # the same without the control word (what Wireshark 4.0 expects)
    nocw = struct.pack(">I", 301 << 12 | 1 << 8 | 64)
    tcp_session(p.add, "10.2.0.6", "10.2.0.80", 42001, 80, 1900,
                [http_get("pw-nocw.example", "/nocw")],
                lambda a, b, t: eth(0x8847, nocw + eth(0x0800, ipv4(a, b, 6, t))))
    p.write(os.path.join(out, "mpls.pcap"))

    p = Pcap()
    p.add(eth(0x88a8, u16(100) + u16(0x8100) + u16(200) + u16(0x0800) +
              ipv4("10.3.0.5", "10.3.0.53", 17, udp(40000, 53, dns_query("qinq.example")))))
    p.add(eth(0x9100, u16(10) + u16(0x8100) + u16(20) + u16(0x86dd) +
              ipv6("2001:db8:3::5", "2001:db8:3::53", 17, udp(40000, 53,
                                                           dns_query("qinq6.example")))))
    tcp_session(p.add, "10.3.0.5", "10.3.0.80", 43000, 80, 1100,
                [http_get("qinq.example", "/q")],
                lambda a, b, t: eth(0x88a8, u16(100) + u16(0x8100) + u16(200) + u16(0x0800) +
                                    ipv4(a, b, 6, t)))
    p.write(os.path.join(out, "qinq.pcap"))


def gen_tcp_reorder(out):
    """A ClientHello in 3 segments sent 3, 2, 1, then all three again; an
    HTTP request header in 2 segments, second first, then retransmitted."""
    p = Pcap()
    c, s, isn = "10.4.0.5", "10.4.0.44", 0xfffff000
    wrap = lambda a, b, t: eth(0x0800, ipv4(a, b, 6, t))
    h = client_hello("reordered.example")
    parts = [h[:100], h[100:250], h[250:]]
    offs = [0, 100, 250]
    p.add(wrap(c, s, tcp(44000, 443, isn, 0, SYN)))
    p.add(wrap(s, c, tcp(443, 44000, 1, isn + 1, SYN | ACK)))
    p.add(wrap(c, s, tcp(44000, 443, isn + 1, 2, ACK)))
    for k in (2, 1, 0, 0, 1, 2):
        p.add(wrap(c, s, tcp(44000, 443, isn + 1 + offs[k], 2, PSH | ACK, parts[k])))
    p.add(wrap(s, c, tcp(443, 44000, 2, isn + 1 + len(h), ACK)))
    r = http_get("reorder.example", "/late")
    p.add(wrap(c, s, tcp(44001, 80, 100, 0, SYN)))
    p.add(wrap(s, c, tcp(80, 44001, 1, 101, SYN | ACK)))
    p.add(wrap(c, s, tcp(44001, 80, 101 + 20, 2, PSH | ACK, r[20:])))
    p.add(wrap(c, s, tcp(44001, 80, 101, 2, PSH | ACK, r[:20])))
    p.add(wrap(c, s, tcp(44001, 80, 101, 2, PSH | ACK, r)))  # whole request again
    p.write(os.path.join(out, "tcp_reorder.pcap"))


def gen_apk(out):
    p = Pcap()
    c, s = "10.5.0.5", "203.0.113.7"
    wrap = lambda a, b, t: eth(0x0800, ipv4(a, b, 6, t))
    tcp_session(p.add, c, s, 45000, 80, 3000,
                [http_get("dl.loan-fast.example", "/app/x.apk")], wrap)
    body = b"PK\x03\x04" + bytes(60)
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.android.package-archive\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body
    p.add(wrap(s, c, tcp(80, 45000, 5001, 3001 + len(http_get("dl.loan-fast.example",
                                                                 "/app/x.apk")), PSH | ACK, resp)))
    # a download whose URL does not say .apk; only the response's type does
    req = http_get("store.example", "/download?id=7")
    tcp_session(p.add, c, s, 45001, 80, 4000, [req], wrap)
    p.add(wrap(s, c, tcp(80, 45001, 5001, 4001 + len(req), PSH | ACK, resp)))
    p.write(os.path.join(out, "apk.pcap"))


def gen_quic(out):
    try:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import quic_seal
    except ImportError as e:
        print(f"# QUIC captures skipped: {e}", file=sys.stderr)
        return
    # v1: a ClientHello of about 1700 bytes, its CRYPTO data over two
    # Initials: the second half first, as packets may arrive
    hs = client_hello("quic-two.example", pad=1400, alpn=b"h3", record=False)
    dcid = bytes.fromhex("0011223344556677")
    scid = bytes.fromhex("a1a2a3a4")
    half = 900

    def crypto(off, data):
        return (b"\x06" + (0x4000 | off).to_bytes(2, "big") + (0x4000 | len(data)).to_bytes(2, "big")
                + data)
    p = Pcap()
    c, s = "10.6.0.5", "198.51.100.9"
    for pn, (off, data) in ((0, (0, hs[:half])), (1, (half, hs[half:]))):
        pl = crypto(off, data)
        pl += bytes(max(0, 1162 - len(pl)))
        pkt = quic_seal.seal(quic_seal.V1, dcid, scid, pn, pl)
        p.add(eth(0x0800, ipv4(c, s, 17, udp(50000, 443, pkt), ident=pn + 1)))
    p.write(os.path.join(out, "quic_v1_two_initials.pcap"))

    p = Pcap()
    hs = client_hello("quic-v2.example", alpn=b"h3", record=False)
    pl = crypto(0, hs)
    pl += bytes(1162 - len(pl))
    pkt = quic_seal.seal(quic_seal.V2, bytes.fromhex("8899aabbccddeeff"), scid, 0, pl)
    p.add(eth(0x0800, ipv4(c, s, 17, udp(50001, 443, pkt))))
    p.write(os.path.join(out, "quic_v2.pcap"))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for g in (gen_gtpu, gen_vxlan_geneve, gen_mpls_qinq, gen_tcp_reorder, gen_apk, gen_quic):
        g(out)
    for f in sorted(os.listdir(out)):
        if f.endswith(".pcap"):
            print(f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
