#!/usr/bin/env bash
# Two precinct officers tail dispatch while an engine sends it alerts: each
# sees exactly its precinct's alerts; the duty officer's whole workflow
# through the CLI (claim, contact, outcome, close, list, show, report); an
# officer of another precinct is refused and the refusal is journaled; bad
# requests get a clear reason and exit 1/2.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/officers_lib.sh"

standard_team
write_config 300 900
start_dispatch

tail_bg o.east "$TMP/east.out" --precinct P-EAST
tail_bg o.west "$TMP/west.out" --precinct P-WEST
sleep 0.5

gen_alerts "$TMP/g1" 1 6 P-EAST P-WEST P-NORTH
engine "$TMP/g1" || fail "the engine could not deliver its alerts"
ids_of "$TMP/g1/alerts.jsonl" P-EAST > "$TMP/east.want"
ids_of "$TMP/g1/alerts.jsonl" P-WEST > "$TMP/west.want"
[ "$(wc -l < "$TMP/east.want")" -eq 2 ] || fail "expected 2 P-EAST alerts from the engine"

wait_count "$TMP/east.out" 2 || fail "o.east saw $(shown_ids "$TMP/east.out" | wc -l) alerts, not 2"
wait_count "$TMP/west.out" 2 || fail "o.west saw $(shown_ids "$TMP/west.out" | wc -l) alerts, not 2"
sleep 0.5   # anything more (a wrong precinct) would have arrived by now
shown_ids "$TMP/east.out" | sort | diff "$TMP/east.want" - || fail "o.east's alerts differ"
shown_ids "$TMP/west.out" | sort | diff "$TMP/west.want" - || fail "o.west's alerts differ"
grep -E '^  tell them ' "$TMP/east.out" >/dev/null || fail "the alert block has no instruction"
echo "ok: each officer saw exactly its precinct's alerts"

A=$(head -1 "$TMP/east.want")
B=$(sed -n 2p "$TMP/east.want")

# another precinct's officer: refused, said why, journaled
if as o.west alerts claim "$A" > "$TMP/out" 2> "$TMP/err"; then fail "o.west claimed a P-EAST alert"; fi
cat "$TMP/err"
grep 'refused (FSC_EDENIED)' "$TMP/err" >/dev/null || fail "no refusal reason"
journal_has "\"kind\":\"refused\".*\"who\":\"o.west\"" || \
  journal_has "\"who\":\"o.west\".*\"kind\":\"refused\"" || fail "the refusal is not in the journal"
echo "ok: another precinct's officer refused and journaled"

# the workflow, in order; a step out of order is refused
as o.east alerts claim "$A" | tee "$TMP/out"
grep "^claimed $A\$" "$TMP/out" >/dev/null || fail "claim"
if as o.east alerts close "$A" 2> "$TMP/err"; then fail "closed without an outcome"; fi
grep 'refused (FSC_ESTATE)' "$TMP/err" >/dev/null || fail "close before outcome: $(cat "$TMP/err")"
as o.east alerts contact "$A" --by phone --note "called; she was at the bank counter" | tee "$TMP/out"
grep "contact by phone recorded for $A" "$TMP/out" >/dev/null || fail "contact"
as o.east alerts outcome "$A" dissuaded --amount 2500 --note "did not transfer" | tee "$TMP/out"
grep "outcome dissuaded recorded for $A" "$TMP/out" >/dev/null || fail "outcome"
as o.east alerts close "$A" --note "done" | tee "$TMP/out"
grep "closed $A" "$TMP/out" >/dev/null || fail "close"
as o.east alerts show "$A" > "$TMP/show"
cat "$TMP/show"
grep -E '^  state +closed' "$TMP/show" >/dev/null || fail "show: not closed"
grep -E "^== ALERT $A ==" "$TMP/show" >/dev/null || fail "show: no alert block"
grep -E "^== CONTACTED $A by o.east, phone" "$TMP/show" >/dev/null || fail "show: no contact"
as o.east alerts claim "$B" >/dev/null
as o.east alerts outcome "$B" unreachable >/dev/null || fail "unreachable right after claim"
as o.east alerts list --precinct P-EAST > "$TMP/list"
cat "$TMP/list"
grep -E "^$A +4 +P-EAST +P-EAST +closed +o.east" "$TMP/list" >/dev/null || fail "list: $A"
grep -E "^$B +4 +P-EAST +P-EAST +outcome +o.east" "$TMP/list" >/dev/null || fail "list: $B"
as o.east alerts list --precinct P-WEST > "$TMP/list" 2> "$TMP/err" || true
if grep -E '^[0-9a-f]{16} ' "$TMP/list" >/dev/null; then fail "o.east was shown P-WEST alerts"; fi
as a.admin alerts report > "$TMP/report" || fail "report"
grep P-EAST "$TMP/report" >/dev/null || fail "report has no P-EAST"
echo "ok: claim, contact, outcome, close, show, list, report"

# errors: unknown alert, bad token, usage
if as o.east alerts claim 0000000000000000 2> "$TMP/err"; then fail "claimed an unknown alert"; fi
grep 'refused (FSC_ENOTFOUND)' "$TMP/err" >/dev/null || fail "unknown alert: $(cat "$TMP/err")"
echo not-a-token > "$TMP/tok.nobody"
if as nobody alerts claim "$A" 2> "$TMP/err"; then fail "a bad token was accepted"; fi
grep 'unknown token' "$TMP/err" >/dev/null || fail "bad token: $(cat "$TMP/err")"
rc=0; as o.east alerts contact "$A" --by carrier-pigeon 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] || fail "a bad --by should exit 2, not $rc"
rc=0; "$FRAUDSCAN" alerts claim "$A" --token-file "$TMP/tok.o.east" 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep FRAUDSCAN_DISPATCH "$TMP/err" >/dev/null || fail "no endpoint: exit $rc"
FRAUDSCAN_DISPATCH=$DSP_CLIENTS FRAUDSCAN_TOKEN_FILE=$TMP/tok.o.east \
  "$FRAUDSCAN" alerts show "$A" --json > "$TMP/out" || fail "settings from the environment"
rc=0; "$FRAUDSCAN" alerts claim "$A" --dispatch tcp://127.0.0.1:$(free_port) \
  --token-file "$TMP/tok.o.east" 2> "$TMP/err" || rc=$?
[ "$rc" -eq 1 ] && grep 'no answer from dispatch' "$TMP/err" >/dev/null || fail "no dispatch: exit $rc"
echo "ok: errors said plainly"

# the tails are still fine and saw nothing of the other precinct
shown_ids "$TMP/east.out" | sort | diff "$TMP/east.want" - || fail "o.east's alerts changed"
echo "PASS"
