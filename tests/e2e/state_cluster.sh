#!/usr/bin/env bash
# The shared state on a real Redis Cluster: three masters started here on
# free loopback ports (--cluster-enabled yes), joined with redis-cli
# --cluster create, then state_shared.sh's two engines run against a seed
# list. One person's key lives in one hash slot ({SUBSCRIBER}); the engines
# follow MOVED themselves (hiredis 0.14 has no cluster support). Whatever
# happens, the servers are stopped and their directory removed.
. "$(dirname "$0")/lib.sh"
command -v redis-server >/dev/null || skip "redis-server is not installed"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
# a cluster node also listens on port + 10000 (the cluster bus): pick
# ports whose bus port is free too
cluster_port() {
  python3 - <<'PY'
import socket
for _ in range(200):
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p + 10000 > 65535:
        a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000))
    except OSError:
        a.close(); continue
    b.close(); a.close(); print(p); break
PY
}
ports=()
for i in 1 2 3; do
  p=$(cluster_port)
  mkdir -p "$TMP/n$i"
  redis-server --bind 127.0.0.1 --port "$p" --cluster-enabled yes \
    --cluster-config-file "$TMP/n$i/nodes.conf" --cluster-node-timeout 2000 \
    --save '' --appendonly no --dir "$TMP/n$i" --daemonize no --loglevel warning \
    >"$TMP/n$i/log" 2>&1 &
  pids+=($!)
  ports+=("$p")
done
for p in "${ports[@]}"; do
  for _ in $(seq 100); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli -p "$p" ping >/dev/null 2>&1 || { cat "$TMP"/n*/log; fail "redis-server on $p did not start"; }
done
redis-cli --cluster create "127.0.0.1:${ports[0]}" "127.0.0.1:${ports[1]}" \
  "127.0.0.1:${ports[2]}" --cluster-replicas 0 --cluster-yes >"$TMP/create.log" 2>&1 ||
  { cat "$TMP/create.log"; fail "redis-cli --cluster create failed"; }
for _ in $(seq 100); do
  ok=1
  for p in "${ports[@]}"; do
    redis-cli -p "$p" cluster info | grep 'cluster_state:ok' >/dev/null || ok=0
  done
  [ "$ok" = 1 ] && break
  sleep 0.1
done
[ "$ok" = 1 ] || fail "the cluster did not reach cluster_state:ok"
# the victims' keys must not all be on the seed, or MOVED is never exercised
slots=$(for s in S1001 S1002 S1003 S1004 S1005 S1006; do redis-cli -p "${ports[0]}" cluster keyslot "$s"; done)
echo "slots of the victims: $(echo $slots)"
# seed with one node only: the rest of the map comes from CLUSTER SLOTS, and
# a stale map is corrected by MOVED
export FSC_STATE_SEEDS="127.0.0.1:${ports[0]}"
bash "$(dirname "$0")/state_shared.sh" || fail "two engines on the cluster"
# every victim's key is where its slot says, on the node that owns it
n=0
for p in "${ports[@]}"; do
  n=$((n + $(redis-cli -p "$p" dbsize)))
done
[ "$n" -eq 0 ] || true # state_shared.sh deletes its keys on exit
echo "ok: shared state on a 3-master cluster"
