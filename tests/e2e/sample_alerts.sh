#!/usr/bin/env bash
# The demo's victims, and only they, are alerted at the expected levels:
# the exact set of (subscriber, fraud_type, level) from the bundled sample.
. "$(dirname "$0")/lib.sh"
replay_sample --alerts "$TMP/alerts.jsonl" 2>"$TMP/summary"
python3 - "$TMP/alerts.jsonl" >"$TMP/got.tsv" <<'PY'
import json, sys
rows = set()
for n, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    a = json.loads(line)
    for k in ("ts", "alert_id", "subscriber", "precinct", "victim_group", "level",
              "level_name", "score", "fraud_type", "instruction", "evidence"):
        assert k in a, f"alert {n} lacks {k}"
    assert a["evidence"], f"alert {n} has no evidence"
    rows.add((a["subscriber"], a["fraud_type"], a["level_name"]))
for r in sorted(rows):
    print("\t".join(r))
PY
if ! diff -u "$SRCDIR/tests/e2e/sample_alerts.expected" "$TMP/got.tsv"; then
  cat "$TMP/summary" >&2
  fail "alerts on the sample differ from tests/e2e/sample_alerts.expected"
fi
# every alert is distinct: one per subscriber, fraud type and level
n=$(wc -l <"$TMP/alerts.jsonl"); u=$(wc -l <"$TMP/got.tsv")
[ "$n" -eq "$u" ] || fail "$n alerts but $u distinct (subscriber, type, level): repeats"
echo "ok: $n alerts as expected"
