#!/usr/bin/env bash
# dispatch on Redis, and Redis restarted under load: an engine streams
# alerts while the Redis server holding dispatch's store is killed and
# started again (appendonly, fsync always, so what it acknowledged is on its
# disk). Commits fail meanwhile, nothing is acknowledged, the engine
# resends; afterwards every alert the engine emitted is in the stream
# exactly once. Its own redis-server on a free port (not FSC_TEST_REDIS:
# this one is killed).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"
command -v redis-server >/dev/null || skip "redis-server is not installed"
N=${FSC_DISPATCH_KILL_N:-24000}
RPORT=$(free_port)
mkdir -p "$TMP/redis"
redis_start() {
  redis-server --bind 127.0.0.1 --port "$RPORT" --dir "$TMP/redis" --save '' \
    --appendonly yes --appendfsync always --daemonize no --loglevel warning \
    >>"$TMP/redis.log" 2>&1 &
  GPID=$!
  disown "$GPID" # killed on purpose below: no job notice in the log
  for _ in $(seq 100); do
    redis-cli -p "$RPORT" ping 2>/dev/null | grep PONG >/dev/null && return 0
    sleep 0.05
  done
  cat "$TMP/redis.log"; fail "redis-server did not start"
}
redis_start
dispatch_config "  redis: 127.0.0.1:$RPORT" "  redis_prefix: fsc:t"
dispatch_start

gen_events "$N" 4000 | "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events - \
  --alerts "$TMP/alerts.jsonl" --dispatch "$DEP" --spool "$TMP/spool" --dispatch-wait 40 \
  2>"$TMP/engine.err" &
EPID=$!
sleep 2
kill -9 "$GPID"
while kill -0 "$GPID" 2>/dev/null; do sleep 0.05; done
sleep 1
redis_start
wait "$EPID" || { cat "$TMP/engine.err"; fail "the engine failed"; }
EPID=
dispatch_stop

python3 - "$RPORT" fsc:t:log >"$TMP/stored" <<'PY'
# the stream's entries through RESP by hand: XRANGE in pages
import json, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
f = s.makefile("rb")
def cmd(*a):
    s.sendall(b"".join([b"*%d\r\n" % len(a)] + [b"$%d\r\n%s\r\n" % (len(x), x) for x in
                                                 (y.encode() for y in a)]))
    return read()
def read():
    line = f.readline()
    t, rest = line[:1], line[1:-2]
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [read() for _ in range(n)]
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        d = f.read(n + 2)[:-2]
        return d
    if t == b"-":
        sys.exit("redis error: " + rest.decode())
    return rest
start = "-"
while True:
    page = cmd("XRANGE", sys.argv[2], start, "+", "COUNT", "1000")
    if not page:
        break
    for eid, fields in page:
        e = json.loads(fields[1])
        if e["kind"] == "alert":
            print(e["alert_id"])
    start = "(" + page[-1][0].decode()
PY
alert_ids "$TMP/alerts.jsonl" >"$TMP/emitted"
[ "$(wc -l <"$TMP/emitted")" -eq "$N" ] || fail "the engine emitted $(wc -l <"$TMP/emitted"), not $N"
check_once "$TMP/emitted" "$TMP/stored" || { tail -5 "$TMP/engine.err"; cat "$TMP/dispatch.err"; exit 1; }
grep -E "spool.acknowledged +$N\$" "$TMP/engine.err" >/dev/null ||
  { cat "$TMP/engine.err"; fail "the engine did not see all $N acknowledged"; }
grep "storing .* alerts failed" "$TMP/dispatch.err" >/dev/null ||
  { cat "$TMP/dispatch.err"; fail "dispatch never saw the store fail: Redis was not restarted under load"; }
echo "ok: $N alerts through a Redis restart, each stored once"
