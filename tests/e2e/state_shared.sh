#!/usr/bin/env bash
# Two engines share one view of each person through Redis: one replays the
# sample's install events, the other its traffic, at the same time. Between
# them they raise each (subscriber, fraud type, level) at most once, and
# every person reaches the level one engine seeing everything reaches.
# Standalone: the redis-server tools/test starts (FSC_TEST_REDIS); cluster:
# a real 3-master cluster this script starts (state_cluster.sh).
. "$(dirname "$0")/lib.sh"
SEEDS=${FSC_STATE_SEEDS:-${FSC_TEST_REDIS:-}}
[ -n "$SEEDS" ] || skip "FSC_TEST_REDIS is not set (tools/test starts a redis-server)"
prefix="fsc:test:$$:$RANDOM"
node() { # OUT ARGS...
  local out=$1; shift
  "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --identity "$SAMPLE/identity.csv" \
    --profiles "$SAMPLE/profiles.csv" --state-redis "$SEEDS" --state-redis-prefix "$prefix" \
    --alerts "$out" "$@"
}
cleanup_keys() {
  local h=${SEEDS%%,*}
  for hp in ${SEEDS//,/ }; do
    redis-cli -h "${hp%:*}" -p "${hp##*:}" --scan --pattern "$prefix:*" 2>/dev/null |
      while read -r k; do redis-cli -c -h "${hp%:*}" -p "${hp##*:}" DEL "$k" >/dev/null; done
  done
}
trap 'cleanup_keys; rm -rf "$TMP"' EXIT

node "$TMP/a.jsonl" --events "$SAMPLE/events.jsonl" 2>"$TMP/a.err" &
pa=$!
node "$TMP/b.jsonl" "$SAMPLE/traffic.pcap" 2>"$TMP/b.err" &
pb=$!
wait "$pa" || { cat "$TMP/a.err"; fail "node A failed"; }
wait "$pb" || { cat "$TMP/b.err"; fail "node B failed"; }
grep -Eq 'state.redis_commits +[1-9]' "$TMP/a.err" || { cat "$TMP/a.err"; fail "node A made no redis commits"; }

python3 - "$TMP/a.jsonl" "$TMP/b.jsonl" "$SRCDIR/tests/e2e/sample_alerts.expected" <<'PY'
import json, sys
rank = {"low": 1, "medium": 2, "high": 3, "critical": 4}
rows = []
for path in sys.argv[1:3]:
    for line in open(path, encoding="utf-8"):
        a = json.loads(line)
        assert a["model_version"], "alert without model_version"
        rows.append((a["subscriber"], a["fraud_type"], a["level_name"]))
dups = {r for r in rows if rows.count(r) > 1}
assert not dups, f"alerted twice between the two nodes: {sorted(dups)}"
got = {}
for s, ft, l in rows:
    got[(s, ft)] = max(got.get((s, ft), 0), rank[l])
want = {}
for line in open(sys.argv[3]):
    s, ft, l = line.split()
    want[(s, ft)] = max(want.get((s, ft), 0), rank[l])
assert got == want, f"highest levels differ from one engine's: {got} vs {want}"
# S1001's install (node A) and traffic (node B) together make high
assert got[("S1001", "FT01")] == 3
print(f"ok: {len(rows)} alerts from two nodes, none twice")
PY
