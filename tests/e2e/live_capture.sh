#!/usr/bin/env bash
# `fraudscan run` on a real interface: the sample is replayed with tcpreplay
# onto a veth pair inside a network namespace of the test's own; the engine
# captures on the other end with two workers and must alert the same
# victims as `fraudscan replay` of the same file. Then the rules are
# reloaded over the control socket while it runs: a broken set is refused
# and the old one keeps running; a good one is swapped in and matches.
. "$(dirname "$0")/lib.sh"
command -v tcpreplay >/dev/null || skip "tcpreplay is not installed (tools/setup installs it)"
netns_setup fsc-test veth

mkdir "$TMP/rules"
cp "$SRCDIR"/rules/*.yaml "$TMP/rules/"
[ -d "$SRCDIR/rules/lists" ] && cp -r "$SRCDIR/rules/lists" "$TMP/rules/"
ctl="ipc://$TMP/ctl"
cat >"$TMP/run.yaml" <<EOC
capture:
  interface: v1
  workers: 2
  buffer_mb: 32
rules:
  path: $TMP/rules
identity:
  file: $SAMPLE/identity.csv
profiles:
  file: $SAMPLE/profiles.csv
alerts:
  file: $TMP/live.jsonl
events:
  file: $TMP/events.jsonl
control:
  endpoint: $ctl
EOC
: >"$TMP/events.jsonl" # followed like tail -F: lines appended later are read
run_in_ns

# 10 Mbit/s: about a second for the sample, gentle enough that a loaded CI
# machine (sanitizer builds, two tests at once) drops nothing
send() { ip netns exec "$ns" tcpreplay -q -i v0 --mbps 10 "$SAMPLE/traffic.pcap" >/dev/null 2>&1 || fail "tcpreplay failed"; }
wait_packets() { # N: until the engine has seen at least N packets
  for _ in $(seq 300); do
    got=$("$FRAUDSCAN" ctl --connect "$ctl" stats | awk '$1=="capture.packets"{print $2}')
    [ "${got:-0}" -ge "$1" ] && return 0
    sleep 0.1
  done
  "$FRAUDSCAN" ctl --connect "$ctl" stats | grep -E 'capture|drop' >&2
  fail "the engine saw ${got:-0} packets, expected $1"
}
frames=2916
send
wait_packets $frames
sleep 0.5

# the victims of the capture, as replay finds them (traffic only, no events)
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --identity "$SAMPLE/identity.csv" \
  --profiles "$SAMPLE/profiles.csv" --alerts "$TMP/replay.jsonl" "$SAMPLE/traffic.pcap" 2>/dev/null
pairs() { python3 -c 'import json,sys
for s in sorted({(a["subscriber"], a["fraud_type"]) for a in map(json.loads, open(sys.argv[1]))}): print(*s)' "$1"; }
if ! diff <(pairs "$TMP/replay.jsonl") <(pairs "$TMP/live.jsonl"); then
  "$FRAUDSCAN" ctl --connect "$ctl" stats | grep -E 'capture|drop' >&2
  fail "live capture alerted other people than replay"
fi

# (pipes below end in "grep PATTERN >/dev/null", not "grep -q": -q stops
# reading at the first match, the writer dies of SIGPIPE and pipefail
# reports the pipeline failed)

# an install reported while it runs reaches the scorer within moments
echo '{"ts":"2026-11-29T09:00:00Z","subscriber":"S2002","event":"install","package":"com.gov.safeguard","label":"公安安全防护","installer":"sideload","permissions":["android.permission.BIND_ACCESSIBILITY_SERVICE","android.permission.SYSTEM_ALERT_WINDOW","android.permission.READ_SMS","android.permission.RECEIVE_SMS","android.permission.BIND_DEVICE_ADMIN"]}' >>"$TMP/events.jsonl"
for _ in $(seq 100); do grep -q '"subscriber":"S2002".*"fraud_type":"FT08"' "$TMP/live.jsonl" && break; sleep 0.1; done
grep -q '"subscriber":"S2002".*"level_name":"critical".*"fraud_type":"FT08"' "$TMP/live.jsonl" ||
  grep -q '"subscriber":"S2002","precinct":"[^"]*","victim_group":"[^"]*","level":4' "$TMP/live.jsonl" ||
  fail "the followed events feed did not raise the FT08 alert for S2002"

# a broken rule set is refused over the control socket; the old one runs on
printf 'id: broken\ntitle: [unclosed\n' >"$TMP/rules/zz-broken.yaml"
if "$FRAUDSCAN" ctl --connect "$ctl" reload >"$TMP/reload.out" 2>&1; then fail "a broken reload was accepted"; fi
grep -Eq 'zz-broken\.yaml:[0-9]+:[0-9]+: error' "$TMP/reload.out" || { cat "$TMP/reload.out"; fail "reload error without file:line:col"; }
v_old=$("$FRAUDSCAN" ctl --connect "$ctl" version)

# a good new rule is swapped in while capturing, and matches what follows
rm "$TMP/rules/zz-broken.yaml"
cat >"$TMP/rules/zz-new.yaml" <<'EOR'
id: zz-test-baidu
title: Test rule added by a live reload
fraud_type: FT03
level: low
weight: 1.0
match:
  dns.query|suffix: baidu.com
EOR
"$FRAUDSCAN" ctl --connect "$ctl" reload >"$TMP/reload2.out" || { cat "$TMP/reload2.out"; fail "a good reload failed"; }
v_new=$("$FRAUDSCAN" ctl --connect "$ctl" version)
[ "$v_old" != "$v_new" ] || fail "the rule set version did not change after a reload"
"$FRAUDSCAN" ctl --connect "$ctl" stats | grep '^rules.reloads 1$' >/dev/null || fail "rules.reloads is not 1"
send
wait_packets $((2 * frames))
sleep 0.5
grep -q '"zz-test-baidu"' "$TMP/live.jsonl" || fail "the reloaded rule never matched"
v=$(echo "$v_new" | awk '{print $NF}')
grep -q "\"ruleset_version\":\"$v\".*\"zz-test-baidu\"" "$TMP/live.jsonl" || fail "alerts after the reload do not carry the new rule set version $v"
# SIGHUP reloads too
kill -HUP "$engine"
for _ in $(seq 100); do
  "$FRAUDSCAN" ctl --connect "$ctl" stats | grep '^rules.reloads 2$' >/dev/null && break
  sleep 0.1
done
"$FRAUDSCAN" ctl --connect "$ctl" stats | grep '^rules.reloads 2$' >/dev/null || fail "SIGHUP did not reload"
"$FRAUDSCAN" ctl --connect "$ctl" stats | awk '$1=="capture.kernel_dropped"{print "kernel drops:", $2}'
kill -INT "$engine"
wait "$engine" || fail "the engine exited with an error"
engine=""
grep -q 'stopped' "$TMP/run.err" || fail "no summary after SIGINT"
echo "ok: live capture alerts as replay does; a followed install feed alerts; reload refused when broken, swapped in when good"
