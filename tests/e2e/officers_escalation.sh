#!/usr/bin/env bash
# An unclaimed critical alert escalates to the city desk after the deadline
# (2 s in this config) and the desk's tail sees the escalation; one claimed
# in time does not escalate. The desk officer can then work it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/officers_lib.sh"

standard_team
write_config 2 900
start_dispatch

tail_bg d.desk "$TMP/desk.out" --precinct DESK
tail_bg o.east "$TMP/east.out" --precinct P-EAST
sleep 0.5

gen_alerts "$TMP/g" 1 2 P-EAST
engine "$TMP/g" || fail "engine"
ids_of "$TMP/g/alerts.jsonl" P-EAST > "$TMP/want"
A=$(sed -n 1p "$TMP/want"); B=$(sed -n 2p "$TMP/want")
[ -n "$A" ] && [ -n "$B" ] || fail "the engine raised no P-EAST alerts"
as o.east alerts claim "$B" >/dev/null || fail "claim $B in time"

wait_for "$TMP/desk.out" "^== ESCALATED $A == from P-EAST to DESK" 10 || {
  cat "$TMP/desk.out" "$TMP/desk.out.err" "$TMP/dispatch.log" >&2; fail "no escalation of $A on the desk"; }
grep -E "^== ESCALATED $A" "$TMP/desk.out"
sleep 3
if grep "ESCALATED $B" "$TMP/desk.out" >/dev/null; then fail "the claimed alert $B escalated"; fi
journal_has "\"kind\":\"escalate\".*$A|$A.*\"kind\":\"escalate\"" || fail "no escalate entry journaled"
echo "ok: unclaimed $A escalated after 2 s, claimed $B did not"

# the desk now owns it: it can claim it
as d.desk alerts claim "$A" | tee "$TMP/out"
grep "^claimed $A" "$TMP/out" >/dev/null || fail "the desk could not claim the escalated alert"
echo "PASS"
