#!/usr/bin/env bash
# `fraudscan run` sends its alerts to dispatch (alerts.dispatch, alerts.spool)
# and every one is stored; dispatch.yaml's typos and missing keys are
# refused at file:line:col, like the engine's file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"
HPORT=$(free_port)
dispatch_config "  journal: $TMP/journal" "  http: 127.0.0.1:$HPORT"
dispatch_start
# the HTTP API is served by the same daemon
python3 -c 'import sys, urllib.request; r = urllib.request.urlopen(sys.argv[1], timeout=5); sys.exit(r.status != 200)' \
  "http://127.0.0.1:$HPORT/healthz" || fail "dispatch's HTTP API does not answer /healthz"
cat >"$TMP/run.yaml" <<EOC
capture:
  file: $SAMPLE/traffic.pcap
rules:
  path: $SRCDIR/rules
identity:
  file: $SAMPLE/identity.csv
profiles:
  file: $SAMPLE/profiles.csv
events:
  file: $SAMPLE/events.jsonl
  follow: false
alerts:
  file: $TMP/alerts.jsonl
  dispatch: $DEP
  spool: $TMP/spool
  dispatch_wait: 20
EOC
"$FRAUDSCAN" run -c "$TMP/run.yaml" 2>"$TMP/run.err" || { cat "$TMP/run.err"; fail "run failed"; }
kill -HUP "$DPID" # roster and tokens reloaded, the daemon goes on
for _ in $(seq 100); do
  grep "SIGHUP: roster and tokens reloaded" "$TMP/dispatch.err" >/dev/null && break
  sleep 0.05
done
grep "SIGHUP: roster and tokens reloaded" "$TMP/dispatch.err" >/dev/null ||
  { cat "$TMP/dispatch.err"; fail "SIGHUP did not reload roster and tokens"; }
# an edited roster is read again without a signal (checked once a second),
# and a broken one is refused with its place while the old one stays
printf '  - officer: o.new\n    precincts: [P-NEW]\n    weekly: "Mon-Sun 00:00-24:00"\n' \
  >>"$TMP/roster.yaml"
for _ in $(seq 60); do
  grep "roster or tokens file changed: roster and tokens reloaded" "$TMP/dispatch.err" \
    >/dev/null && break
  sleep 0.1
done
grep "roster or tokens file changed: roster and tokens reloaded" "$TMP/dispatch.err" \
  >/dev/null || { cat "$TMP/dispatch.err"; fail "an edited roster was not reloaded"; }
printf '  - officer: o.bad\n    precincts: [P-NEW]\n    weekly: "Someday"\n' \
  >>"$TMP/roster.yaml"
for _ in $(seq 60); do
  grep "file changed: roster and tokens kept" "$TMP/dispatch.err" >/dev/null && break
  sleep 0.1
done
grep "file changed: roster and tokens kept" "$TMP/dispatch.err" >/dev/null &&
  grep "roster.yaml:[0-9]*:[0-9]*: error" "$TMP/dispatch.err" >/dev/null ||
  { cat "$TMP/dispatch.err"; fail "a broken roster was not refused with its place"; }
dispatch_stop
alert_ids "$TMP/alerts.jsonl" >"$TMP/emitted"
journal_ids "$TMP/journal" >"$TMP/stored"
[ "$(wc -l <"$TMP/emitted")" -ge 5 ] || fail "run raised only $(wc -l <"$TMP/emitted") alerts"
check_once "$TMP/emitted" "$TMP/stored" || { cat "$TMP/run.err" "$TMP/dispatch.err"; exit 1; }

# dispatch.yaml: a typo, a missing required key, a bad number, at their places
printf 'dispatch:\n  listen: tcp://127.0.0.1:1\n  jurnal: /tmp/x\n' >"$TMP/bad.yaml"
if "$FRAUDSCAN" dispatch -c "$TMP/bad.yaml" --check 2>"$TMP/bad.err"; then
  fail "a broken dispatch.yaml was accepted"
fi
grep "bad.yaml:3:3: error: unknown key 'dispatch.jurnal'" "$TMP/bad.err" >/dev/null ||
  { cat "$TMP/bad.err"; fail "no file:line:col for the typo"; }
printf 'dispatch:\n  listen: tcp://127.0.0.1:1\n  journal: /tmp/x\n  roster: r\n  tokens: t\n  batch: lots\n' >"$TMP/bad1.yaml"
if "$FRAUDSCAN" dispatch -c "$TMP/bad1.yaml" --check 2>"$TMP/bad1.err"; then
  fail "dispatch.batch: lots was accepted"
fi
grep "bad1.yaml:6:10: error: 'dispatch.batch' wants a whole number" "$TMP/bad1.err" >/dev/null ||
  { cat "$TMP/bad1.err"; fail "no file:line:col for the bad number"; }
printf 'dispatch:\n  listen: tcp://127.0.0.1:1\n  journal: /tmp/x\n' >"$TMP/bad2.yaml"
if "$FRAUDSCAN" dispatch -c "$TMP/bad2.yaml" --check 2>"$TMP/bad2.err"; then
  fail "a dispatch.yaml without roster and tokens was accepted"
fi
grep "'dispatch.roster' is required" "$TMP/bad2.err" >/dev/null ||
  { cat "$TMP/bad2.err"; fail "the missing roster was not named"; }
printf 'dispatch:\n  listen: tcp://127.0.0.1:1\n  journal: /tmp/x\n  roster: r\n  tokens: t\nbanks:\n  ICBC: tcp://127.0.0.1:2\n  CCB: tcp://127.0.0.1:3\n' >"$TMP/ok.yaml"
"$FRAUDSCAN" dispatch -c "$TMP/ok.yaml" --check >"$TMP/ok.out" 2>&1 || { cat "$TMP/ok.out"; fail "banks.* refused"; }
echo "ok: run's $(wc -l <"$TMP/emitted") alerts stored once; dispatch.yaml checked at file:line:col"
