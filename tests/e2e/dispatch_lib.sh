# dispatch_lib.sh: what the dispatch e2e tests share (sourced after lib.sh).
# A dispatch daemon on a free loopback port with a journal (or Redis), an
# engine (`fraudscan replay --dispatch --spool`) fed install events at a
# given pace so things can be killed mid-stream, and the checks: the alert
# ids the engine emitted against the alert entries dispatch stored.

DPORT=$(free_port)
DEP=tcp://127.0.0.1:$DPORT
DPID=

# dispatch_config [extra YAML lines for the dispatch: section...]
dispatch_config() {
  cat >"$TMP/roster.yaml" <<'Y'
desk: DESK
shifts:
  - officer: d.desk
    precincts: [DESK]
    weekly: "Mon-Sun 00:00-24:00"
Y
  local h
  h=$(printf '%s' "t-admin-$$" | sha256sum | cut -d' ' -f1)
  printf 'tokens:\n  - name: admin\n    role: admin\n    sha256: %s\n' "$h" >"$TMP/tokens.yaml"
  {
    echo "dispatch:"
    echo "  listen: $DEP"
    echo "  roster: $TMP/roster.yaml"
    echo "  tokens: $TMP/tokens.yaml"
    for l in "$@"; do echo "$l"; done
  } >"$TMP/dispatch.yaml"
}

# dispatch_start: the daemon in the background (stderr appended to
# $TMP/dispatch.err), waits until it listens.
dispatch_start() {
  "$FRAUDSCAN" dispatch -c "$TMP/dispatch.yaml" 2>>"$TMP/dispatch.err" &
  DPID=$!
  for _ in $(seq 100); do
    [ "$(grep -c "started:" "$TMP/dispatch.err" 2>/dev/null)" -gt "${STARTS:-0}" ] && break
    kill -0 "$DPID" 2>/dev/null || { cat "$TMP/dispatch.err"; fail "dispatch did not start"; }
    sleep 0.05
  done
  STARTS=$((${STARTS:-0} + 1))
}

dispatch_stop() { # SIGTERM, and it must exit cleanly
  kill -TERM "$DPID"
  wait "$DPID" || { cat "$TMP/dispatch.err"; fail "dispatch exited $? on SIGTERM"; }
  DPID=
}

dispatch_cleanup() {
  [ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
  [ -n "${EPID:-}" ] && kill -9 "$EPID" 2>/dev/null
  [ -n "${GPID:-}" ] && kill -9 "$GPID" 2>/dev/null
  rm -rf "$TMP"
}
trap dispatch_cleanup EXIT

# gen_events N RATE: N install events of a fraud app by N subscribers (each
# raises one alert), RATE lines per second on stdout (0: at once).
gen_events() {
  python3 - "$1" "$2" "$SAMPLE/events.jsonl" <<'PY'
import json, sys, time
n, rate = int(sys.argv[1]), float(sys.argv[2])
bad = [json.loads(l) for l in open(sys.argv[3], encoding="utf-8")]
bad = [e for e in bad if e.get("installer") == "sideload"]
base, t0 = 1795939200, time.monotonic()
for i in range(n):
    e = dict(bad[i % len(bad)])
    e["subscriber"], e["ts"] = f"S{i:07d}", base + i // 10
    sys.stdout.write(json.dumps(e, ensure_ascii=False) + "\n")
    if rate and i % 50 == 49:
        sys.stdout.flush()
        ahead = (i + 1) / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
PY
}

# journal_ids JOURNAL_DIR: the alert_id of every "alert" entry, one a line
journal_ids() {
  python3 - "$1/journal.log" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    seq, crc, js = line.rstrip("\n").split(" ", 2)
    e = json.loads(js)
    if e["kind"] == "alert":
        print(e["alert_id"])
PY
}

alert_ids() { # FILE...: alert_id of every JSON line
  cat "$@" | python3 -c 'import json,sys; [print(json.loads(l)["alert_id"]) for l in sys.stdin if l.strip()]'
}

# check_once EMITTED STORED [SLACK]: every emitted id stored, none twice, and
# nothing stored that was not emitted beyond SLACK ids (an alert spooled by
# an engine killed before it wrote its --alerts line).
check_once() {
  python3 - "$1" "$2" "${3:-0}" <<'PY'
import collections, sys
emitted = [l.strip() for l in open(sys.argv[1]) if l.strip()]
stored = [l.strip() for l in open(sys.argv[2]) if l.strip()]
slack = int(sys.argv[3])
twice = [k for k, v in collections.Counter(stored).items() if v > 1]
missing = set(emitted) - set(stored)
extra = set(stored) - set(emitted)
print(f"emitted {len(set(emitted))} distinct, stored {len(stored)} ({len(set(stored))} distinct), "
      f"missing {len(missing)}, twice {len(twice)}, not in the engine's file {len(extra)}")
if twice:
    sys.exit(f"FAIL: stored twice: {twice[:5]}")
if missing:
    sys.exit(f"FAIL: emitted but not stored: {sorted(missing)[:5]}")
if len(extra) > slack:
    sys.exit(f"FAIL: stored but never emitted: {sorted(extra)[:5]}")
PY
}
