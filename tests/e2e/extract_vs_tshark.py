#!/usr/bin/env python3
"""extract_vs_tshark.py: differential test of `fraudscan extract` against
tshark 4.0's view of the shared corpus of real captures.

For each capture in $SRCDIR/../shared/corpus/pcaps the expected rows are in
expected/<capture>.tsv (made by make-expected.sh there). Both sides become
multisets of (src, dst, kind, value); frame numbers are ignored because
tshark names the frame where it finished reassembly. Normalisation:
  dns   compared case-insensitively (we lower-case query names);
  http  value is (host, uri, user_agent), host with any :port removed and
        lower-cased, '-' when absent; our rows are rebuilt by grouping: a
        request starts at each http.uri line and takes the http.host and
        http.user_agent lines that follow it in the same frame;
  quic  compared exactly (our quic.sni rows; tshark names the frame of the
        Initial that completed the ClientHello, as we do).
Fields tshark 4.0 does not give in expected/ (tls.ja3, tls.ja4,
http.apk_url) are left out of the comparison; JA3 is checked against
tshark's tls.handshake.ja3 by captures_vs_tshark.py.
Differences kept on purpose are listed in KEPT with the reason; anything
else is printed per capture and fails the test. Exit 77 (skip) when the
corpus is not there.
"""
import collections
import os
import subprocess
import sys

# (capture, kind) -> reason: expected rows of that kind in that capture that
# we do not reproduce on purpose. Keep it short and say why.
KEPT = {
}

IGNORED_KINDS = {}
# our fields with no counterpart in expected/
IGNORED_FIELDS = {"tls.ja3", "tls.ja4", "http.apk_url"}


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n in "\\tnr":
                out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[n])
                i += 2
                continue
            if n == "x" and i + 3 < len(s):
                out.append(chr(int(s[i + 2:i + 4], 16)))
                i += 4
                continue
        out.append(c)
        i += 1
    return "".join(out)


def norm_host(h):
    if h is None or h == "-":
        return "-"
    h = h.strip()
    if h.startswith("["):
        end = h.find("]")
        if end >= 0:
            h = h[:end + 1]
    elif ":" in h:
        h = h.split(":", 1)[0]
    return h.lower()


def expected_rows(tsv):
    rows = collections.Counter()
    with open(tsv, encoding="utf-8", errors="surrogateescape") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            _frame, src, dst, kind = parts[:4]
            vals = [unescape(v) for v in parts[4:]]
            if kind in IGNORED_KINDS:
                continue
            if kind == "dns":
                rows[(src, dst, kind, vals[0].lower())] += 1
            elif kind in ("sni", "quic"):
                rows[(src, dst, kind, vals[0])] += 1
            elif kind == "http":
                host, uri, ua = (vals + ["-", "-", "-"])[:3]
                rows[(src, dst, kind, (norm_host(host), uri, ua))] += 1
            else:
                rows[(src, dst, kind, tuple(vals))] += 1
    return rows


def our_rows(fraudscan, pcap):
    p = subprocess.run([fraudscan, "extract", "--no-header", pcap],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    text = p.stdout.decode("utf-8", errors="surrogateescape")
    rows = collections.Counter()
    http = None  # [frame, src, dst, host, uri, ua] of the request being built

    def flush():
        nonlocal http
        if http:
            _f, src, dst, host, uri, ua = http
            rows[(src, dst, "http", (norm_host(host), uri, ua or "-"))] += 1
        http = None

    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t", 4)
        if len(parts) != 5:
            rows[("-", "-", "unparsable output line", line)] += 1
            continue
        frame, src, dst, field, value = parts
        if field in IGNORED_FIELDS:
            continue
        value = unescape(value)
        if field == "http.uri":
            flush()
            http = [frame, src, dst, None, value, None]
            continue
        if field in ("http.host", "http.user_agent"):
            if http and http[0] == frame and (http[1], http[2]) == (src, dst):
                if field == "http.host" and http[3] is None:
                    http[3] = value
                elif field == "http.user_agent" and http[5] is None:
                    http[5] = value
                continue
            rows[(src, dst, "orphan " + field, value)] += 1
            continue
        flush()
        if field == "dns.query":
            rows[(src, dst, "dns", value.lower())] += 1
        elif field == "tls.sni":
            rows[(src, dst, "sni", value)] += 1
        elif field == "quic.sni":
            rows[(src, dst, "quic", value)] += 1
        else:
            rows[(src, dst, field, value)] += 1
    flush()
    return rows, p.returncode, p.stderr.decode(errors="replace")


def main():
    srcdir = os.environ.get("SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
    fraudscan = os.environ.get("FRAUDSCAN", "fraudscan")
    corpus = os.path.join(srcdir, "..", "shared", "corpus", "pcaps")
    if not os.path.isdir(corpus) or not os.path.isdir(os.path.join(corpus, "expected")):
        print(f"# corpus not found at {corpus}: skipping")
        return 77
    captures = sorted(f for f in os.listdir(corpus) if f.endswith((".pcap", ".pcapng")))
    failed = 0
    for cap in captures:
        tsv = os.path.join(corpus, "expected", cap + ".tsv")
        if not os.path.exists(tsv):
            print(f"SKIP {cap}: no expected/{cap}.tsv")
            continue
        want = expected_rows(tsv)
        got, rc, err = our_rows(fraudscan, os.path.join(corpus, cap))
        kept = {k for (c, k) in KEPT if c == cap}
        missing = want - got
        extra = got - want
        missing = collections.Counter({r: n for r, n in missing.items() if r[2] not in kept})
        extra = collections.Counter({r: n for r, n in extra.items() if r[2] not in kept})
        note = "".join(f" (kept: {KEPT[(cap, k)]})" for k in sorted(kept))
        if not missing and not extra:
            print(f"PASS {cap}: {sum(want.values())} rows{note}")
            continue
        failed += 1
        print(f"FAIL {cap}: {sum(want.values())} expected, {sum(got.values())} ours, "
              f"rc={rc}{note}")
        for r, n in sorted(missing.items(), key=str):
            print(f"  - {n}x {r}")
        for r, n in sorted(extra.items(), key=str):
            print(f"  + {n}x {r}")
        if err.strip():
            print("  stderr: " + err.strip().replace("\n", "\n  stderr: "))
    print(f"{len(captures) - failed}/{len(captures)} captures agree with tshark")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
