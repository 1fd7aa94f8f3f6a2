#!/usr/bin/env bash
# Profiles read from Redis hashes (--profiles-redis) give the same alerts as
# the same profiles read from the CSV, on the real redis-server tools/test
# starts (FSC_TEST_REDIS=host:port).
. "$(dirname "$0")/lib.sh"
[ -n "${FSC_TEST_REDIS:-}" ] || skip "FSC_TEST_REDIS is not set (tools/test starts a redis-server)"
host=${FSC_TEST_REDIS%:*} port=${FSC_TEST_REDIS##*:}
prefix="fsc:test:$$:$RANDOM:profile"
cleanup_keys() {
  redis-cli -h "$host" -p "$port" --scan --pattern "$prefix:*" |
    xargs -r redis-cli -h "$host" -p "$port" DEL >/dev/null
}
trap 'cleanup_keys; rm -rf "$TMP"' EXIT
# one HSET per profile row, empty fields left out (as absent in the CSV)
python3 - "$SAMPLE/profiles.csv" "$prefix" >"$TMP/cmds" <<'PY'
import csv, sys
path, prefix = sys.argv[1:]
def q(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'
rows = [r for r in csv.DictReader(l for l in open(path, encoding="utf-8") if not l.startswith("#"))]
assert rows, "no profiles in the sample"
for r in rows:
    kv = [(k, (r.get(k) or "").strip()) for k in ("age_band", "occupation", "group")]
    kv = [(k, v) for k, v in kv if v]
    print("HSET", q(prefix + ":" + r["subscriber"].strip()), " ".join(q(k) + " " + q(v) for k, v in kv))
PY
redis-cli -h "$host" -p "$port" <"$TMP/cmds" >/dev/null
n=$(grep -c . "$TMP/cmds")
# the CSV run, then the Redis run: the same command but the profiles' source
replay_sample --alerts "$TMP/csv.jsonl" 2>"$TMP/csv.err"
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events "$SAMPLE/events.jsonl" \
  --identity "$SAMPLE/identity.csv" --profiles-redis "$FSC_TEST_REDIS/$prefix" \
  --alerts "$TMP/redis.jsonl" "$SAMPLE/traffic.pcap" 2>"$TMP/redis.err" ||
  { cat "$TMP/redis.err" >&2; fail "replay with --profiles-redis failed"; }
grep -q 'profiles.bad_rows' "$TMP/redis.err" && fail "bad profiles read from redis"
strip() { python3 -c '
import json, sys
for l in open(sys.argv[1], encoding="utf-8"):
    a = json.loads(l); a.pop("alert_id", None); a.pop("ruleset_loaded", None); print(json.dumps(a, sort_keys=True, ensure_ascii=False))' "$1"; }
strip "$TMP/csv.jsonl" >"$TMP/a"; strip "$TMP/redis.jsonl" >"$TMP/b"
[ -s "$TMP/a" ] || fail "the CSV run raised no alerts"
diff -u "$TMP/a" "$TMP/b" || fail "alerts with profiles from redis differ from the CSV run's"
echo "ok: $n profiles from redis, $(wc -l <"$TMP/a") alerts equal to the CSV run's"
