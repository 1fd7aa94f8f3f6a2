#!/usr/bin/env bash
# bench/events_alerts_same.sh OLD_BUILD NEW_BUILD [THOUSANDS]: do two builds
# raise the same alerts? Replays the bundled sample (events, identity,
# profiles, traffic) and THOUSANDS thousand events of bench/events_gen.py
# (default 100) with each build's fraudscan and compares the alert files
# byte for byte, less "ruleset_loaded" (the time the rules were loaded).
# For a change on the events path: run it before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 k=${3:-100}
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
python3 bench/events_gen.py "$(python3 -c "print($k / 1000)")" >"$d/bench.jsonl"
s=feeds/sample
rc=0
for b in old new; do
  bin=$([ $b = old ] && echo "$old" || echo "$new")/fraudscan
  "$bin" replay --rules rules --events $s/events.jsonl --identity $s/identity.csv \
    --profiles $s/profiles.csv --alerts "$d/$b.sample" $s/traffic.pcap 2>"$d/$b.sample.err"
  "$bin" replay --rules rules --events "$d/bench.jsonl" --alerts "$d/$b.bench" 2>"$d/$b.bench.err"
  for f in sample bench; do
    sed 's/"ruleset_loaded":"[^"]*"//' "$d/$b.$f" >"$d/$b.$f.cmp"
  done
done
for f in sample bench; do
  n=$(wc -l <"$d/new.$f.cmp")
  if cmp -s "$d/old.$f.cmp" "$d/new.$f.cmp"; then
    echo "$f: the same $n alerts"
  else
    echo "$f: alerts differ"; diff "$d/old.$f.cmp" "$d/new.$f.cmp" | head -20; rc=1
  fi
done
exit $rc
