#!/usr/bin/env bash
# bench/dispatch_latency.sh [BUILD] [SECONDS] [RATE]: p50/p90/p99/max time
# from an install event entering an engine to the officer's `fraudscan alerts
# tail --dispatch` printing its alert, at RATE alerts/s (default 1000) for
# SECONDS (default 10), once with dispatch on its journal and once on Redis
# (a throwaway redis-server on a free loopback port; skipped without one).
# Every event raises its own alert (a fraud-app install from a new
# subscriber), routed to the desk's queue, which the tail follows.
# Real processes: `fraudscan replay --events zmq:... --dispatch --spool`,
# `fraudscan dispatch`, `fraudscan alerts tail --dispatch --json`.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-10}
rate=${3:-1000}
count=$((rate * secs))
fsc=$PWD/$build/fraudscan
tmp=$(mktemp -d /tmp/fsc-dlat-XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
cc -O2 -pthread bench/dispatch_latency.c -lzmq -o "$tmp/dispatch_latency"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

tok=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$tok" > "$tmp/tok.desk"
cat > "$tmp/tokens.yaml" <<EOF
tokens:
  - name: d.desk
    role: officer
    precincts: [DESK]
    sha256: $(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
EOF
cat > "$tmp/roster.yaml" <<EOF
desk: DESK
shifts:
  - officer: d.desk
    precincts: [DESK]
    weekly: "Mon-Sun 00:00-24:00"
EOF

# one_run STORE_LINE NAME: dispatch on that store, an engine, a tail; one row
# (DISPATCH_LATENCY_DUMP=FILE: each alert's latency to FILE.NAME)
one_run() {
  local listen=tcp://127.0.0.1:$(port) clients=tcp://127.0.0.1:$(port) feed=tcp://127.0.0.1:$(port)
  rm -rf "$tmp/journal" "$tmp/spool" "$tmp/cursor"
  cat > "$tmp/dispatch.yaml" <<EOF
dispatch:
  listen: $listen
  clients: $clients
  $1
  roster: $tmp/roster.yaml
  tokens: $tmp/tokens.yaml
EOF
  "$fsc" dispatch -c "$tmp/dispatch.yaml" 2> "$tmp/dispatch.err" &
  local dpid=$!
  pids+=("$dpid")
  "$fsc" replay --rules rules --events "zmq:$feed" --dispatch "$listen" --spool "$tmp/spool" \
    --alerts /dev/null --quiet 2> "$tmp/engine.err" &
  local epid=$!
  pids+=("$epid")
  sleep 1
  DISPATCH_LATENCY_DUMP=${DISPATCH_LATENCY_DUMP:+$DISPATCH_LATENCY_DUMP.$2} \
    "$tmp/dispatch_latency" "$feed" "$rate" "$count" \
    "exec '$fsc' alerts tail --dispatch $clients --token-file $tmp/tok.desk --precinct DESK --json --count $count --cursor $tmp/cursor" \
    || echo "(not every alert was printed, or one was printed twice)"
  kill "$epid" "$dpid" 2>/dev/null || true
  wait "$epid" "$dpid" 2>/dev/null || true
}

echo "| store | rate (alerts/s) | achieved | alerts | printed | p50 ms | p90 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '| journal '
one_run "journal: $tmp/journal" journal
if command -v redis-server >/dev/null; then
  rport=$(port)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    > "$tmp/redis.log" 2>&1 &
  pids+=($!)
  sleep 0.5
  printf '| redis '
  one_run "redis: 127.0.0.1:$rport" redis
else
  echo "| redis | (no redis-server: skipped) |"
fi
