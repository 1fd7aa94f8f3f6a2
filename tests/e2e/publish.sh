#!/usr/bin/env bash
# Alerts published on a real ZeroMQ socket reach a real subscriber
# (`fraudscan alerts tail`) complete and in order.
. "$(dirname "$0")/lib.sh"
replay_sample --alerts "$TMP/expected.jsonl" 2>/dev/null
n=$(wc -l <"$TMP/expected.jsonl")
[ "$n" -gt 0 ] || fail "the sample raised no alerts"
ep="tcp://127.0.0.1:$(free_port)"
timeout 30 "$FRAUDSCAN" alerts tail --connect "$ep" --json --count "$n" >"$TMP/got.jsonl" &
tail_pid=$!
replay_sample --alerts /dev/null --publish "$ep" --wait-subscribers 1 2>"$TMP/summary"
wait "$tail_pid" || fail "alerts tail did not receive $n alerts (exit $?)"
# (two runs: the rule set's load time differs, nothing else may)
strip_load() { sed 's/"ruleset_loaded":"[^"]*",//' "$1"; }
cmp <(strip_load "$TMP/expected.jsonl") <(strip_load "$TMP/got.jsonl") || fail "published alerts differ from the file output"
# a precinct filter receives only that precinct's alerts
want=$(grep -c '"precinct":"P-EAST"' "$TMP/expected.jsonl" || true)
[ "$want" -gt 0 ] || fail "no P-EAST alert in the sample"
timeout 30 "$FRAUDSCAN" alerts tail --connect "$ep" --precinct P-EAST --json --count "$want" >"$TMP/east.jsonl" &
tail_pid=$!
replay_sample --alerts /dev/null --publish "$ep" --wait-subscribers 1 2>/dev/null
wait "$tail_pid" || fail "precinct tail did not receive $want alerts"
grep -v '"precinct":"P-EAST"' "$TMP/east.jsonl" && fail "another precinct's alert leaked through"
echo "ok: $n alerts over ZeroMQ, $want for P-EAST"
