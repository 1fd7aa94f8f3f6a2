# lib.sh: shared helpers for the e2e shell tests (sourced, not run).
# Env from meson: FRAUDSCAN (the binary), SRCDIR, BUILDDIR.
set -euo pipefail
: "${FRAUDSCAN:?run through meson test}" "${SRCDIR:?}"
SAMPLE=$SRCDIR/feeds/sample
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*" >&2; exit 77; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# replay_sample [extra replay args...]: the engine over the bundled sample
replay_sample() {
  "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events "$SAMPLE/events.jsonl" \
    --identity "$SAMPLE/identity.csv" --profiles "$SAMPLE/profiles.csv" "$@" \
    "$SAMPLE/traffic.pcap"
}

# netns_setup NAME [veth]: a network namespace of the test's own, $ns, its
# lo up (with "veth": also a veth pair v0 <-> v1 in it, both up). At exit
# the engine started by run_in_ns is stopped, then the namespace and $TMP
# removed. Skips (77) without root or where namespaces cannot be made.
netns_setup() {
  [ "$(id -u)" -eq 0 ] || skip "making a network namespace needs root"
  ns="$1-$$"
  ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace here"
  engine=""
  trap netns_cleanup EXIT
  if [ "${2:-}" = veth ]; then
    ip -n "$ns" link add v0 type veth peer name v1
    ip -n "$ns" link set v0 up
    ip -n "$ns" link set v1 up
  fi
  ip -n "$ns" link set lo up
}
netns_cleanup() {
  [ -n "$engine" ] && kill "$engine" 2>/dev/null && wait "$engine" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$TMP"
}

# run_in_ns: `fraudscan run -c $TMP/run.yaml` inside $ns in the background
# ($engine; a test that stops it itself sets engine="" after), its stderr in
# $TMP/run.err; returns once it says it is capturing, fails after 10 s.
run_in_ns() {
  ip netns exec "$ns" "$FRAUDSCAN" run -c "$TMP/run.yaml" 2>"$TMP/run.err" &
  engine=$!
  for _ in $(seq 100); do grep capturing "$TMP/run.err" >/dev/null && break; sleep 0.1; done
  grep capturing "$TMP/run.err" >/dev/null || { cat "$TMP/run.err"; fail "the engine did not start capturing"; }
}
