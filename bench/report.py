#!/usr/bin/env python3
"""bench/report.py RESULTS_TSV OUTDIR: bench/run's table and chart.

RESULTS_TSV holds "SECTION <tab> KEY <tab> VALUE" lines written by bench/run.
Prints a Markdown report (the machine, the tables, each target and whether
it held) on stdout; when the traffic section ran and gnuplot is present,
draws OUTDIR/throughput.png: frames/s against the number of indicators
for the no-op reader, fraudscan (1 worker), Suricata and nDPI.
"""
import os
import platform
import subprocess
import sys


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True,
                              timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def fmt_rate(v):
    v = num(v)
    if v is None:
        return "—"
    if v >= 1e6:
        return "%.2f M" % (v / 1e6)
    if v >= 1e3:
        return "%.1f k" % (v / 1e3)
    return "%.0f" % v


def fmt(v, spec="%.2f"):
    v = num(v)
    return "—" if v is None else spec % v


def verdict(ok):
    return "—" if ok is None else ("met" if ok else "**not met**")


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    mem = sh("free -g | awk '/^Mem:/ {print $2}'")
    rows = [
        ("CPU", "%s, %s cores online" % (cpu, os.cpu_count())),
        ("memory", "%s GiB" % mem),
        ("kernel", platform.release()),
        ("fraudscan", "%s (%s build)" % (sh("git rev-parse --short HEAD") or "?",
                                         "debugoptimized")),
        ("Hyperscan", sh("pkg-config --modversion libhs")),
        ("Suricata", sh("suricata -V 2>/dev/null | sed 's/This is Suricata version //'")),
        ("nDPI", sh("ndpiReader -h 2>&1 | sed -n 's/^Welcome to nDPI //p' | head -n 1")),
        ("load at the end", sh("cut -d' ' -f1-3 /proc/loadavg")),
    ]
    out = ["| | |", "|---|---|"]
    out += ["| %s | %s |" % r for r in rows]
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    res = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 3:
                res[(parts[0], parts[1])] = parts[2]
    outdir = sys.argv[2]
    g = lambda s, k: res.get((s, k))
    lines = ["# bench/run results", ""] + machine() + [""]

    if g("traffic", "frames"):
        frames, nbytes = num(g("traffic", "frames")), num(g("traffic", "bytes"))
        gbit = lambda fps: None if num(fps) is None else num(fps) * nbytes * 8 / frames / 1e9
        lines += ["## Traffic", "",
                  "Capture: %d frames, %.0f MiB (bench/gen_traffic.c). Frames/s over each "
                  "tool's own packet-processing time (fraudscan: its input phase; Suricata and "
                  "nDPI: see bench/peers/). Medians of the rounds; ratios taken in each round, then "
                  "their median." % (
                      frames, nbytes / 2 ** 20), "",
                  "| indicators | no-op reader | fraudscan 1 worker | fraudscan 2 workers | "
                  "Suricata (single) | nDPI | fraudscan / no-op | fraudscan / Suricata |",
                  "|---|---|---|---|---|---|---|---|"]
        sizes = sorted({int(k.split(".")[0]) for s, k in res if s == "traffic" and
                        k.split(".")[0].isdigit()})
        for n in sizes:
            noop, f1, f2 = g("traffic", "%d.noop" % n), g("traffic", "%d.fsc1" % n), \
                g("traffic", "%d.fsc2" % n)
            su, nd = g("traffic", "%d.suricata" % n), g("traffic", "%d.ndpi" % n)
            cell = lambda v: "—" if num(v) is None else "%s/s (%.2f Gbit/s)" % (fmt_rate(v), gbit(v))
            # each round's own ratio (their median) when bench/run gave it
            r1 = num(g("traffic", "%d.ratio.fsc1_noop" % n))
            r2 = num(g("traffic", "%d.ratio.fsc1_suricata" % n))
            if r1 is None:
                r1 = num(f1) / num(noop) if num(f1) and num(noop) else None
            if r2 is None:
                r2 = num(f1) / num(su) if num(f1) and num(su) else None
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                "{:,}".format(n), cell(noop), cell(f1),
                "—" if num(f2) is None else "%s (%s per worker)" % (cell(f2), fmt_rate(num(f2) / 2)),
                cell(su), cell(nd), fmt(r1), fmt(r2, "%.1f")))
        lines += [""]
        r = lambda k: num(g("traffic", "ratio." + k))
        lines += ["| same-round ratio (median of rounds) | value | target |", "|---|---|---|",
                  "| fraudscan 1 worker / no-op reader | %s | ≥ 0.50: %s |" % (
                      fmt(r("fsc1_noop")), verdict(None if r("fsc1_noop") is None else r("fsc1_noop") >= 0.5)),
                  "| fraudscan 1 worker / Suricata | %s | ≥ 5: %s |" % (
                      fmt(r("fsc1_suricata"), "%.1f"),
                      verdict(None if r("fsc1_suricata") is None else r("fsc1_suricata") >= 5)),
                  "| fraudscan 1 worker / nDPI | %s | — |" % fmt(r("fsc1_ndpi"), "%.1f"),
                  "| fraudscan 2 workers / 1 worker | %s | — (see issue 3) |" % fmt(r("fsc2_fsc1")),
                  ""]
        if g("traffic", "flagged.both") is not None:
            fl = lambda k: g("traffic", "flagged." + k) or "0"
            lines += ["Names flagged on the capture (100k indicators), fraudscan `--hits` "
                      "against Suricata's alerts:", "",
                      "| field | fraudscan | Suricata | both |", "|---|---|---|---|"]
            for fld in ("dns.query", "tls.sni", "quic.sni", "http.host"):
                lines.append("| %s | %s | %s | %s |" % (fld, fl("fsc." + fld), fl("suricata." + fld),
                                                        fl("both." + fld)))
            lines += ["", "Differences: Suricata only %s; fraudscan only: %s listed names "
                      "Suricata missed, %s names under a listed name (suffix matching; Suricata's "
                      "datasets match whole names), %s on a field Suricata does not inspect, %s "
                      "other (every name in build/bench/run/flagged-diff.txt)." % (
                          fl("suricata_only"), fl("fsc_only.listed_missed_by_suricata"),
                          fl("fsc_only.under_listed_name"),
                          fl("fsc_only.field_not_inspected_by_suricata"), fl("fsc_only.other")), ""]
        chart(res, sizes, outdir)
        if os.path.exists(os.path.join(outdir, "throughput.png")):
            lines += ["Chart: %s/throughput.png" % outdir, ""]

    def ratio(n, kind, key):
        """Suricata's load over fraudscan's: the median of the rounds' own
        ratios when bench/run gave them, else the ratio of the medians."""
        r = num(g("rules", "%d.ratio_%s" % (n, kind)))
        if r is not None:
            return r
        a, b = num(g("rules", "%d.suricata_s" % n)), num(g("rules", "%d.%s" % (n, key)))
        return a / b if a and b else None

    if g("rules", "1000000.fsc_cold_s") or g("rules", "10000.fsc_cold_s"):
        lines += ["## Rules", "",
                  "`fraudscan rules stats` with an empty cache (load + compile + write the cache) "
                  "and again (cached), `suricata -T` (load and check), in turn each round; wall "
                  "seconds and peak RSS (/usr/bin/time), medians of the rounds, ratios taken in "
                  "each round.", "",
                  "| indicators | fraudscan cold | of which compile | fraudscan cached | Suricata | "
                  "Suricata / fraudscan cold | Suricata / fraudscan cached |",
                  "|---|---|---|---|---|---|---|"]
        for n in (10000, 100000, 1000000):
            k = lambda x: g("rules", "%d.%s" % (n, x))
            if k("fsc_cold_s") is None:
                continue
            mib = lambda v: "—" if num(v) is None else "%.0f MiB" % (num(v) / 1024)
            lines.append("| %s | %s s, %s | %s s | %s s, %s | %s s, %s | %s | %s |" % (
                "{:,}".format(n), k("fsc_cold_s"), mib(k("fsc_cold_kib")), k("fsc_compile_s"),
                k("fsc_cached_s"), mib(k("fsc_cached_kib")), k("suricata_s"), mib(k("suricata_kib")),
                fmt(ratio(n, "cold", "fsc_cold_s"), "%.1f"),
                fmt(ratio(n, "cached", "fsc_cached_s"), "%.1f")))
        rc, rh = ratio(1000000, "cold", "fsc_cold_s"), ratio(1000000, "cached", "fsc_cached_s")
        if rc and rh:
            lines += ["", "Target, 1M indicators: fraudscan's load at least 3 times faster than "
                      "Suricata's: %.1fx cold (%s), %.1fx cached (%s)." % (
                          rc, verdict(rc >= 3), rh, verdict(rh >= 3))]
        lines += [""]

    if g("events", "per_core"):
        lines += ["## Events", "", "| measure | value | target |", "|---|---|---|",
                  "| install events/s, one core, file → alerts | %s | ≥ 1 M: %s |" % (
                      fmt_rate(g("events", "per_core")),
                      verdict(num(g("events", "per_core")) >= 1e6))]
        for rate in ("10000", "100000"):
            p50, p99 = g("events", rate + ".p50_ms"), g("events", rate + ".p99_ms")
            if p99 is not None:
                lines.append("| event → alert over ZeroMQ at %s events/s: p50 / p99 | %s / %s ms | "
                             "p99 ≤ 5 ms: %s |" % ("{:,}".format(int(rate)), p50, p99,
                                                   verdict(num(p99) is not None and num(p99) <= 5)))
        lines += [""]

    disp = [(k, v) for (s, k), v in res.items() if s == "dispatch"]  # in bench/run's order
    if disp:
        lines += ["## Dispatch", "", "| measure | value | target |", "|---|---|---|"]
        for k, v in disp:
            if k.startswith("latency."):
                store = k.split(".")[1]
                lines.append("| p99 engine → officer's screen at 1,000 alerts/s, %s | %s ms | "
                             "< 50 ms: %s |" % (store, v, verdict(num(v) is not None and num(v) < 50)))
            else:
                lines.append("| %s | %s | — |" % (k, fmt_rate(v)))
        lines += [""]

    mem = sorted((int(k.split(".")[0]), v) for (s, k), v in res.items() if s == "memory")
    if mem:
        lines += ["## Memory", "", "| tracked subscribers | bytes each (RSS growth) | target |",
                  "|---|---|---|"]
        for n, v in mem:  # the target is set at 10 million people
            lines.append("| %s | %s | %s |" % (
                "{:,}".format(n), fmt(v, "%.0f"),
                "≤ 256: %s" % verdict(num(v) is not None and num(v) <= 256)
                if n == 10000000 else "—"))
        lines += [""]
    print("\n".join(lines))


def chart(res, sizes, outdir):
    if not sizes or not sh("command -v gnuplot"):
        return
    data = os.path.join(outdir, "throughput.dat")
    cols = ("noop", "fsc1", "suricata", "ndpi")
    with open(data, "w", encoding="utf-8") as f:
        f.write("# indicators " + " ".join(cols) + " (frames/s)\n")
        for n in sizes:
            vals = [num(res.get(("traffic", "%d.%s" % (n, c)))) for c in cols]
            f.write("%d %s\n" % (n, " ".join("NaN" if v is None else "%.0f" % v for v in vals)))
    script = """
set terminal pngcairo size 900,560 font "sans,11"
set output '{png}'
set title 'Frames per second against the number of domain indicators (one core each)'
set xlabel 'indicators (dns.query, tls.sni, quic.sni, http.host)'
set ylabel 'frames per second (log scale)'
set logscale x
set logscale y
set format y '%.0s%c'
set xtics ("1k" 1000, "10k" 10000, "100k" 100000, "1M" 1000000)
set key outside right
set grid
plot '{dat}' using 1:2 with linespoints lw 2 title 'no-op libpcap reader', \\
     '' using 1:3 with linespoints lw 2 title 'fraudscan, 1 worker', \\
     '' using 1:4 with linespoints lw 2 title 'Suricata 7, single', \\
     '' using 1:5 with linespoints lw 2 title 'nDPI ndpiReader'
""".format(png=os.path.join(outdir, "throughput.png"), dat=data)
    subprocess.run(["gnuplot"], input=script, text=True, check=False)


if __name__ == "__main__":
    main()
