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
