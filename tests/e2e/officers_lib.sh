# officers_lib.sh: helpers for the officers_* and paystop_* e2e tests
# (sourced after lib.sh). Everything is a real process: `fraudscan dispatch`
# from a config written here (journal in $TMP), engines (`fraudscan replay
# --dispatch`), officers' `fraudscan alerts tail --dispatch`, and the stand-in
# bank. Every process started here is stopped by the EXIT trap.

BANK_STANDIN=$BUILDDIR/tests/e2e/bank_standin
[ -x "$BANK_STANDIN" ] || skip "bank_standin not built"
PIDS=()
stop_all() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
# sanitizer builds: a report from any process of the test fails it
sanitizer_check() { # RC: the script's own exit status
  local rc=$1 f files=()
  for f in "$TMP"/*.log "$TMP"/*.err; do [ -f "$f" ] && files+=("$f"); done
  if [ ${#files[@]} -gt 0 ] && grep -E 'Sanitizer|runtime error:' "${files[@]}" >/dev/null; then
    grep -E -A20 'Sanitizer|runtime error:' "${files[@]}" >&2
    echo "FAIL: a sanitizer report (above)" >&2
    rc=1
  fi
  rm -rf "$TMP"
  exit "$rc"
}
# the script's status is taken first: after stop_all, $? would be its own
trap 'script_rc=$?; stop_all; sanitizer_check "$script_rc"' EXIT

DSP_LISTEN=tcp://127.0.0.1:$(free_port)
DSP_CLIENTS=tcp://127.0.0.1:$(free_port)
export XDG_CACHE_HOME=$TMP/cache     # the tails' default cursor files
: > "$TMP/tokens.yaml.body"

# token NAME ROLE [PRECINCT...]: a token for NAME in $TMP/tok.NAME
token() {
  local name=$1 role=$2; shift 2
  local t; t=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '%s\n' "$t" > "$TMP/tok.$name"
  local sha; sha=$(printf '%s' "$t" | sha256sum | cut -d' ' -f1)
  {
    echo "  - name: $name"
    echo "    role: $role"
    if [ $# -gt 0 ]; then
      local list; list=$(printf '%s, ' "$@"); echo "    precincts: [${list%, }]"
    fi
    echo "    sha256: $sha"
  } >> "$TMP/tokens.yaml.body"
}

# The team of every test: two precinct officers, the desk, a liaison, an admin.
standard_team() {
  token o.east officer P-EAST
  token o.west officer P-WEST
  token d.desk officer DESK
  token l.bank liaison
  token a.admin admin
  { echo "tokens:"; cat "$TMP/tokens.yaml.body"; } > "$TMP/tokens.yaml"
  cat > "$TMP/roster.yaml" <<EOF
desk: DESK
shifts:
  - officer: o.east
    precincts: [P-EAST]
    weekly: "Mon-Sun 00:00-24:00"
  - officer: o.west
    precincts: [P-WEST]
    weekly: "Mon-Sun 00:00-24:00"
  - officer: d.desk
    precincts: [DESK]
    weekly: "Mon-Sun 00:00-24:00"
EOF
}

# write_config [ESCALATE_CRITICAL_S] [EXPIRE_S] [BANK=ENDPOINT...] (DSP_HTTP set: the
# HTTP API and /metrics on that HOST:PORT)
write_config() {
  local esc=${1:-300} exp=${2:-900}; shift 2 || true
  {
    echo "dispatch:"
    echo "  listen: $DSP_LISTEN"
    echo "  clients: $DSP_CLIENTS"
    echo "  journal: $TMP/journal"
    echo "  roster: $TMP/roster.yaml"
    echo "  tokens: $TMP/tokens.yaml"
    if [ -n "${DSP_HTTP:-}" ]; then echo "  http: $DSP_HTTP"; fi
    echo "escalate: {low: 14400, medium: 3600, high: 900, critical: $esc}"
    echo "paystop: {expire_after: $exp}"
    if [ $# -gt 0 ]; then
      echo "banks:"
      local b
      for b in "$@"; do echo "  ${b%%=*}: ${b#*=}"; done
    fi
  } > "$TMP/dispatch.yaml"
}

DSP_PID=
# start_dispatch: runs it in the background and waits until it answers
start_dispatch() {
  "$FRAUDSCAN" dispatch -c "$TMP/dispatch.yaml" >> "$TMP/dispatch.log" 2>&1 &
  DSP_PID=$!
  PIDS+=("$DSP_PID")
  local i
  for i in $(seq 100); do
    if as a.admin alerts list >/dev/null 2>&1; then return 0; fi
    kill -0 "$DSP_PID" 2>/dev/null || { cat "$TMP/dispatch.log" >&2; fail "dispatch exited"; }
    sleep 0.1
  done
  cat "$TMP/dispatch.log" >&2
  fail "dispatch did not answer within 10 s"
}

stop_dispatch() {
  kill "$DSP_PID" 2>/dev/null || true
  wait "$DSP_PID" 2>/dev/null || true
}

# as NAME CMD SUB ARGS...: `fraudscan CMD SUB ARGS` as NAME (their token)
# against dispatch. In the foreground only: a function put in the
# background is a subshell, whose pid is not fraudscan's (see tail_bg).
as() {
  local who=$1 cmd=$2 sub=$3; shift 3
  "$FRAUDSCAN" "$cmd" "$sub" --dispatch "$DSP_CLIENTS" --token-file "$TMP/tok.$who" "$@"
}

# tail_bg NAME OUT [ARGS...]: NAME's `alerts tail --dispatch` in the
# background, appending to OUT (stderr to OUT.err); its pid in TAIL_PID.
# Started directly, so the pid is fraudscan's own and a signal sent to it
# reaches the tail itself.
tail_bg() {
  local who=$1 out=$2; shift 2
  "$FRAUDSCAN" alerts tail --dispatch "$DSP_CLIENTS" --token-file "$TMP/tok.$who" "$@" \
    >> "$out" 2>> "$out.err" &
  TAIL_PID=$!
  PIDS+=("$TAIL_PID")
}

# gen_alerts DIR FIRST COUNT PRECINCT...: install events that each raise one
# critical alert (the sample's fake police app) for new subscribers
# S<FIRST>.., round-robin over the precincts; writes DIR/events.jsonl and
# DIR/identity.csv
gen_alerts() {
  local dir=$1 first=$2 count=$3; shift 3
  mkdir -p "$dir"
  python3 - "$SAMPLE/events.jsonl" "$dir" "$first" "$count" "$@" <<'EOF'
import json, sys, time
src, out, first, count, precincts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
tmpl = next(json.loads(l) for l in open(src) if '"com.gov.safeguard"' in l)
with open(out + '/events.jsonl', 'w') as ev, open(out + '/identity.csv', 'w') as ids:
    ids.write('ip,start,end,subscriber,precinct\n')
    for i in range(first, first + count):
        e = dict(tmpl)
        e['subscriber'] = 'S%06d' % i
        e['device'] = 'A-%012x' % i
        # a second apart, ending now: the alerts' times are real, so the
        # reports' "time from alert to ..." figures are too
        e['ts'] = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() - (first + count - i)))
        ev.write(json.dumps(e) + '\n')
        ids.write('10.%d.%d.%d,2020-01-01T00:00:00Z,,S%06d,%s\n'
                  % (60 + i // 65536, i // 256 % 256, i % 256, i, precincts[(i - first) % len(precincts)]))
EOF
}

# engine DIR: an engine replays DIR's events into dispatch through its spool
# (the spool is shared across runs, as one engine's would be); DIR/alerts.jsonl
# gets the alerts it emitted
engine() {
  "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events "$1/events.jsonl" \
    --identity "$1/identity.csv" --alerts "$1/alerts.jsonl" \
    --dispatch "$DSP_LISTEN" --spool "$TMP/spool" --dispatch-wait 10 --quiet
}

# ids_of FILE PRECINCT: alert ids of FILE's alert JSON lines for PRECINCT
ids_of() {
  python3 -c '
import json, sys
for l in open(sys.argv[1]):
    a = json.loads(l)
    if a["precinct"] == sys.argv[2]: print(a["alert_id"])' "$1" "$2" | sort
}

# shown_ids FILE: alert ids a tail printed ("== ALERT <id> ==" blocks), in order
shown_ids() { sed -n 's/^== ALERT \([0-9a-f]*\) ==.*/\1/p' "$1"; }

# wait_for FILE PATTERN [SECONDS]: until FILE has a line matching PATTERN
wait_for() {
  local i n=$(( ${3:-10} * 10 ))
  for i in $(seq "$n"); do
    if grep -E "$2" "$1" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

# wait_count FILE N [SECONDS]: until a tail has shown N alerts
wait_count() {
  local i n=$(( ${3:-10} * 10 ))
  for i in $(seq "$n"); do
    if [ "$(shown_ids "$1" | wc -l)" -ge "$2" ]; then return 0; fi
    sleep 0.1
  done
  return 1
}

journal_has() { cat "$TMP"/journal/* 2>/dev/null | grep -E "$1" >/dev/null; }
