#!/usr/bin/env bash
# A cut network between an engine and dispatch: a TCP relay in the middle
# stops passing bytes on the open connection (no FIN, no RST, as when a
# cable or a firewall drops traffic) while new connections still get
# through. The engine's ZeroMQ heartbeats notice the silence within seconds,
# it reconnects, resends what was in flight, and every alert is stored once.
# Without heartbeats the engine would wait on the dead connection forever.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"
N=12000
dispatch_config "  journal: $TMP/journal"
dispatch_start
PPORT=$(free_port)
python3 - "$PPORT" "$DPORT" >"$TMP/relay.log" 2>&1 <<'PY' &
# the relay: SIGUSR1 freezes every connection open at that moment
import signal, socket, sys, threading, time
lport, dport = int(sys.argv[1]), int(sys.argv[2])
conns, frozen = [], set()
def freeze(*_):
    frozen.update(id(c) for c in conns)
    print(f"froze {len(frozen)} connection(s)", flush=True)
signal.signal(signal.SIGUSR1, freeze)
def pump(a, b, key):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            while key in frozen:   # hold the bytes: the line is dead
                time.sleep(3600)
            b.sendall(d)
    except OSError:
        pass
    finally:
        if key not in frozen:
            for s in (a, b):
                try: s.shutdown(socket.SHUT_RDWR)
                except OSError: pass
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", lport)); srv.listen(16)
print("listening", flush=True)
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", dport))
    conns.append(c)
    print(f"connection {len(conns)}", flush=True)
    for a, b in ((c, u), (u, c)):
        threading.Thread(target=pump, args=(a, b, id(c)), daemon=True).start()
PY
GPID=$!
disown "$GPID" # killed at exit: no job notice in the log
for _ in $(seq 100); do grep listening "$TMP/relay.log" >/dev/null && break; sleep 0.05; done

gen_events "$N" 4000 | "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events - \
  --alerts "$TMP/alerts.jsonl" --dispatch "tcp://127.0.0.1:$PPORT" --spool "$TMP/spool" \
  --dispatch-wait 30 2>"$TMP/engine.err" &
EPID=$!
sleep 1.5
kill -USR1 "$GPID"
at_cut=$(journal_ids "$TMP/journal" | wc -l)
wait "$EPID" || { cat "$TMP/engine.err"; fail "the engine failed"; }
EPID=
dispatch_stop
cat "$TMP/relay.log"
[ "$at_cut" -gt 0 ] && [ "$at_cut" -lt "$N" ] || fail "the cut was not mid-stream ($at_cut stored)"
grep "connection 2" "$TMP/relay.log" >/dev/null || fail "the engine never reconnected"
alert_ids "$TMP/alerts.jsonl" >"$TMP/emitted"
journal_ids "$TMP/journal" >"$TMP/stored"
check_once "$TMP/emitted" "$TMP/stored" || { tail -5 "$TMP/engine.err"; exit 1; }
grep -E "spool.acknowledged +$N\$" "$TMP/engine.err" >/dev/null ||
  { cat "$TMP/engine.err"; fail "not all $N acknowledged"; }
echo "ok: cut after $at_cut stored; the engine noticed, reconnected, and all $N are stored once"
