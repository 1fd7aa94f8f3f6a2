#!/usr/bin/env python3
"""captures_vs_tshark.py: differential test of `fraudscan extract` against
tshark 4.0 on our own captures, for what the shared corpus lacks (GTP-U,
VXLAN, Geneve, MPLS, QinQ, reordered and retransmitted TCP, APK downloads,
QUIC v1 over two Initials, QUIC v2).

tests/e2e/captures/gen.py writes the captures into a temporary directory;
tshark's rows are made with the extraction of
../shared/corpus/pcaps/make-expected.sh (copied below), and both sides are
compared as multisets exactly as extract_vs_tshark.py does (its functions
are reused). Two more checks where tshark has no row in make-expected.sh:
  ja3       our tls.ja3 values equal tshark's tls.handshake.ja3 for TCP
            ClientHellos (tshark also gives one for QUIC: not defined there);
  apk_url   our http.apk_url rows equal APK_URLS below (tshark has no such
            field; the expected URLs are what gen.py requested).
Differences kept on purpose are in KEPT with the reason. Exit 77 (skip)
when tshark is missing.
"""
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import extract_vs_tshark as base  # noqa: E402

# (capture, kind) -> reason
KEPT = {
    ("mpls.pcap", "http"):
        "tshark 4.0's Ethernet pseudowire heuristic misreads both of our PWs "
        "(MACs starting with a 0 nibble): it takes the RFC 4385 control word "
        "for a MAC in one and a MAC for a control word in the other; we check "
        "the inner ethertype and read both",
}

# Extra tshark options per capture (make-expected.sh's TSHARK_OPTS).
TSHARK_OPTS = {
    # tshark 4.0 reassembles out-of-order segments only when asked; with it
    # tshark reads the reordered ClientHello and request once, as we do
    "tcp_reorder.pcap": ["-o", "tcp.reassemble_out_of_order:TRUE"],
}

# http.apk_url rows we must print: (src, dst, url)
APK_URLS = collections.Counter({
    ("10.5.0.5", "203.0.113.7", "http://dl.loan-fast.example/app/x.apk"): 1,
    ("203.0.113.7", "10.5.0.5", "http://dl.loan-fast.example/app/x.apk"): 1,
    ("203.0.113.7", "10.5.0.5", "http://store.example/download?id=7"): 1,
})

# ---- copied from ../shared/corpus/pcaps/make-expected.sh (extract.py) ----


def as_list(x):
    if x is None:
        return []
    return x if isinstance(x, list) else [x]


def walk(o, key, acc):
    """Collect every value of `key` anywhere below o, in document order."""
    if isinstance(o, dict):
        for k, v in o.items():
            if k == key:
                acc.extend(as_list(v))
            else:
                walk(v, key, acc)
    elif isinstance(o, list):
        for x in o:
            walk(x, key, acc)
    return acc


def first(o, key):
    v = walk(o, key, [])
    return v[0] if v else None


def esc(s):
    if s is None:
        return "-"
    s = str(s)
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def tshark_rows(pkts):
    rows = []
    for p in pkts:
        L = p.get("_source", {}).get("layers", {})
        fr = L.get("frame", {})
        num = fr.get("frame.number", "?")
        protos = fr.get("frame.protocols", "").split(":")
        if "icmp" in protos or "icmpv6" in protos:
            continue
        src = dst = "-"
        idx4 = max([i for i, x in enumerate(protos) if x == "ip"], default=-1)
        idx6 = max([i for i, x in enumerate(protos) if x == "ipv6"], default=-1)
        if idx4 >= 0 or idx6 >= 0:
            if idx6 > idx4 and L.get("ipv6") is not None:
                inner = as_list(L.get("ipv6"))[-1]
                src, dst = first(inner, "ipv6.src"), first(inner, "ipv6.dst")
            elif L.get("ip") is not None:
                inner = as_list(L.get("ip"))[-1]
                src, dst = first(inner, "ip.src"), first(inner, "ip.dst")
        for d in as_list(L.get("dns")):
            if str(first(d, "dns.flags.response")) not in ("0", "False", "false"):
                continue
            for name in walk(d, "dns.qry.name", []):
                rows.append((num, src, dst, "dns", [name]))
        for t in as_list(L.get("tls")):
            for name in walk(t, "tls.handshake.extensions_server_name", []):
                rows.append((num, src, dst, "sni", [name]))
        seen = set()
        for q in as_list(L.get("quic")):
            for name in walk(q, "tls.handshake.extensions_server_name", []):
                if name not in seen:
                    seen.add(name)
                    rows.append((num, src, dst, "quic", [name]))
        for h in as_list(L.get("http")):
            if not walk(h, "http.request.method", []):
                continue
            rows.append((num, src, dst, "http",
                         [first(h, "http.host"), first(h, "http.request.uri"),
                          first(h, "http.user_agent")]))
    return rows

# ---- end of the copy ----


def run_tshark(pcap, opts, env):
    p = subprocess.run(["tshark", "-r", pcap, "-n"] + opts +
                       ["-T", "json", "--no-duplicate-keys", "-J", "frame ip ipv6 dns tls http quic",
                        "-Y", "dns || tls.handshake.type == 1 || http.request"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    raw = p.stdout.decode("utf-8", errors="surrogateescape")
    return json.loads(raw) if raw.strip() else []


def tshark_ja3(pcap, opts, env):
    p = subprocess.run(["tshark", "-r", pcap, "-n"] + opts +
                       ["-Y", "tls.handshake.type == 1 && tcp", "-T", "fields", "-e", "ip.src",
                        "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst", "-e",
                        "tls.handshake.ja3"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    rows = collections.Counter()
    for line in p.stdout.decode().splitlines():
        s4, s6, d4, d6, ja3 = (line.split("\t") + [""] * 5)[:5]
        src = (s6 or s4).split(",")[-1]
        dst = (d6 or d4).split(",")[-1]
        if ja3:
            rows[(src, dst, ja3)] += 1
    return rows


def our_fields(fraudscan, pcap, field):
    p = subprocess.run([fraudscan, "extract", "--no-header", pcap], stdout=subprocess.PIPE)
    rows = collections.Counter()
    for line in p.stdout.decode("utf-8", errors="surrogateescape").splitlines():
        parts = line.split("\t", 4)
        if len(parts) == 5 and parts[3] == field:
            rows[(parts[1], parts[2], base.unescape(parts[4]))] += 1
    return rows


def main():
    if not shutil.which("tshark"):
        print("# tshark not found: skipping (apt-get install -y tshark)")
        return 77
    fraudscan = os.environ.get("FRAUDSCAN", "fraudscan")
    work = tempfile.mkdtemp(prefix="fsc-captures-")
    try:
        env = dict(os.environ, HOME=os.path.join(work, "home"))
        os.makedirs(env["HOME"])
        out = os.path.join(work, "pcaps")
        gen = subprocess.run([sys.executable, os.path.join(HERE, "captures", "gen.py"), out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if gen.returncode != 0:
            print("gen.py failed: " + gen.stderr.decode(errors="replace"))
            return 1
        if gen.stderr.strip():
            print("# " + gen.stderr.decode(errors="replace").strip())
        captures = gen.stdout.decode().split()
        failed = 0
        for cap in captures:
            pcap = os.path.join(out, cap)
            opts = TSHARK_OPTS.get(cap, [])
            tsv = os.path.join(work, cap + ".tsv")
            with open(tsv, "w", encoding="utf-8", errors="surrogateescape") as f:
                f.write("#frame\tsrc_ip\tdst_ip\tkind\tvalue\n")
                for num, src, dst, kind, vals in tshark_rows(run_tshark(pcap, opts, env)):
                    f.write("\t".join([esc(num), esc(src), esc(dst), kind] +
                                      [esc(v) for v in vals]) + "\n")
            want = base.expected_rows(tsv)
            got, rc, err = base.our_rows(fraudscan, pcap)
            kept = {k for (c, k) in KEPT if c == cap}
            missing = collections.Counter({r: n for r, n in (want - got).items()
                                           if r[2] not in kept})
            extra = collections.Counter({r: n for r, n in (got - want).items()
                                         if r[2] not in kept})
            ja3_want = tshark_ja3(pcap, opts, env)
            ja3_got = our_fields(fraudscan, pcap, "tls.ja3")
            apk_got = our_fields(fraudscan, pcap, "http.apk_url")
            apk_want = APK_URLS if cap == "apk.pcap" else collections.Counter()
            note = "".join(f" (kept {k}: {KEPT[(cap, k)]})" for k in sorted(kept))
            if not missing and not extra and ja3_want == ja3_got and apk_want == apk_got:
                print(f"PASS {cap}: {sum(want.values())} rows, {sum(ja3_want.values())} ja3, "
                      f"{sum(apk_want.values())} apk_url{note}")
                continue
            failed += 1
            print(f"FAIL {cap}: rc={rc}{note}")
            for r, n in sorted(missing.items(), key=str):
                print(f"  - {n}x {r}")
            for r, n in sorted(extra.items(), key=str):
                print(f"  + {n}x {r}")
            for r, n in sorted((ja3_want - ja3_got).items()):
                print(f"  - ja3 {n}x {r}")
            for r, n in sorted((ja3_got - ja3_want).items()):
                print(f"  + ja3 {n}x {r}")
            for r, n in sorted((apk_want - apk_got).items()):
                print(f"  - apk_url {n}x {r}")
            for r, n in sorted((apk_got - apk_want).items()):
                print(f"  + apk_url {n}x {r}")
            if err.strip():
                print("  stderr: " + err.strip().replace("\n", "\n  stderr: "))
        print(f"{len(captures) - failed}/{len(captures)} captures agree with tshark")
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
