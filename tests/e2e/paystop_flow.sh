#!/usr/bin/env bash
# Payment stops end to end: a liaison requests one, dispatch sends it to the
# stand-in bank, which stops it: status stopped with the bank's reference;
# a repeat request returns the same id; an officer cannot request; a bank
# that rejects the account; a silent bank lets the request expire and the
# expiry is pushed to the liaison's tail; a request made while the bank is
# down and dispatch restarts is still delivered; stats per precinct and bank.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/officers_lib.sh"

BANK_A=tcp://127.0.0.1:$(free_port)
BANK_S=tcp://127.0.0.1:$(free_port)
BANK_G=tcp://127.0.0.1:$(free_port)
DSP_HTTP=127.0.0.1:$(free_port)
standard_team
write_config 300 60 BANK-A=$BANK_A BANK-SILENT=$BANK_S BANK-G=$BANK_G
"$BANK_STANDIN" --bind "$BANK_A" --name BANK-A --reject 'DE99*' --log "$TMP/bank_a.log" \
  2> "$TMP/bank_a.err" &
BANKA_PID=$!
PIDS+=("$BANKA_PID")
"$BANK_STANDIN" --bind "$BANK_S" --name BANK-SILENT --silent --log "$TMP/bank_s.log" \
  2> /dev/null &
PIDS+=($!)
"$BANK_STANDIN" --bind "$BANK_G" --name BANK-G --garble --log "$TMP/bank_g.log" 2> /dev/null &
PIDS+=($!)
start_dispatch

tail_bg l.bank "$TMP/liaison.out" --all

gen_alerts "$TMP/g" 1 4 P-EAST P-WEST
engine "$TMP/g" || fail "engine"
E1=$(ids_of "$TMP/g/alerts.jsonl" P-EAST | sed -n 1p)
E2=$(ids_of "$TMP/g/alerts.jsonl" P-EAST | sed -n 2p)
W1=$(ids_of "$TMP/g/alerts.jsonl" P-WEST | sed -n 1p)

# request -> sent -> acknowledged -> stopped, with the bank's reference
as l.bank paystop request --alert "$E1" --bank BANK-A --account DE11-2222 --amount 4800 \
  --reason "transfer to a 'safe account' under police impersonation" | tee "$TMP/req"
PS=$(sed -n 's/^\(PS-[0-9a-f]*\) requested from BANK-A$/\1/p' "$TMP/req")
[ -n "$PS" ] || fail "no paystop id"
for i in $(seq 50); do
  as l.bank paystop status "$PS" > "$TMP/status" && grep "^$PS stopped" "$TMP/status" >/dev/null && break
  sleep 0.1
done
head -1 "$TMP/status"
grep -E "^$PS stopped, bank BANK-A, ref BANK-A-[0-9]+" "$TMP/status" >/dev/null || \
  { cat "$TMP/status" "$TMP/dispatch.log" >&2; fail "not stopped with the bank's reference"; }
grep "\"paystop_id\":\"$PS\".*\"answer\":\"stopped\"" "$TMP/bank_a.log" >/dev/null || fail "the bank never got it"
echo "ok: requested, stopped, bank_ref recorded"

# the same request again: the same id, nothing new sent
as l.bank paystop request --alert "$E1" --bank BANK-A --account DE11-2222 --amount 4800 \
  --reason again | tee "$TMP/req2"
grep "^$PS (already requested" "$TMP/req2" >/dev/null || fail "a repeat made a new request"
echo "ok: idempotent"

# an officer cannot request
if as o.east paystop request --alert "$E1" --bank BANK-A --account X --amount 1 --reason r \
  2> "$TMP/err"; then fail "an officer requested a payment stop"; fi
grep 'refused (FSC_EDENIED)' "$TMP/err" >/dev/null || fail "officer: $(cat "$TMP/err")"
echo "ok: officer refused"

# a bank that also sends garbage: each bad reply counted, the stop still made
as l.bank paystop request --alert "$E2" --bank BANK-G --account DE77-8888 --amount 50 \
  --reason "garbled gateway" > "$TMP/reqg"
PG=$(cut -d' ' -f1 "$TMP/reqg")
wait_for "$TMP/liaison.out" "^== PAYSTOP $PG STOPPED" 10 || fail "the garbling bank's stop was not recorded"
curl -sf "http://$DSP_HTTP/metrics" > "$TMP/metrics" || fail "no /metrics"
bad=$(sed -n 's/^fsc_dispatch_events_total{counter="dispatch.bank_bad_replies"} //p' "$TMP/metrics")
[ "${bad:-0}" -ge 3 ] || fail "bank_bad_replies is '${bad:-}', not at least 3"
echo "ok: 3 bad bank replies counted ($bad), the stop recorded all the same"

# the bank rejects this account
as l.bank paystop request --alert "$W1" --bank BANK-A --account DE99-0000 --amount 300 \
  --reason mule > "$TMP/req3"
PR=$(cut -d' ' -f1 "$TMP/req3")
wait_for "$TMP/liaison.out" "^== PAYSTOP $PR REJECTED" 10 || fail "no rejection pushed"
echo "ok: rejection pushed"

# bank down, dispatch restarted with the request pending: resent when it is back
kill "$BANKA_PID"; wait "$BANKA_PID" 2>/dev/null || true
as l.bank paystop request --alert "$W1" --bank BANK-A --account DE55-6666 --amount 120 \
  --reason "while the bank was down" > "$TMP/req5"
PD=$(cut -d' ' -f1 "$TMP/req5")
sleep 1
stop_dispatch
write_config 300 8 BANK-A=$BANK_A BANK-SILENT=$BANK_S BANK-G=$BANK_G
start_dispatch
"$BANK_STANDIN" --bind "$BANK_A" --name BANK-A --log "$TMP/bank_a.log" 2>> "$TMP/bank_a.err" &
PIDS+=($!)
for i in $(seq 100); do
  as l.bank paystop status "$PD" > "$TMP/status" && grep "^$PD stopped" "$TMP/status" >/dev/null && break
  sleep 0.1
done
head -1 "$TMP/status" | grep "^$PD stopped" >/dev/null || { cat "$TMP/status" "$TMP/dispatch.log" >&2; fail "not resent after the restart"; }
echo "ok: pending request resent after a dispatch restart"

# a silent bank (the restarted dispatch expires after 8 s), pushed to the liaison's tail
as l.bank paystop request --alert "$E2" --bank BANK-SILENT --account DE33-4444 --amount 990 \
  --reason "silent bank" > "$TMP/req4"
PX=$(cut -d' ' -f1 "$TMP/req4")
wait_for "$TMP/liaison.out" "^== PAYSTOP $PX EXPIRED" 20 || \
  { cat "$TMP/liaison.out" "$TMP/liaison.out.err" >&2; fail "no expiry pushed"; }
grep -E "^== PAYSTOP $PX (SENT|EXPIRED)" "$TMP/liaison.out"
as l.bank paystop status "$PX" > "$TMP/status"
head -1 "$TMP/status" | grep "^$PX expired" >/dev/null || fail "status not expired"
grep "\"paystop_id\":\"$PX\"" "$TMP/bank_s.log" >/dev/null || fail "the silent bank never got it"
echo "ok: silent bank -> expired, pushed"

as l.bank paystop stats
as l.bank paystop stats --json > "$TMP/stats"
python3 - "$TMP/stats" <<'EOF' || fail "stats lack the time to stop per precinct and bank"
import json, sys
s = json.load(open(sys.argv[1]))
for group, name in (("precincts", "P-EAST"), ("precincts", "P-WEST"), ("banks", "BANK-A")):
    t = s[group][name]["time_alert_to_stop_s"]
    assert t["count"] >= 1 and t["p50"] is not None and 0 < t["p50"] < 600, (group, name, t)
assert s["banks"]["BANK-SILENT"]["by_state"]["expired"] == 1
assert s["banks"]["BANK-A"]["by_state"]["rejected"] == 1
EOF
echo "PASS"
