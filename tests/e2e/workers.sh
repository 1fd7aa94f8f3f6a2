#!/usr/bin/env bash
# N worker threads raise exactly the alerts one thread does, byte for byte:
# hits are scored in frame order whatever worker found them.
. "$(dirname "$0")/lib.sh"
# (the rule set's load time differs from run to run: everything else may not)
strip_load() { sed 's/"ruleset_loaded":"[^"]*",//' "$1"; }
replay_sample --alerts "$TMP/one.jsonl" 2>/dev/null
for n in 2 3 4; do
  replay_sample --workers "$n" --alerts "$TMP/n.jsonl" 2>"$TMP/summary"
  cmp <(strip_load "$TMP/one.jsonl") <(strip_load "$TMP/n.jsonl") || { cat "$TMP/summary" >&2; fail "$n workers alert differently from one"; }
done
# the corpus captures through 3 workers: same counters as inline
corpus=$SRCDIR/../shared/corpus/pcaps
if [ -d "$corpus" ]; then
  for f in "$corpus"/*.pcap*; do
    a=$("$FRAUDSCAN" replay --rules "$SRCDIR/rules" --alerts /dev/null "$f" 2>&1 | grep -E '^  (dns|tls|http|capture)\.' || true)
    b=$("$FRAUDSCAN" replay --workers 3 --rules "$SRCDIR/rules" --alerts /dev/null "$f" 2>&1 | grep -E '^  (dns|tls|http|capture)\.' || true)
    [ "$a" = "$b" ] || fail "$(basename "$f"): counters differ with 3 workers: $(diff <(echo "$a") <(echo "$b"))"
  done
fi
echo "ok: 2, 3 and 4 workers alert as one"
