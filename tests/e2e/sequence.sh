#!/usr/bin/env bash
# Cross-signal rules end to end: a remote-control app installed (an install
# event) and, within 30 minutes, a fake case site looked up (a DNS query in
# the capture) by the same person complete the pack's sequence rule
# ft11-remote-app-then-fake-site. As shipped it is a test rule: logged and
# counted, never scored. Made active, it alerts, inline and with workers.
. "$(dirname "$0")/lib.sh"
# S1002 installs RustDesk at 08:10, four minutes before the sample's DNS
# query for ga-case-verify.com (08:14:30)
{ cat "$SAMPLE/events.jsonl"
  echo '{"ts":"2026-11-29T08:10:00Z","subscriber":"S1002","event":"install","package":"com.carriez.flutter_hbb","label":"RustDesk","installer":"store"}'
} | sort -t'"' -k4,4 >"$TMP/events.jsonl"
run() { # RULES_DIR WORKERS OUT
  "$FRAUDSCAN" replay --rules "$1" --workers "$2" --events "$TMP/events.jsonl" \
    --identity "$SAMPLE/identity.csv" --profiles "$SAMPLE/profiles.csv" \
    --alerts "$3" "$SAMPLE/traffic.pcap" 2>"$3.err"
}
run "$SRCDIR/rules" 1 "$TMP/test.jsonl"
grep -Eq 'match.sequence_rules_completed +1$' "$TMP/test.jsonl.err" || { cat "$TMP/test.jsonl.err"; fail "the sequence did not complete"; }
grep -q 'test rule ft11-remote-app-then-fake-site matched' "$TMP/test.jsonl.err" || fail "the test rule's match was not logged"
grep -q 'ft11-remote-app-then-fake-site' "$TMP/test.jsonl" && fail "a test rule was scored"
# --hits shows the completed sequence (a test rule's hits too: analysts read them)
"$FRAUDSCAN" replay --quiet --rules "$SRCDIR/rules" --events "$TMP/events.jsonl" \
  --identity "$SAMPLE/identity.csv" --alerts /dev/null --hits "$TMP/hits.tsv" "$SAMPLE/traffic.pcap"
grep -E '	dns\.query	ga-case-verify\.com	ft11-remote-app-then-fake-site$' "$TMP/hits.tsv" >/dev/null ||
  { cat "$TMP/hits.tsv" >&2; fail "the completed sequence is not in --hits"; }

mkdir "$TMP/rules"
cp -r "$SRCDIR"/rules/* "$TMP/rules/"
sed -i '/^id: ft11-remote-app-then-fake-site$/,/^---/ s/^status: test$/status: active/' "$TMP/rules/ft11-remote-control.yaml"
for w in 1 2; do
  run "$TMP/rules" "$w" "$TMP/active$w.jsonl"
  python3 - "$TMP/active$w.jsonl" <<'PY' || fail "no FT11 alert from the sequence rule with $w worker(s)"
import json, sys
hits = [a for a in map(json.loads, open(sys.argv[1]))
        if a["subscriber"] == "S1002" and a["fraud_type"] == "FT11"
        and any(e["rule"] == "ft11-remote-app-then-fake-site" for e in a["evidence"])]
assert hits and hits[-1]["level_name"] in ("high", "critical"), hits
PY
done
echo "ok: the sequence completes; as a test rule it is only logged; active, it alerts"
