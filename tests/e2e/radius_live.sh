#!/usr/bin/env bash
# `fraudscan run` follows its RADIUS accounting file while it captures: a
# Start written after the engine started (into a rotated file, as logrotate
# leaves it) maps the address from then on, so the sample's fraud traffic
# from 10.20.2.22 is alerted against the subscriber the Start names; an
# Accounting-On of the NAS that reported it ends the session, and the same
# traffic is then nobody's (ip:10.20.2.22). Captured on a veth pair inside a
# network namespace of the test's own, traffic sent with tcpreplay.
. "$(dirname "$0")/lib.sh"
command -v tcpreplay >/dev/null || skip "tcpreplay is not installed (tools/setup installs it)"
netns_setup fsc-radius veth

ctl="ipc://$TMP/ctl"
cat >"$TMP/run.yaml" <<EOC
capture:
  interface: v1
rules:
  path: $SRCDIR/rules
identity:
  radius: $TMP/radius.jsonl
alerts:
  file: $TMP/live.jsonl
control:
  endpoint: $ctl
EOC
# someone else's session, there before the engine starts
printf '{"Acct-Status-Type":"Start","Event-Timestamp":"2026-11-29T00:00:00Z","Framed-IP-Address":"10.99.9.9","User-Name":"S0000","NAS-IP-Address":"192.0.2.1"}\n' >"$TMP/radius.jsonl"
: >"$TMP/live.jsonl"
run_in_ns

stat_of() { "$FRAUDSCAN" ctl --connect "$ctl" stats | awk -v k="$1" '$1==k{print $2}'; }
wait_stat() { # NAME N: until counter NAME reaches N
  for _ in $(seq 100); do [ "$(stat_of "$1")" = "$2" ] && return 0; sleep 0.1; done
  cat "$TMP/run.err" >&2
  fail "$1 is $(stat_of "$1"), expected $2"
}
frames=2916
sent=0
send() { # the sample at 10 Mbit/s, then until the engine has seen it all
  ip netns exec "$ns" tcpreplay -q -i v0 --mbps 10 "$SAMPLE/traffic.pcap" >/dev/null 2>&1 || fail "tcpreplay failed"
  sent=$((sent + frames))
  for _ in $(seq 300); do
    [ "$(stat_of capture.packets)" -ge "$sent" ] && { sleep 0.5; return 0; }
    sleep 0.1
  done
  fail "the engine saw $(stat_of capture.packets) packets, expected $sent"
}
wait_stat identity.radius_records 1

# rotated: the old file moved aside, the Start written to a new one
now=$(date +%s)
mv "$TMP/radius.jsonl" "$TMP/radius.jsonl.1"
printf '{"Acct-Status-Type":"Start","Event-Timestamp":%d,"Framed-IP-Address":"10.20.2.22","User-Name":"S7002","precinct":"P-LIVE","NAS-IP-Address":"192.0.2.1"}\n' $((now - 60)) >"$TMP/radius.jsonl"
wait_stat identity.radius_records 2
send
grep '"subscriber":"S7002","precinct":"P-LIVE"' "$TMP/live.jsonl" >/dev/null ||
  { cat "$TMP/live.jsonl" >&2; fail "traffic from 10.20.2.22 was not attributed to S7002 after the live Start"; }
if grep '"subscriber":"ip:10.20.2.22"' "$TMP/live.jsonl" >/dev/null; then
  fail "traffic from 10.20.2.22 was left unattributed while S7002 held it"
fi

# the NAS restarts: every session it reported is over
printf '{"Acct-Status-Type":"Accounting-On","Event-Timestamp":%d,"NAS-IP-Address":"192.0.2.1"}\n' "$(date +%s)" >>"$TMP/radius.jsonl"
wait_stat identity.radius_nas_resets 1
[ "$(stat_of identity.radius_sessions_ended_by_nas)" = 2 ] || fail "Accounting-On did not end both sessions of NAS 192.0.2.1"
sleep 1 # the next packets come after the Accounting-On's second
send
grep '"subscriber":"ip:10.20.2.22"' "$TMP/live.jsonl" >/dev/null ||
  fail "after the NAS's Accounting-On, traffic from 10.20.2.22 is still attributed to S7002"
# a bad record while running: reported where, counted, the feed goes on
printf '{"Acct-Status-Type":"Start","Event-Timestamp":"soon","Framed-IP-Address":"10.20.2.23","User-Name":"S7003"}\n' >>"$TMP/radius.jsonl"
wait_stat identity.radius_bad_records 1
grep -E 'radius.jsonl:3:47: error: "Event-Timestamp"' "$TMP/run.err" >/dev/null ||
  { cat "$TMP/run.err"; fail "the bad record was not reported at radius.jsonl:3:47"; }
kill -0 "$engine" || fail "the engine stopped"
echo "ok: a RADIUS Start written while running (after a rotation) attributes traffic at once; Accounting-On ends the NAS's sessions; a bad record is reported and counted"
