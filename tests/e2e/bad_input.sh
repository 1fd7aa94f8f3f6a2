#!/usr/bin/env bash
# Bad input gets a message that says where, a counter, and the run goes on:
# a broken rule file is refused whole; a bad event line, a bad identity row,
# a truncated or unreadable capture are reported and skipped.
. "$(dirname "$0")/lib.sh"

# 1. a rule file with a YAML syntax error: file:line:col, exit 1, refused
mkdir "$TMP/rules"
cp "$SRCDIR"/rules/*.yaml "$TMP/rules/"
printf 'id: broken\ntitle: [unclosed\n' >"$TMP/rules/zz-broken.yaml"
if "$FRAUDSCAN" rules check "$TMP/rules" 2>"$TMP/check.err"; then fail "rules check accepted a broken file"; fi
grep -Eq 'zz-broken\.yaml:[0-9]+:[0-9]+: error' "$TMP/check.err" || { cat "$TMP/check.err"; fail "no file:line:col in rules check"; }
if replay_sample --rules "$TMP/rules" --alerts "$TMP/a.jsonl" 2>"$TMP/replay.err"; then fail "replay ran with a broken rule set"; fi
grep -q 'refused' "$TMP/replay.err" || fail "replay did not say the rule set was refused"

# 2. an events file with bad lines among good ones
{
  head -n 2 "$SAMPLE/events.jsonl"
  echo '{"ts":"2026-11-29T08:00:00Z","subscriber":'    # cut short
  echo 'not json at all'
  echo '{"subscriber":"S9","package":"x"}'             # no ts
  tail -n +3 "$SAMPLE/events.jsonl"
} >"$TMP/events.jsonl"
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events "$TMP/events.jsonl" \
  --identity "$SAMPLE/identity.csv" --profiles "$SAMPLE/profiles.csv" \
  --alerts "$TMP/ev-alerts.jsonl" "$SAMPLE/traffic.pcap" 2>"$TMP/ev.err" || fail "replay stopped on bad event lines"
for l in 3 4 5; do
  grep -q "events.jsonl:$l" "$TMP/ev.err" || { cat "$TMP/ev.err"; fail "bad event line $l not reported with its line"; }
done
grep -Eq 'events.bad_lines +3' "$TMP/ev.err" || { cat "$TMP/ev.err"; fail "events.bad_lines counter is not 3"; }
replay_sample --alerts "$TMP/good.jsonl" 2>/dev/null
# the same alerts (event line numbers in the evidence shift by the 3 lines)
key() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    a = json.loads(l); print(a["subscriber"], a["fraud_type"], a["level"], a["score"], a["alert_id"])' "$1"; }
cmp -s <(key "$TMP/good.jsonl") <(key "$TMP/ev-alerts.jsonl") || fail "bad event lines changed the alerts of the good ones"

# 3. a bad identity row
{ cat "$SAMPLE/identity.csv"; echo "not-an-ip,2026-11-29T08:00:00Z,,S9,P-X"; } >"$TMP/identity.csv"
n=$(wc -l <"$TMP/identity.csv")
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --identity "$TMP/identity.csv" \
  --alerts /dev/null "$SAMPLE/traffic.pcap" 2>"$TMP/id.err" || fail "replay stopped on a bad identity row"
grep -q "identity.csv:$n" "$TMP/id.err" || { cat "$TMP/id.err"; fail "bad identity row $n not reported"; }
grep -Eq 'identity.bad_rows +1' "$TMP/id.err" || fail "identity.bad_rows counter is not 1"

# 4. a capture cut in the middle of a packet, then an unreadable one, then a good one
size=$(stat -c %s "$SAMPLE/traffic.pcap")
head -c $((size / 2 + 7)) "$SAMPLE/traffic.pcap" >"$TMP/cut.pcap"
echo "garbage" >"$TMP/garbage.pcap"
set +e
"$FRAUDSCAN" replay --rules "$SRCDIR/rules" --alerts /dev/null \
  "$TMP/cut.pcap" "$TMP/garbage.pcap" "$SAMPLE/traffic.pcap" 2>"$TMP/cap.err"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "damaged captures should end the run with status 1, got $rc"
grep -q 'cut.pcap: after frame [0-9]*' "$TMP/cap.err" || { cat "$TMP/cap.err"; fail "truncation not reported with the frame"; }
grep -q 'garbage.pcap' "$TMP/cap.err" || fail "unreadable capture not reported"
grep -Eq 'capture.read_errors +2' "$TMP/cap.err" || fail "capture.read_errors is not 2"
# the good capture after them was still read whole
frames=$("$FRAUDSCAN" replay --rules "$SRCDIR/rules" --alerts /dev/null "$SAMPLE/traffic.pcap" 2>&1 | awk '$1=="capture.packets"{print $2}')
all=$(awk '$1=="capture.packets"{print $2}' "$TMP/cap.err")
[ "$all" -gt "$frames" ] || fail "frames read: $all, the good file alone has $frames"
echo "ok: bad input reported and survived"
