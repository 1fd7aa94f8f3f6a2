#!/usr/bin/env python3
"""`fraudscan run` with metrics.listen: GET /metrics is Prometheus text of
every counter, and the figures move with what the engine sees.

The engine captures on the loopback interface (a BPF filter keeps it to one
UDP port of ours) and follows an events file; the test scrapes, sends five
datagrams and appends the sample's install events, scrapes again: packets
counted, alerts counted by level, the labelled family agrees with the
per-level counters, and a path other than /metrics is 404. Skips (77) when
this process may not capture (not root / no CAP_NET_RAW)."""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

FRAUDSCAN = os.environ["FRAUDSCAN"]
SRCDIR = os.environ["SRCDIR"]
SAMPLE = os.path.join(SRCDIR, "feeds", "sample")

# one sample line of the exposition format: name{labels} value
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"'
                       r'(,[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*")*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$')
TYPE_RE = re.compile(r'^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$')


def fail(msg, log=None):
    print("FAIL: " + msg, file=sys.stderr)
    if log:
        with open(log) as f:
            sys.stderr.write(f.read())
    sys.exit(1)


def free_port(kind=socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse(text):
    """Checks every line against the format; returns {name{labels}: value}."""
    out = {}
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            if line.startswith("# TYPE") and not TYPE_RE.match(line):
                fail(f"line {n} is not a valid TYPE line: {line!r}")
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            fail(f"line {n} is not Prometheus text: {line!r}")
        out[m.group(1) + (m.group(2) or "")] = float(m.group(4))
    return out


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        ctype = r.headers["Content-Type"]
        if not ctype.startswith("text/plain; version=0.0.4"):
            fail(f"Content-Type {ctype!r}")
        return parse(r.read().decode())


def main():
    if os.geteuid() != 0:
        print("SKIP: capturing on lo needs root", file=sys.stderr)
        sys.exit(77)
    tmp = tempfile.mkdtemp()
    mport, uport = free_port(), free_port(socket.SOCK_DGRAM)
    events = os.path.join(tmp, "events.jsonl")
    open(events, "w").close()
    cfg = os.path.join(tmp, "run.yaml")
    with open(cfg, "w") as f:
        f.write(f"""capture:
  interface: lo
  bpf: "udp port {uport}"
rules:
  path: {SRCDIR}/rules
  cache: none
profiles:
  file: {SAMPLE}/profiles.csv
events:
  file: {events}
alerts:
  file: {tmp}/alerts.jsonl
metrics:
  listen: 127.0.0.1:{mport}
""")
    log = os.path.join(tmp, "run.err")
    with open(log, "w") as err:
        p = subprocess.Popen([FRAUDSCAN, "run", "-c", cfg], stderr=err)
    try:
        before = None
        for _ in range(200):
            if p.poll() is not None:
                with open(log) as f:
                    text = f.read()
                if "Operation not permitted" in text or "permission" in text.lower():
                    print("SKIP: cannot capture on lo here: " + text.strip(), file=sys.stderr)
                    sys.exit(77)
                fail("fraudscan run exited early", log)
            try:
                before = scrape(mport)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        if before is None:
            fail("/metrics never answered", log)
        for name in ("fsc_engine_capture_packets_total", "fsc_engine_alert_emitted_total",
                     "fsc_engine_capture_kernel_dropped_total", 'fsc_engine_alerts_total{level="critical"}'):
            if name not in before:
                fail(f"{name} missing from the first scrape")
        if before["fsc_engine_alert_emitted_total"] != 0:
            fail("alerts before any input")

        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for _ in range(5):
            s.sendto(b"fraudscan-metrics-test", ("127.0.0.1", uport))
        s.close()
        with open(os.path.join(SAMPLE, "events.jsonl")) as src, open(events, "a") as dst:
            dst.write(src.read())

        after = None
        deadline = time.time() + 15
        while time.time() < deadline:
            after = scrape(mport)
            if after["fsc_engine_capture_packets_total"] >= 5 and \
               after["fsc_engine_events_read_total"] >= 13 and after["fsc_engine_alert_emitted_total"] > 0:
                break
            time.sleep(0.2)
        if after["fsc_engine_capture_packets_total"] < 5:
            fail(f"capture.packets did not move: {after['fsc_engine_capture_packets_total']}", log)
        if after["fsc_engine_alert_emitted_total"] == 0:
            fail("no alert counted after the sample's install events", log)
        levels = ("low", "medium", "high", "critical")
        by_family = sum(after[f'fsc_engine_alerts_total{{level="{lv}"}}'] for lv in levels)
        by_counter = sum(after[f"fsc_engine_alert_level_{lv}_total"] for lv in levels)
        if not (by_family == by_counter == after["fsc_engine_alert_emitted_total"]):
            fail(f"alerts by level {by_family}/{by_counter} != emitted {after['fsc_engine_alert_emitted_total']}")
        with open(os.path.join(tmp, "alerts.jsonl")) as f:
            written = sum(1 for line in f if line.strip())
        if written != after["fsc_engine_alert_emitted_total"]:
            fail(f"{written} alerts written, {after['fsc_engine_alert_emitted_total']} counted")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{mport}/other", timeout=5)
            fail("/other answered 200")
        except urllib.error.HTTPError as e:
            if e.code != 404:
                fail(f"/other answered {e.code}")
        print(f"ok: /metrics parses ({len(after)} samples); packets "
              f"{after['fsc_engine_capture_packets_total']:.0f}, alerts "
              f"{after['fsc_engine_alert_emitted_total']:.0f} by level "
              + ", ".join(f"{lv} {after[f'fsc_engine_alert_level_{lv}_total']:.0f}" for lv in levels))
    finally:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                fail("fraudscan run did not stop on SIGTERM with /metrics served", log)
    if p.returncode != 0:
        fail(f"fraudscan run exited {p.returncode} after SIGTERM", log)

    # a listen address that is not one stops the run before it starts
    bad = os.path.join(tmp, "bad.yaml")
    with open(cfg) as f, open(bad, "w") as g:
        g.write(f.read().replace(f"listen: 127.0.0.1:{mport}", "listen: nowhere"))
    r = subprocess.run([FRAUDSCAN, "run", "-c", bad], capture_output=True, text=True, timeout=60)
    if r.returncode == 0 or "metrics.listen: listen address 'nowhere' is not HOST:PORT" not in r.stderr:
        fail(f"a bad metrics.listen was not refused clearly: rc {r.returncode} {r.stderr!r}")
    print("ok: a bad metrics.listen is refused")


main()
