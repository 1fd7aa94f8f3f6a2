#!/usr/bin/env bash
# bench/state_nodes.sh [BUILD] [MILLIONS] [EVERY] [PEOPLE]: install events per second
# with the per-person state in Redis (state.redis), one engine node against
# two. Starts a throwaway redis-server on a free loopback port, generates
# MILLIONS million events (default 1) with one fraud install in EVERY
# (default 10: a rule hit; the other events never touch Redis) over PEOPLE
# subscribers (default 1,000,000, so nearly every hit is a new person's
# first evidence: one atomic commit in Redis each), then
#   one node:  `fraudscan replay --state-redis` over all of them;
#   two nodes: two such processes at once, each over half of the lines
#              (lines 1,2 of every 4 and lines 3,4: the hits alternate
#              between the nodes, which share people's state through Redis).
# Prints wall time, events/s per node and in total, CPU seconds of each
# node and of redis-server, and the Redis commits counted. The redis
# database is flushed between the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
m=${2:-1}
every=${3:-10}
people=${4:-1000000}
command -v redis-server >/dev/null || { echo "redis-server is not installed" >&2; exit 1; }
d=$(mktemp -d /tmp/fsc-nodes-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$d" \
  --daemonize no --loglevel warning >"$d/redis.log" 2>&1 &
rpid=$!
trap 'kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null; rm -rf "$d"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
python3 bench/events_gen.py "$m" "$every" "$people" >"$d/all.jsonl"
awk 'NR % 4 == 1 || NR % 4 == 2' "$d/all.jsonl" >"$d/a.jsonl"
awk 'NR % 4 == 3 || NR % 4 == 0' "$d/all.jsonl" >"$d/b.jsonl"
n=$(wc -l <"$d/all.jsonl")

redis_cpu() { # seconds of CPU redis-server has used so far (user + sys)
  awk '{print ($14 + $15) / 100}' "/proc/$rpid/stat"
}
node() { # FILE TAG: one engine node over FILE, CPU time into $d/TAG.cpu
  /usr/bin/time -f '%U %S' -o "$d/$2.cpu" "$build/fraudscan" replay --rules rules \
    --events "$d/$1" --state-redis "127.0.0.1:$port" --alerts "$d/$2.alerts" 2>"$d/$2.err"
}
report() { # TAG EVENTS
  python3 - "$d/$1.cpu" "$2" "$3" "$1" "$(grep -E 'state.redis_commits' "$d/$1.err" | awk '{print $2}')" <<'PY'
import sys
u, s = map(float, open(sys.argv[1]).read().split()[-2:])
ev, wall, tag, commits = int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5] or "0"
print(f"  node {tag}: {ev} events, CPU {u+s:.2f} s, redis commits {commits}")
PY
}

echo "events: $n (one fraud install in $every, $people people), redis-server 127.0.0.1:$port"
redis-cli -p "$port" flushall >/dev/null
c0=$(redis_cpu)
t0=$(date +%s.%N)
node all.jsonl one
t1=$(date +%s.%N)
c1=$(redis_cpu)
python3 -c "import sys; n=int(sys.argv[1]); t=float(sys.argv[3])-float(sys.argv[2]); print(f'one node:  {t:.2f} s, {n/t:,.0f} events/s; redis CPU {float(sys.argv[5])-float(sys.argv[4]):.2f} s')" "$n" "$t0" "$t1" "$c0" "$c1"
report one "$n" 0
alerts1=$(wc -l <"$d/one.alerts")

redis-cli -p "$port" flushall >/dev/null
c0=$(redis_cpu)
t0=$(date +%s.%N)
node a.jsonl a &
pa=$!
node b.jsonl b &
pb=$!
wait "$pa" "$pb"
t1=$(date +%s.%N)
c1=$(redis_cpu)
python3 -c "import sys; n=int(sys.argv[1]); t=float(sys.argv[3])-float(sys.argv[2]); print(f'two nodes: {t:.2f} s, {n/t:,.0f} events/s in total, {n/2/t:,.0f} per node; redis CPU {float(sys.argv[5])-float(sys.argv[4]):.2f} s')" "$n" "$t0" "$t1" "$c0" "$c1"
report a $((n / 2)) 0
report b $((n - n / 2)) 0
alerts2=$(cat "$d/a.alerts" "$d/b.alerts" | wc -l)
echo "alerts: one node $alerts1, two nodes $alerts2 between them"
