#!/usr/bin/env bash
# Alerts appended to a stream on the real redis-server that tools/test starts
# (FSC_TEST_REDIS=host:port) are all there, in order, byte for byte.
. "$(dirname "$0")/lib.sh"
[ -n "${FSC_TEST_REDIS:-}" ] || skip "FSC_TEST_REDIS is not set (tools/test starts a redis-server)"
host=${FSC_TEST_REDIS%:*} port=${FSC_TEST_REDIS##*:}
stream="fsc:test:$$:$RANDOM"
replay_sample --alerts "$TMP/expected.jsonl" --redis "$FSC_TEST_REDIS" --redis-stream "$stream" 2>"$TMP/summary"
n=$(wc -l <"$TMP/expected.jsonl")
len=$(redis-cli -h "$host" -p "$port" XLEN "$stream")
[ "$len" -eq "$n" ] || fail "stream has $len entries, engine wrote $n alerts"
python3 - "$host" "$port" "$stream" "$TMP/expected.jsonl" <<'PY'
import subprocess, sys
host, port, stream, path = sys.argv[1:]
# redis-cli's raw mode (not a tty) prints each entry as its id, then one
# line per field and value: alert_id, precinct, level, json
ids = subprocess.run(["redis-cli", "-h", host, "-p", port, "XRANGE", stream, "-", "+"],
                     capture_output=True, check=True, text=True).stdout.split("\n")
want = open(path, encoding="utf-8").read().splitlines()
got = []
lines = [l for l in ids if l != ""]
i = 0
while i < len(lines):
    fields = lines[i + 1:i + 9]
    kv = dict(zip(fields[0::2], fields[1::2]))
    got.append(kv["json"])
    i += 9
assert got == want, f"stream json differs: {len(got)} vs {len(want)}"
PY
redis-cli -h "$host" -p "$port" DEL "$stream" >/dev/null
echo "ok: $n alerts in redis stream"
