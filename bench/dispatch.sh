#!/usr/bin/env bash
# bench/dispatch.sh [BUILD] [ALERTS] [RUNS]: alerts per second through
# dispatch, end to end with real processes: `fraudscan replay --dispatch
# --spool` (each alert spooled, fdatasync'd per batch, sent) -> `fraudscan
# dispatch` (ingested, one group commit per batch, ACKed) with its store on
# the journal, then on Redis (appendonly, appendfsync everysec, then always),
# and the same with one officer's `fraudscan alerts tail --dispatch`
# receiving every alert.
# ALERTS (default 100000) install events of a fraud app by as many
# subscribers, each raising one alert, read from a file as fast as the
# engine goes; RUNS (default 5) rounds, medians printed with every run.
#   stored     ALERTS / (engine start .. the engine has its last ACK)
#   officer    ALERTS / (engine start .. the officer's tail printed the last)
# The engine alone (no dispatch) is measured first for reference.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
n=${2:-100000}
runs=${3:-5}
fsc=$PWD/$build/fraudscan
tmp=$(mktemp -d /tmp/fsc-dbench-XXXXXX)
pids=()
rport=
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

python3 - "$n" feeds/sample/events.jsonl >"$tmp/events.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
bad = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
bad = [e for e in bad if e.get("installer") == "sideload"]
for i in range(n):
    e = dict(bad[i % len(bad)])
    e["subscriber"], e["ts"] = f"S{i:07d}", 1795939200 + i // 10
    print(json.dumps(e, ensure_ascii=False))
PY
tok=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$tok" >"$tmp/tok"
printf 'tokens:\n  - name: d.desk\n    role: officer\n    precincts: [DESK]\n    sha256: %s\n' \
  "$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)" >"$tmp/tokens.yaml"
printf 'desk: DESK\nshifts:\n  - officer: d.desk\n    precincts: [DESK]\n    weekly: "Mon-Sun 00:00-24:00"\n' \
  >"$tmp/roster.yaml"
# warm the compiled-rule cache
"$fsc" replay --rules rules --events "$tmp/events.jsonl" --alerts /dev/null --quiet

cat >"$tmp/median.py" <<'PY'
import statistics, sys
v = [float(x) for x in sys.argv[1:]]
runs = ", ".join(f"{x:,.0f}" for x in v)
print(f"{statistics.median(v):,.0f}  (runs: {runs})")
PY
median() { python3 "$tmp/median.py" "$@"; }
rate() { python3 -c "import sys; print($n / (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

alone=()
for _ in $(seq "$runs"); do
  t0=$(now)
  "$fsc" replay --rules rules --events "$tmp/events.jsonl" --alerts /dev/null --quiet
  alone+=("$(rate "$t0" "$(now)")")
done
echo "engine alone (no dispatch), alerts/s: $(median "${alone[@]}")"

# one_run STORE_LINE [officer]: alerts/s of one round on stdout
one_run() {
  local listen clients
  listen=tcp://127.0.0.1:$(port)
  clients=tcp://127.0.0.1:$(port)
  rm -rf "$tmp/journal" "$tmp/spool" "$tmp/cursor"
  if [ -n "$rport" ]; then redis-cli -p "$rport" FLUSHALL >/dev/null; fi
  printf 'dispatch:\n  listen: %s\n  clients: %s\n  %s\n  roster: %s\n  tokens: %s\n' \
    "$listen" "$clients" "$1" "$tmp/roster.yaml" "$tmp/tokens.yaml" >"$tmp/dispatch.yaml"
  "$fsc" dispatch -c "$tmp/dispatch.yaml" 2>"$tmp/dispatch.err" &
  local dpid=$! tpid=""
  until grep "started:" "$tmp/dispatch.err" >/dev/null 2>&1; do sleep 0.05; done
  if [ "${2:-}" = officer ]; then
    "$fsc" alerts tail --dispatch "$clients" --token-file "$tmp/tok" --precinct DESK --json \
      --count "$n" --cursor "$tmp/cursor" >"$tmp/tail.out" 2>"$tmp/tail.err" &
    tpid=$!
    sleep 0.5 # subscribed before the first alert
  fi
  local t0 t1
  t0=$(now)
  "$fsc" replay --rules rules --events "$tmp/events.jsonl" --alerts /dev/null --quiet \
    --dispatch "$listen" --spool "$tmp/spool" --dispatch-wait 300 2>"$tmp/engine.err"
  t1=$(now)
  if [ -n "$tpid" ]; then
    wait "$tpid" || true
    t1=$(now)
    local got
    got=$(wc -l <"$tmp/tail.out")
    [ "$got" -eq "$n" ] || echo "(the officer printed $got of $n)" >&2
  fi
  kill "$dpid"
  wait "$dpid" || true
  grep "stopped: $n alerts stored" "$tmp/dispatch.err" >/dev/null ||
    { echo "(dispatch did not store all $n:)" >&2; tail -2 "$tmp/dispatch.err" >&2; }
  rate "$t0" "$t1"
}

row() { # LABEL STORE_LINE [officer]
  local v=()
  for _ in $(seq "$runs"); do v+=("$(one_run "${@:2}")"); done
  echo "$1: $(median "${v[@]}")"
}

row "journal, stored, alerts/s" "journal: $tmp/journal"
row "journal, to one officer, alerts/s" "journal: $tmp/journal" officer
if command -v redis-server >/dev/null; then
  rport=$(port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly yes \
    --appendfsync everysec --dir "$tmp" --daemonize no >"$tmp/redis.log" 2>&1 &
  pids+=($!)
  until redis-cli -p "$rport" ping 2>/dev/null | grep PONG >/dev/null; do sleep 0.05; done
  row "redis (appendfsync everysec), stored, alerts/s" "redis: 127.0.0.1:$rport"
  row "redis (appendfsync everysec), to one officer, alerts/s" "redis: 127.0.0.1:$rport" officer
  redis-cli -p "$rport" CONFIG SET appendfsync always >/dev/null
  row "redis (appendfsync always), stored, alerts/s" "redis: 127.0.0.1:$rport"
else
  echo "redis: no redis-server, skipped"
fi
