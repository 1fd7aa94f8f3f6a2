#!/usr/bin/env bash
# kill -9 of dispatch mid-stream: an engine streams alerts through its spool
# while dispatch is killed and restarted; every alert the engine emitted is
# in the journal exactly once (the engine resends what was not acknowledged,
# dispatch deduplicates what it had stored but not acknowledged).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"
N=${FSC_DISPATCH_KILL_N:-24000}
dispatch_config "  journal: $TMP/journal"
dispatch_start

# 24,000 alerts over ~6 s; dispatch dies at ~2 s, is back at ~3 s
gen_events "$N" 4000 | "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events - \
  --alerts "$TMP/alerts.jsonl" --dispatch "$DEP" --spool "$TMP/spool" --dispatch-wait 40 \
  2>"$TMP/engine.err" &
EPID=$!
sleep 2
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || true
DPID=
at_kill=$(journal_ids "$TMP/journal" | wc -l)
echo "dispatch killed with $at_kill alerts in the journal"
sleep 1
dispatch_start
wait "$EPID" || { cat "$TMP/engine.err"; fail "the engine failed"; }
EPID=
dispatch_stop

emitted=$(wc -l <"$TMP/alerts.jsonl")
[ "$emitted" -eq "$N" ] || fail "the engine emitted $emitted alerts, not $N"
[ "$at_kill" -gt 0 ] && [ "$at_kill" -lt "$N" ] ||
  fail "dispatch was not killed mid-stream ($at_kill of $N stored then)"
alert_ids "$TMP/alerts.jsonl" >"$TMP/emitted"
journal_ids "$TMP/journal" >"$TMP/stored"
check_once "$TMP/emitted" "$TMP/stored" || { tail -5 "$TMP/engine.err"; cat "$TMP/dispatch.err"; exit 1; }
grep -E "spool.acknowledged +$N\$" "$TMP/engine.err" >/dev/null ||
  { cat "$TMP/engine.err"; fail "the engine did not see all $N acknowledged"; }
[ "$(cat "$TMP/spool/acked")" -eq "$N" ] || fail "spool watermark $(cat "$TMP/spool/acked") != $N"
echo "ok: $N alerts, dispatch killed at $at_kill, each stored once"
