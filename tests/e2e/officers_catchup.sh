#!/usr/bin/env bash
# An officer's tail that is stopped (SIGSTOP), killed for 60 seconds, and
# that sees dispatch itself restart, while an engine keeps sending alerts:
# when it is back it catches up from its cursor file: no alert missed, none
# shown twice (the alert_id lists are compared).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/officers_lib.sh"

standard_team
write_config 300 900
start_dispatch
CURSOR=$TMP/east.cursor

start_tail() {
  tail_bg o.east "$TMP/east.out" --precinct P-EAST --cursor "$CURSOR"
  TAIL=$TAIL_PID
}

batch=0
# send_batch: one engine run, 4 new alerts (2 for P-EAST)
send_batch() {
  batch=$((batch + 1))
  gen_alerts "$TMP/b$batch" $((batch * 100)) 4 P-EAST P-WEST
  engine "$TMP/b$batch" || fail "engine batch $batch"
  ids_of "$TMP/b$batch/alerts.jsonl" P-EAST >> "$TMP/east.want"
}

start_tail
send_batch
wait_count "$TMP/east.out" 2 || fail "the tail did not start"

# stopped for a while: dispatch keeps its pushes, then it resumes
kill -STOP "$TAIL"
send_batch
sleep 6
kill -CONT "$TAIL"
wait_count "$TMP/east.out" 4 20 || fail "after SIGCONT: $(shown_ids "$TMP/east.out" | wc -l) shown"
echo "ok: stopped and continued"

# killed for 60 seconds while alerts keep coming
kill -9 "$TAIL"
wait "$TAIL" 2>/dev/null || true
start=$(date +%s)
while [ $(( $(date +%s) - start )) -lt 60 ]; do
  send_batch
  sleep 8
done
[ "$(grep -c . "$TMP/east.want")" -ge 16 ] || fail "too few alerts sent"
start_tail
want=$(grep -c . "$TMP/east.want")
wait_count "$TMP/east.out" "$want" 30 || fail "after 60 s away: $(shown_ids "$TMP/east.out" | wc -l) of $want shown"
echo "ok: back after 60 s, caught up ($want alerts)"

# dispatch restarts under the tail: it reconnects and resubscribes
stop_dispatch
sleep 5.5
start_dispatch
send_batch
want=$(grep -c . "$TMP/east.want")
wait_count "$TMP/east.out" "$want" 30 || fail "after the restart: $(shown_ids "$TMP/east.out" | wc -l) of $want"
grep reconnecting "$TMP/east.out.err" >/dev/null || fail "the tail did not say it was reconnecting"
sleep 1

sort "$TMP/east.want" > "$TMP/want.sorted"
shown_ids "$TMP/east.out" | sort > "$TMP/got.sorted"
dups=$(shown_ids "$TMP/east.out" | sort | uniq -d)
[ -z "$dups" ] || fail "shown twice: $dups"
diff "$TMP/want.sorted" "$TMP/got.sorted" || fail "the alerts shown differ from those sent"
cat "$TMP/east.out.err"
echo "PASS: $want alerts, none missed, none twice, across a stop, a 60 s kill and a dispatch restart"
