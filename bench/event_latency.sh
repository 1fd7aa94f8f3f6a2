#!/usr/bin/env bash
# bench/event_latency.sh [BUILD] [SECONDS] [EVERY]: p50/p99/max latency
# from an install event entering the ZeroMQ event feed to its alert leaving
# the PUB socket, at 10,000 and 100,000 events/s (SECONDS of traffic each,
# default 2); one event in EVERY (default 100) is a fraud install that
# raises an alert and is timed, the rest are store installs. Builds bench/event_latency.c, starts `fraudscan replay` on a PULL and
# a PUB endpoint for each rate, runs the client, stops the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
secs=${2:-2}
every=${3:-100}
bin=$(mktemp -d /tmp/fsc-lat-XXXXXX)
trap 'rm -rf "$bin"' EXIT
cc -O2 -pthread bench/event_latency.c -lzmq -o "$bin/event_latency"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
echo "| rate (events/s) | achieved | events | alerting events | alerts received | p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|---|---|---|"
for rate in 10000 100000; do
  pull=$(port) pub=$(port)
  "$build/fraudscan" replay --rules rules --events "zmq:tcp://127.0.0.1:$pull" \
    --publish "tcp://127.0.0.1:$pub" --alerts /dev/null --quiet 2>"$bin/engine.err" &
  epid=$!
  sleep 1
  "$bin/event_latency" "tcp://127.0.0.1:$pull" "tcp://127.0.0.1:$pub" "$rate" \
    $((rate * secs)) "$every" || echo "(not every event raised an alert in time)"
  kill "$epid" 2>/dev/null || true
  wait "$epid" 2>/dev/null || true
done
