#!/usr/bin/env bash
# bench/events.sh [MILLIONS] [BUILD]: install events per second, end to end
# from a file (read, parse, match every rule, score), one core.
# Generates MILLIONS million event lines (default 2): store installs of
# common apps with permissions, one in a thousand a fraud app from the
# sample (a rule hit, scored), over 10,000 subscribers.
set -euo pipefail
cd "$(dirname "$0")/.."
m=${1:-2}
build=${2:-build}
f=$(mktemp /tmp/fsc-events-XXXXXX.jsonl)
trap 'rm -f "$f"' EXIT
python3 bench/events_gen.py "$m" >"$f"
lines=$(wc -l <"$f")
# wall time, and CPU time (user + sys): on a machine shared with other
# people's compilers the second says what the engine itself needs
start=$(date +%s.%N)
/usr/bin/time -f '%U %S' -o "$f.cpu" taskset -c 0 "$build/fraudscan" replay --rules rules \
  --events "$f" --alerts /dev/null 2>"$f.err" || true
end=$(date +%s.%N)
python3 -c "import sys; n=int(sys.argv[1]); t=float(sys.argv[3])-float(sys.argv[2]); u,s=map(float,open(sys.argv[4]).read().split()[-2:]); print(f'{n} events in {t:.2f} s: {n/t:,.0f} events/s on one core; CPU {u+s:.2f} s: {n/(u+s):,.0f} events per CPU second')" "$lines" "$start" "$end" "$f.cpu"
rm -f "$f.cpu"
grep -E 'events.read|rule_hits|alert.emitted' "$f.err" || true
rm -f "$f.err"
