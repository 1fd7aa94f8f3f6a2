#!/usr/bin/env bash
# `fraudscan run` from a configuration file: a capture file through two
# workers, identity from RADIUS accounting, install events from a file, the
# model beside the rules: the sample's victims are alerted; a typo in the
# configuration stops it before it starts, at file:line:col.
. "$(dirname "$0")/lib.sh"
printf '{"Acct-Status-Type":"Start","Event-Timestamp":"2026-11-29T07:00:00Z","Framed-IP-Address":"10.20.2.22","User-Name":"S1002","precinct":"P-EAST"}\n' >"$TMP/radius.jsonl"
cat >"$TMP/run.yaml" <<EOC
capture:
  file: $SAMPLE/traffic.pcap
  workers: 2
rules:
  path: $SRCDIR/rules
identity:
  radius: $TMP/radius.jsonl
profiles:
  file: $SAMPLE/profiles.csv
events:
  file: $SAMPLE/events.jsonl
  follow: false
alerts:
  file: $TMP/alerts.jsonl
EOC
"$FRAUDSCAN" run -c "$TMP/run.yaml" 2>"$TMP/run.err" || { cat "$TMP/run.err"; fail "run failed"; }
grep -Eq 'identity.radius_records +1$' "$TMP/run.err" || { cat "$TMP/run.err"; fail "the RADIUS record was not applied"; }
grep -q '"subscriber":"S1002","precinct":"P-EAST","victim_group":"elderly","level":4' "$TMP/alerts.jsonl" ||
  fail "S1002 (known only from RADIUS) was not alerted critical in P-EAST"
grep -q '"subscriber":"S1005"' "$TMP/alerts.jsonl" || fail "S1005's install event was not scored"
printf 'capture:\n  file: x.pcap\n  workerz: 2\n' >"$TMP/bad.yaml"
if "$FRAUDSCAN" run -c "$TMP/bad.yaml" 2>"$TMP/bad.err"; then fail "a typo in the configuration was accepted"; fi
grep -q 'bad.yaml:3:3: error: unknown key .capture.workerz.' "$TMP/bad.err" || { cat "$TMP/bad.err"; fail "no file:line:col for the typo"; }
echo "ok: run from a configuration, RADIUS identity, events file; typos refused"
