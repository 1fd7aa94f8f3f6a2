#!/usr/bin/env python3
"""dispatch's HTTP API against real processes: `fraudscan dispatch -c` with
its journal, and the engine (`fraudscan replay --dispatch`) sending the
sample's alerts over ZeroMQ.

Every route's success and error paths; an officer of another precinct gets
403 and the refusal is in the alert's history and the journal; only a
liaison requests payment stops, idempotently; event streams: live entries,
a reconnect with Last-Event-ID gets exactly the missed ones (compared with
a stream that never closed), a catch-up from 0 equals what the same
principal's live stream got; /metrics is Prometheus text and moves; a
1 MiB body is 413; garbage JSON is 400 with where; a ping on a quiet
stream. python3 stdlib only."""
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

FRAUDSCAN = os.environ["FRAUDSCAN"]
SRCDIR = os.environ["SRCDIR"]
SAMPLE = os.path.join(SRCDIR, "feeds", "sample")
SLOW = 3 if os.environ.get("ASAN_OPTIONS") or "asan" in os.environ.get("BUILDDIR", "") else 1

USERS = {  # name: (role, precincts)
    "o.north": ("officer", ["P-NORTH"]),
    "o.east": ("officer", ["P-EAST"]),
    "d.desk": ("officer", ["DESK"]),
    "a.analyst": ("analyst", []),
    "l.liaison": ("liaison", []),
    "root": ("admin", []),
}
checks = 0


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    if LOG and os.path.exists(LOG):
        with open(LOG) as f:
            sys.stderr.write("--- dispatch stderr ---\n" + f.read())
    sys.exit(1)


def ok(cond, msg):
    global checks
    if not cond:
        fail(msg)
    checks += 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def token(name):
    return "tok-" + name + "-7f3e"


class Api:
    def __init__(self, port):
        self.port = port

    def call(self, method, path, who=None, body=None, headers=None, raw=None):
        """(status, headers, parsed JSON or text)."""
        h = dict(headers or {})
        if who:
            h["Authorization"] = "Bearer " + (token(who) if who in USERS else who)
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            h["Content-Type"] = "application/json"
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30 * SLOW)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            text = r.read().decode()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
        finally:
            c.close()
        if hdrs.get("content-type", "").startswith("application/json"):
            return r.status, hdrs, json.loads(text) if text else None
        return r.status, hdrs, text

    def expect(self, code, method, path, who=None, body=None, **kw):
        st, hdrs, got = self.call(method, path, who, body, **kw)
        ok(st == code, f"{method} {path} as {who}: {st} {got!r}, want {code}")
        return got, hdrs


class Stream:
    """A GET /events reader on its own thread: events in .events (dicts with
    id, event, data), comments counted in .pings."""

    def __init__(self, port, who, query="", last_id=None):
        self.events, self.pings = [], 0
        self.cond = threading.Condition()
        self.closed = False
        h = {"Authorization": "Bearer " + token(who), "Accept": "text/event-stream"}
        if last_id is not None:
            h["Last-Event-ID"] = str(last_id)
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120 * SLOW)
        self.conn.request("GET", "/events" + query, headers=h)
        self.resp = self.conn.getresponse()
        ok(self.resp.status == 200, f"/events{query} as {who}: {self.resp.status}")
        ok(self.resp.getheader("Content-Type", "").startswith("text/event-stream"),
           "event stream content type")
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        cur = {}
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\n")
                if line == "":
                    if "id" in cur:
                        with self.cond:
                            self.events.append(cur)
                            self.cond.notify_all()
                    cur = {}
                elif line.startswith(":"):
                    if line.startswith(": ping"):
                        with self.cond:
                            self.pings += 1
                            self.cond.notify_all()
                else:
                    k, _, v = line.partition(": ")
                    cur[k] = int(v) if k == "id" else (json.loads(v) if k == "data" else v)
        except (OSError, ValueError, AttributeError, http.client.HTTPException):
            # the connection closed under the reader (close(), or dispatch stopping)
            pass
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait(self, pred, what, timeout=20):
        end = time.time() + timeout * SLOW
        with self.cond:
            while not pred(self):
                left = end - time.time()
                if left <= 0 or self.closed:
                    fail(f"stream: {what} (got ids {[e['id'] for e in self.events]})")
                self.cond.wait(left)

    def ids(self):
        with self.cond:
            return [e["id"] for e in self.events]

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()
        self.t.join(10)


def engine_send(tmp, dispatch_ep, name, args):
    """The engine replays args and sends its alerts to dispatch; returns the
    alert ids it raised."""
    out = os.path.join(tmp, name + ".jsonl")
    cmd = [FRAUDSCAN, "replay", "--rules", os.path.join(SRCDIR, "rules"),
           "--identity", os.path.join(SAMPLE, "identity.csv"),
           "--profiles", os.path.join(SAMPLE, "profiles.csv"),
           "--dispatch", dispatch_ep, "--spool", os.path.join(tmp, "spool-" + name),
           "--dispatch-wait", str(20 * SLOW)] + args
    with open(out, "w") as f, open(os.path.join(tmp, name + ".err"), "w") as e:
        r = subprocess.run(cmd, stdout=f, stderr=e, timeout=120 * SLOW)
    if r.returncode != 0:
        fail(f"engine replay {name} exited {r.returncode}: " + open(os.path.join(tmp, name + ".err")).read())
    with open(out) as f:
        return [json.loads(line)["alert_id"] for line in f if line.strip()]


PROM_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.e+]+|NaN|\+Inf|-Inf)$')
PROM_COMMENT = re.compile(r'^# (TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)|HELP .*)$')


def prometheus(text):
    out, families = {}, set()
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("#"):
            if not PROM_COMMENT.match(line):
                fail(f"/metrics line {n}: {line!r}")
            if line.startswith("# TYPE "):
                name = line.split()[2]
                if name in families:  # Prometheus refuses a family declared twice
                    fail(f"/metrics line {n}: {name} declared twice")
                families.add(name)
            continue
        m = PROM_SAMPLE.match(line)
        if not m:
            fail(f"/metrics line {n} is not a Prometheus sample: {line!r}")
        key = m.group(1) + (m.group(2) or "")
        if key in out:
            fail(f"/metrics line {n}: sample {key} twice")
        out[key] = float(m.group(3))
    return out


LOG = None


def main():
    global LOG
    tmp = tempfile.mkdtemp(prefix="fsc-http-")
    LOG = os.path.join(tmp, "dispatch.err")
    with open(os.path.join(tmp, "tokens.yaml"), "w") as f:
        f.write("tokens:\n")
        for n, (role, pcs) in USERS.items():
            f.write(f"  - name: {n}\n    role: {role}\n")
            if pcs:
                f.write(f"    precincts: [{', '.join(pcs)}]\n")
            f.write(f"    sha256: {hashlib.sha256(token(n).encode()).hexdigest()}\n")
    roster = "desk: DESK\nshifts:\n"
    for n in ("o.north", "o.east", "d.desk"):
        roster += (f"  - officer: {n}\n    precincts: [{USERS[n][1][0]}]\n"
                   f"    weekly: \"Mon-Sun 00:00-24:00\"\n")
    with open(os.path.join(tmp, "roster.yaml"), "w") as f:
        f.write(roster)
    zport, hport = free_port(), free_port()
    ep = f"tcp://127.0.0.1:{zport}"
    cfg = os.path.join(tmp, "dispatch.yaml")
    with open(cfg, "w") as f:
        f.write(f"dispatch:\n  listen: {ep}\n  http: 127.0.0.1:{hport}\n"
                f"  journal: {tmp}/journal\n  roster: {tmp}/roster.yaml\n  tokens: {tmp}/tokens.yaml\n")
    with open(LOG, "w") as err:
        d = subprocess.Popen([FRAUDSCAN, "dispatch", "-c", cfg], stderr=err)
    api = Api(hport)
    try:
        for _ in range(100 * SLOW):
            if d.poll() is not None:
                fail(f"dispatch exited {d.returncode} at start")
            try:
                st, _, body = api.call("GET", "/healthz")
                if st == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        else:
            fail("/healthz never answered")
        run(api, tmp, ep, hport)
    finally:
        if d.poll() is None:
            d.send_signal(signal.SIGTERM)
            try:
                d.wait(timeout=30 * SLOW)
            except subprocess.TimeoutExpired:
                d.kill()
                d.wait()
                fail("dispatch did not stop on SIGTERM with event streams open")
    ok(d.returncode == 0, f"dispatch exited {d.returncode}")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"ok: HTTP API, {checks} checks passed")


def run(api, tmp, ep, hport):
    t_open = time.time()
    # streams opened before anything happens: the whole day, live
    s_all = Stream(hport, "a.analyst")                 # never closed
    s_re = Stream(hport, "a.analyst")                  # closed, then resumed
    s_east = Stream(hport, "o.east")                   # an officer's view
    s_high = Stream(hport, "a.analyst", "?min_level=high")

    # ---- batch 1: the engine's alerts from the sample traffic
    ids1 = engine_send(tmp, ep, "traffic", [os.path.join(SAMPLE, "traffic.pcap")])
    ok(len(ids1) >= 4, f"the traffic raised {len(ids1)} alerts")
    s_all.wait(lambda s: len(s.events) >= len(ids1), "batch 1 not streamed")
    s_re.wait(lambda s: len(s.events) >= len(ids1), "batch 1 not streamed (second stream)")
    got = [e["data"]["alert_id"] for e in s_all.events if e["event"] == "alert"]
    ok(sorted(got) == sorted(ids1), f"streamed alerts {got} != engine's {ids1}")
    ok(all(e["data"]["kind"] == e["event"] for e in s_all.events), "event: is the entry's kind")
    last_before = s_re.ids()[-1]
    s_re.close()

    # ---- reads
    lst, _ = api.expect(200, "GET", "/alerts", "a.analyst")
    alerts = {a["alert_id"]: a for a in lst["alerts"]}
    ok(set(alerts) == set(ids1), "GET /alerts lists every stored alert")
    east = [a for a in lst["alerts"] if a["queue"] == "P-EAST"]
    north = [a for a in lst["alerts"] if a["queue"] == "P-NORTH"]
    ok(east and north, "the sample has alerts for P-EAST and P-NORTH")
    e1 = max(east, key=lambda a: a["level"])["alert_id"]
    lst, _ = api.expect(200, "GET", "/alerts?queue=P-EAST&state=queued&min_level=2", "o.east")
    ok({a["alert_id"] for a in lst["alerts"]} == {a["alert_id"] for a in east if a["level"] >= 2},
       "filtered list")
    lst, _ = api.expect(200, "GET", "/alerts", "o.east")
    ok(all(a["queue"] == "P-EAST" for a in lst["alerts"]), "an officer lists only their queues")
    api.expect(400, "GET", "/alerts?min_level=severe", "a.analyst")
    api.expect(400, "GET", "/alerts?state=lost", "a.analyst")
    got, _ = api.expect(400, "GET", "/alerts?quuee=P-EAST", "a.analyst")
    ok("unknown query parameter 'quuee'" in got["error"], got["error"])
    shown, _ = api.expect(200, "GET", f"/alerts/{e1}", "a.analyst")
    ok(shown["alert"]["alert_id"] == e1 and shown["state"] == "queued", "GET /alerts/{id}")
    api.expect(404, "GET", "/alerts/00000000deadbeef", "a.analyst")
    got, _ = api.expect(400, "GET", "/alerts/bad%20id", "a.analyst")
    ok("at byte" in got["error"], got["error"])

    # ---- who may: 401, 403 (logged), 405, 404
    _, hdrs = api.expect(401, "GET", "/alerts")
    ok(hdrs.get("www-authenticate") == "Bearer", "401 names the scheme")
    api.expect(401, "GET", "/alerts", "not-a-token")
    got, _ = api.expect(403, "POST", f"/alerts/{e1}/claim", "o.north", {})
    ok(got["status"] == "FSC_EDENIED", "403 says FSC_EDENIED")
    shown, _ = api.expect(200, "GET", f"/alerts/{e1}", "a.analyst")
    refused = [h for h in shown["history"] if h["kind"] == "refused"]
    ok(len(refused) == 1 and refused[0]["who"] == "o.north", f"the refusal is in the history: {refused}")
    with open(os.path.join(tmp, "journal", "journal.log")) as f:
        ok(any('"kind":"refused"' in line and '"who":"o.north"' in line for line in f),
           "the refusal is in the journal")
    # a refused read is logged the same way
    api.expect(403, "GET", f"/alerts/{e1}", "o.north")
    shown, _ = api.expect(200, "GET", f"/alerts/{e1}", "a.analyst")
    refused = [h for h in shown["history"] if h["kind"] == "refused"]
    ok(len(refused) == 2 and refused[1]["action"] == "show", f"the refused read is in the history: {refused}")
    api.expect(405, "GET", f"/alerts/{e1}/claim", "o.east")
    api.expect(404, "GET", "/nothing-here", "o.east")
    api.expect(404, "POST", "/alerts/00000000deadbeef/claim", "o.east", {})

    # ---- the workflow, with its state errors
    api.expect(409, "POST", f"/alerts/{e1}/close", "o.east", {"note": "too early"})
    got, _ = api.expect(200, "POST", f"/alerts/{e1}/claim", "o.east", {})
    ok(got["state"] == "claimed" and got["alert"]["claimed_by"] == "o.east", "claimed")
    api.expect(409, "POST", f"/alerts/{e1}/claim", "o.east", {})
    got, _ = api.expect(400, "POST", f"/alerts/{e1}/contact", "o.east", {"channel": "fax"})
    ok("channel 'fax' is not phone or visit at byte" in got["error"], got["error"])
    got, _ = api.expect(400, "POST", f"/alerts/{e1}/contact", "o.east", {"chanel": "phone"})
    ok("unknown key 'chanel'" in got["error"], got["error"])
    api.expect(200, "POST", f"/alerts/{e1}/contact", "o.east", {"channel": "phone", "note": "reached her"})
    got, _ = api.expect(400, "POST", f"/alerts/{e1}/outcome", "o.east", {"outcome": "dissuaded", "amount": "1200"})
    ok("'amount' must be a number at byte" in got["error"], got["error"])
    api.expect(400, "POST", f"/alerts/{e1}/outcome", "o.east", {"outcome": "maybe"})
    got, _ = api.expect(200, "POST", f"/alerts/{e1}/outcome", "o.east",
                        {"outcome": "money_sent", "amount": 1200, "note": "sent before the call"})
    ok(got["state"] == "outcome", "outcome recorded")
    got, _ = api.expect(400, "POST", f"/alerts/{e1}/close", "o.east", raw=b'{"note": "done"')
    ok(re.search(r"invalid JSON at byte \d+", got["error"]), f"garbage JSON says where: {got['error']}")
    got, _ = api.expect(400, "POST", f"/alerts/{e1}/close", "o.east", raw=b'{"note": "a"} xx')
    ok("at byte" in got["error"], got["error"])
    got, _ = api.expect(413, "POST", f"/alerts/{e1}/close", "o.east", raw=b'{"note":"' + b"x" * (1 << 20) + b'"}')
    ok("at most 65536" in got["error"], got["error"])
    # without a Content-Length (chunked): read to its end, then refused
    c = http.client.HTTPConnection("127.0.0.1", hport, timeout=30 * SLOW)
    c.request("POST", f"/alerts/{e1}/close", body=(b"x" * 1024 for _ in range(100)),
              headers={"Authorization": "Bearer " + token("o.east")}, encode_chunked=True)
    r = c.getresponse()
    ok(r.status == 413 and "over 65536 bytes" in r.read().decode(), f"chunked 100 KiB: {r.status}")
    c.close()

    # ---- payment stops: liaisons only, idempotent
    ps = {"alert_id": e1, "bank": "BANK-A", "account": "6222020200112233", "amount": 1200,
          "reason": "victim transferred before the call"}
    api.expect(403, "POST", "/paystops", "o.east", ps)
    api.expect(403, "POST", "/paystops", "a.analyst", ps)
    got, _ = api.expect(400, "POST", "/paystops", "l.liaison", {"alert_id": e1, "bank": "BANK-A"})
    ok("'account' is required" in got["error"], got["error"])
    api.expect(404, "POST", "/paystops", "l.liaison", dict(ps, alert_id="00000000deadbeef"))
    first, hdrs = api.expect(201, "POST", "/paystops", "l.liaison", ps)
    ok(first["existing"] is False and first["paystop_id"].startswith("PS-"), f"created: {first}")
    ok(hdrs.get("location") == "/paystops/" + first["paystop_id"], "Location of the new stop")
    again, _ = api.expect(200, "POST", "/paystops", "l.liaison", ps)
    ok(again == {"paystop_id": first["paystop_id"], "existing": True}, f"idempotent: {again}")
    got, _ = api.expect(200, "GET", "/paystops/" + first["paystop_id"], "l.liaison")
    ok(first["paystop_id"] in json.dumps(got), "GET /paystops/{id}")
    api.expect(404, "GET", "/paystops/PS-0000000000000000", "l.liaison")
    api.expect(200, "GET", "/paystops/stats", "l.liaison")
    api.expect(200, "GET", "/paystops/stats?from=2026-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", "l.liaison")
    api.expect(400, "GET", "/paystops/stats?from=yesterday", "l.liaison")
    api.expect(200, "POST", f"/alerts/{e1}/close", "o.east", {"note": "stop requested"})
    api.expect(409, "POST", f"/alerts/{e1}/close", "o.east", {})
    rep, _ = api.expect(200, "GET", "/reports", "a.analyst")
    ok("P-EAST" in json.dumps(rep), "the report covers P-EAST")
    api.expect(200, "GET", "/reports?from=0&to=4102444800", "a.analyst")
    api.expect(400, "GET", "/reports?from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z", "a.analyst")

    # ---- admin
    api.expect(403, "POST", "/admin/reload", "o.east", {})
    api.expect(200, "POST", "/admin/reload", "root", {})
    api.expect(400, "POST", "/admin/reload", "root", {"what": "everything"})

    # ---- batch 2: install events, while s_re is closed
    ids2 = engine_send(tmp, ep, "events", ["--events", os.path.join(SAMPLE, "events.jsonl")])
    ok(ids2 and not set(ids2) & set(ids1), f"the events raised new alerts: {ids2}")
    s_all.wait(lambda s: sum(e["event"] == "alert" for e in s.events) >= len(ids1) + len(ids2),
               "batch 2 not streamed")
    # the engine is done and acked: nothing else will be committed now
    time.sleep(0.3 * SLOW)
    all_ids = s_all.ids()
    ok(all_ids == sorted(set(all_ids)) and all_ids == list(range(all_ids[0], all_ids[-1] + 1)),
       f"the live stream is in order, without gaps or repeats: {all_ids}")
    kinds = {e["event"] for e in s_all.events}
    ok({"alert", "refused", "claim", "contact", "outcome", "close", "paystop"} <= kinds,
       f"workflow entries are streamed too: {kinds}")

    # ---- resume with Last-Event-ID: exactly what was missed, once
    s_back = Stream(hport, "a.analyst", last_id=last_before)
    missed = [i for i in all_ids if i > last_before]
    s_back.wait(lambda s: len(s.events) >= len(missed), f"resume after {last_before} incomplete")
    time.sleep(0.3 * SLOW)
    ok(s_back.ids() == missed, f"resumed {s_back.ids()} != missed {missed}")
    ok([e["data"] for e in s_back.events] == [e["data"] for e in s_all.events if e["id"] > last_before],
       "resumed entries are byte-for-byte the live ones")

    # ---- an officer's catch-up from 0 equals what their live stream saw
    s_east.wait(lambda s: s.events and s.events[-1]["id"] >= max(e["id"] for e in s_all.events
                if e["data"].get("queue") == "P-EAST"), "o.east's live stream behind")
    east_live = s_east.ids()
    ok(east_live and all(e["data"].get("queue") == "P-EAST" for e in s_east.events),
       "an officer's stream holds only their queue's entries")
    s_east0 = Stream(hport, "o.east", last_id=0)
    s_east0.wait(lambda s: len(s.events) >= len(east_live), "o.east's catch-up incomplete")
    time.sleep(0.3 * SLOW)
    ok(s_east0.ids() == east_live, f"catch-up {s_east0.ids()} != live {east_live}")
    high_live = s_high.ids()
    ok(high_live and all(e["data"].get("level", 0) >= 3 for e in s_high.events),
       "min_level=high streams only high and critical")
    s_q = Stream(hport, "o.east", "?queue=P-EAST&after=0")
    s_q.wait(lambda s: len(s.events) >= len(east_live), "?after= catch-up incomplete")
    ok(s_q.ids() == east_live, "?after=0 is the same catch-up as Last-Event-ID: 0")
    st, _, got = api.call("GET", "/events?queue=P-NORTH", "o.east")
    ok(st == 403, f"an officer may not stream another precinct's queue: {st}")
    with open(os.path.join(tmp, "journal", "journal.log")) as f:
        ok(any('"kind":"refused"' in line and '"action":"events"' in line and
               '"who":"o.east"' in line for line in f),
           "the refused stream is in the journal like any refusal")
    st, _, got = api.call("GET", "/events", "o.east", headers={"Last-Event-ID": "x1"})
    ok(st == 400, f"a bad Last-Event-ID is 400: {st}")

    # ---- /metrics: Prometheus text, counters moved
    st, hdrs, text = api.call("GET", "/metrics")
    ok(st == 200 and hdrs["content-type"].startswith("text/plain; version=0.0.4"), "GET /metrics")
    m = prometheus(text)
    req, denied = ('fsc_dispatch_events_total{counter="api.requests"}',
                   'fsc_dispatch_events_total{counter="api.denied"}')
    ok(m.get(req, 0) > 40, f"api.requests counted: {m.get(req)}")
    ok(m.get(denied, 0) >= 6, f"every refusal counted: {m.get(denied)}")
    ok(m.get('fsc_api_answers_total{route="claim",class="4xx"}', 0) >= 3, "answers by route and class")
    ok(m.get("fsc_api_event_streams") == 6, f"open streams gauge: {m.get('fsc_api_event_streams')}")
    stored = sum(v for k, v in m.items() if k.startswith("fsc_dispatch_alerts_total{"))
    ok(stored == len(ids1) + len(ids2), f"alerts stored {stored}")
    # a counter moves after one more request
    api.expect(401, "GET", "/alerts")
    m2 = prometheus(api.call("GET", "/metrics")[2])
    ok(m2[denied] == m[denied] + 1, "api.denied moved by one")
    hz, _ = api.expect(200, "GET", "/healthz")
    ok(hz == {"status": "ok"}, "healthz")

    # ---- a quiet stream pings (every 15 s)
    left = t_open + 16.5 - time.time()
    if left > 0:
        time.sleep(left)
    s_all.wait(lambda s: s.pings >= 1, "no ': ping' on a quiet stream", timeout=5)
    for s in (s_all, s_east, s_high, s_back, s_east0, s_q):
        ok(not s.closed, "streams stay open while quiet")
    s_back.close()
    s_q.close()


main()
