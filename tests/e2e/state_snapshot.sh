#!/usr/bin/env bash
# Snapshots: an engine following an events file (--follow) snapshots every
# second; it is killed with SIGKILL; a second engine restores the snapshot,
# says on stderr that the stop was unclean and how old the snapshot is, and
# carries on: the victims' traffic raises only the levels not yet alerted.
# Then a clean stop (end of input) writes a snapshot marked clean.
. "$(dirname "$0")/lib.sh"
ev="$TMP/events.jsonl"
: >"$ev"
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --identity "$SAMPLE/identity.csv" \
  --profiles "$SAMPLE/profiles.csv" --events "$ev" --follow --state "$TMP/state" \
  --snapshot-interval 1 --alerts "$TMP/a.jsonl" 2>"$TMP/a.err" &
pid=$!
grep '"S1001"' "$SAMPLE/events.jsonl" >>"$ev"
# start-up (rules compile) is slow under the sanitizers: wait for the alert
for _ in $(seq 300); do [ -s "$TMP/a.jsonl" ] && break; sleep 0.1; done
sleep 1.3
grep '"S1004"' "$SAMPLE/events.jsonl" >>"$ev"   # a commit after the interval: a snapshot
for _ in $(seq 300); do
  [ -s "$TMP/state" ] && [ "$(wc -l <"$TMP/a.jsonl")" -ge 2 ] && break
  sleep 0.1
done
[ -s "$TMP/state" ] || { kill -9 "$pid"; cat "$TMP/a.err"; fail "no periodic snapshot written"; }
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
n=$(wc -l <"$TMP/a.jsonl")
[ "$n" -eq 2 ] || fail "first engine: $n alerts, want 2 (S1001 medium, S1004 high)"

"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --identity "$SAMPLE/identity.csv" \
  --profiles "$SAMPLE/profiles.csv" --state "$TMP/state" --alerts "$TMP/b.jsonl" \
  "$SAMPLE/traffic.pcap" 2>"$TMP/b.err" || { cat "$TMP/b.err"; fail "second engine failed"; }
grep -Eq 'restored 2 people .*unclean stop: the snapshot is [0-9.]+ s old' "$TMP/b.err" ||
  { cat "$TMP/b.err"; fail "no unclean-stop message with the snapshot's age"; }
python3 - "$TMP/a.jsonl" "$TMP/b.jsonl" <<'PY'
import json, sys
rows = [ (a["subscriber"], a["fraud_type"], a["level_name"])
         for p in sys.argv[1:] for a in map(json.loads, open(p)) ]
assert len(rows) == len(set(rows)), f"a level alerted twice across the restart: {rows}"
s = set(rows)
for want in [("S1001", "FT01", "medium"), ("S1001", "FT01", "high"),
             ("S1004", "FT07", "high"), ("S1004", "FT07", "critical")]:
    assert want in s, f"missing {want}: {sorted(s)}"
b = [tuple(x) for x in rows[2:]]
assert ("S1001", "FT01", "medium") not in b, "the restored engine re-alerted S1001 medium"
PY
# the clean stop wrote a clean snapshot; a third start says so
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --state "$TMP/state" --events /dev/null \
  --alerts /dev/null 2>"$TMP/c.err"
grep -q 'clean shutdown' "$TMP/c.err" || { cat "$TMP/c.err"; fail "clean snapshot not recognised"; }
# a damaged snapshot is refused whole, said so, and the engine starts empty
printf 'garbage' >"$TMP/state"
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --state "$TMP/state" --events /dev/null \
  --alerts /dev/null 2>"$TMP/d.err" || fail "a damaged snapshot stopped the engine"
grep -q 'not restored' "$TMP/d.err" || { cat "$TMP/d.err"; fail "damaged snapshot not reported"; }
echo "ok: snapshot survives kill -9 and a damaged file"
