#!/usr/bin/env bash
# bench/events_instr.sh [BUILD]: instructions per install event, end to end
# from a file (read, parse, match every rule, score), counted by callgrind.
# Unlike a rate, the count does not move when other people compile on the
# same machine, so it is how a change is compared before and after. Runs the
# replay on 50,000 and on 100,000 events of bench/events_gen.py and divides
# the difference by 50,000, so start-up (loading the rules) drops out.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
python3 bench/events_gen.py 0.1 >"$d/100k.jsonl"
head -50000 "$d/100k.jsonl" >"$d/50k.jsonl"
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$build/fraudscan" replay \
    --rules rules --events "$d/$1.jsonl" --alerts /dev/null 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
a=$(count 50k)
b=$(count 100k)
echo "50k events: $a instructions; 100k: $b; per event: $(( (b - a) / 50000 ))"
