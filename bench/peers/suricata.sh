#!/usr/bin/env bash
# bench/peers/suricata.sh: Suricata as a peer in fraudscan's benchmark
# (the same domain list, flagged on the same four host fields).
#
#   bench/peers/suricata.sh prepare LIST OUTDIR
#       Writes a self-contained Suricata 7 setup into OUTDIR:
#         suricata.yaml    from bench/peers/suricata.yaml.in
#         names.b64        the list, normalised, one base64 name a line
#                          (a Suricata "string" dataset file)
#         fraudscan.rules  four rules, one per field, sharing the dataset
#         classification.config, reference.config, threshold.config (empty)
#       Prints nothing on stdout.
#   bench/peers/suricata.sh load OUTDIR
#       suricata -T (load and check the rules, exit) under /usr/bin/time -v.
#       Prints "LOAD_SECONDS PEAK_RSS_KIB". Exit 1, with Suricata's log on
#       stderr, unless the log says all 4 rules loaded, 0 failed, and the
#       dataset holds every name.
#   bench/peers/suricata.sh run OUTDIR CAPTURE
#       suricata --runmode single -r CAPTURE -k none. Prints
#       "FRAMES TOTAL_WALL_SECONDS PROCESSING_SECONDS PEAK_RSS_KIB" and
#       writes OUTDIR/flagged.tsv: sorted unique "FIELD<TAB>value" lines of
#       every name Suricata alerted on (FIELD dns.query, tls.sni,
#       http.host or quic.sni; value lower case).
#
# Diagnostics go to stderr; stdout carries only the one result line.
#
# Matching semantics (what the comparison with fraudscan's exact host
# matching has to allow for):
# - A dataset "isset" matches when the whole buffer equals a member:
#   exact match, no subdomains (www.<indicator> is not flagged; fraudscan's
#   |suffix would flag it).
# - Case: list names are lower-cased here, and every rule applies the
#   to_lowercase transform before the dataset lookup: the case-insensitive
#   comparison fraudscan makes. dns.query, tls.sni and quic.sni are the
#   bytes as sent. http.host is libhtp's normalised host, which is lower
#   case only when the Host header has no port: "GA-Case.com:80" gives
#   http.host "GA-Case.com" (seen with 7.0.10), which without the
#   transform a lower-case list misses.
# - Trailing dot: list names lose one trailing dot. dns.query never has one
#   (Suricata joins the labels); an SNI or Host sent with a trailing dot
#   ("evil.top.") is NOT flagged by Suricata (no transform strips it).
# - Port: http.host has the port stripped ("evil.top:8080" -> "evil.top").
#   http.host.raw would keep it; we use http.host.
#
# Processing time: Suricata logs "time elapsed N.NNNs" (info level) from
# SCPrintElapsedTime(): a gettimeofday() difference, millisecond precision,
# from SCSetStartTime(), which suricata.c calls after the rules and datasets
# are loaded (PostConfLoadedDetectSetup) and just before RunModeDispatch
# starts the packet thread, to the moment the packet threads are disabled
# after FlowForceReassembly() (end-of-capture flush of open flows, which is
# part of the work). It excludes configuration, rule/dataset load and the
# shutdown (freeing the detection engine and the datasets). It includes
# the packet thread's start-up (opening the capture, per-thread detect
# context, output files): the 2916-frame feeds/sample capture reports
# 0.03-0.04 s in all, so count up to ~0.03 s of fixed cost per run. The
# log's own timestamps are whole seconds, too coarse. FRAMES is the
# "pcap: read 1 file, N packets" line of the same log (the packets the
# capture thread read; equals the stats counter decoder.pkts).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "suricata.sh: $*" >&2; exit 1; }
usage() {
    echo "usage: $0 prepare LIST OUTDIR | load OUTDIR | run OUTDIR CAPTURE" >&2
    exit 2
}

command -v suricata >/dev/null || die "suricata not installed (tools/setup --bench installs it)"
[ -x /usr/bin/time ] || die "/usr/bin/time not installed (Debian package 'time')"

# Seconds since the epoch with nanoseconds, for wall clocks.
now() { date +%s.%N; }
# Seconds from $1 to $2 (two now() values), 3 decimals.
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

prepare() {
    local list=$1 out=$2
    [ -r "$list" ] || die "$list: cannot read the list"
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
    rm -f "$out/eve.json" "$out/suricata.log" "$out/flagged.tsv"
    # Normalise as the engines compare: '#' comments and blank lines out,
    # surrounding white space and one trailing dot off, lower case (ASCII),
    # duplicates once. Then base64 (standard alphabet, padded), one a line.
    python3 - "$list" "$out/names.b64" "$out/names.count" <<'EOF'
import base64, sys
src, dst, cnt = sys.argv[1:4]
seen = set()
with open(src, 'rb') as f:
    for n, raw in enumerate(f, 1):
        line = raw.split(b'#', 1)[0].strip()
        if line.startswith(b'0.0.0.0 '):     # hosts-file form of blocklists
            line = line[8:].strip()
        if line.endswith(b'.'):
            line = line[:-1]
        if not line:
            continue
        if b' ' in line or b'\t' in line:
            print(f'{src}:{n}: skipped, not one name: {line[:60]!r}', file=sys.stderr)
            continue
        seen.add(line.lower())
with open(dst, 'wb') as f:
    for name in sorted(seen):
        f.write(base64.b64encode(name) + b'\n')
with open(cnt, 'w') as f:
    f.write(f'{len(seen)}\n')
EOF
    local count hashsize=1024 memcap
    count=$(cat "$out/names.count")
    [ "$count" -gt 0 ] || die "$list: no names"
    while [ "$hashsize" -lt "$count" ]; do hashsize=$((hashsize * 2)); done
    # A string dataset entry costs its name plus ~100 bytes of hash row and
    # bookkeeping; 512 bytes a name leaves room, with a 64 MiB floor.
    memcap=$((count * 512))
    [ "$memcap" -ge $((64 << 20)) ] || memcap=$((64 << 20))
    sed -e "s|@OUTDIR@|$out|g" -e "s|@HASHSIZE@|$hashsize|g" -e "s|@MEMCAP@|$memcap|g" \
        "$here/suricata.yaml.in" >"$out/suricata.yaml"
    : >"$out/classification.config"
    : >"$out/reference.config"
    : >"$out/threshold.config"
    # sid = field; see the header for why all four lower-case.
    cat >"$out/fraudscan.rules" <<'EOF'
alert dns any any -> any any (msg:"fraudscan list dns.query"; dns.query; to_lowercase; dataset:isset,fsc-names; sid:1; rev:1;)
alert tls any any -> any any (msg:"fraudscan list tls.sni"; tls.sni; to_lowercase; dataset:isset,fsc-names; sid:2; rev:1;)
alert http any any -> any any (msg:"fraudscan list http.host"; http.host; to_lowercase; dataset:isset,fsc-names; sid:3; rev:1;)
alert quic any any -> any any (msg:"fraudscan list quic.sni"; quic.sni; to_lowercase; dataset:isset,fsc-names; sid:4; rev:1;)
EOF
    echo "suricata.sh: $out: $count names, dataset hashsize $hashsize, memcap $memcap" >&2
}

# Field from /usr/bin/time -v output file $1: peak RSS in KiB.
peak_rss() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }

# Checks that Suricata's log $1 says every rule loaded and the dataset holds
# every name; prints the log to stderr and fails otherwise.
check_loaded() {
    local log=$1 out=$2 count
    count=$(cat "$out/names.count")
    if ! grep -E '(^|[^0-9])4 rules successfully loaded, 0 rules failed' "$log" >/dev/null ||
        ! grep -E "dataset: fsc-names loaded $count records" "$log" >/dev/null; then
        cat "$log" >&2
        die "$out: Suricata did not load all 4 rules and $count dataset names (log above)"
    fi
}

load() {
    local out=$1
    [ -f "$out/suricata.yaml" ] || die "$out: no suricata.yaml (run prepare first)"
    out=$(cd "$out" && pwd)
    local log="$out/suricata.log" tv="$out/load.time" t0 t1 rc=0
    rm -f "$log"
    # The log (level config: rule and dataset counts) goes to suricata.log
    # as configured; the console is off, anything it still prints (early
    # errors) lands in load.console.
    t0=$(now)
    /usr/bin/time -v -o "$tv" suricata -T -c "$out/suricata.yaml" -l "$out" >"$out/load.console" 2>&1 || rc=$?
    t1=$(now)
    if [ "$rc" -ne 0 ]; then
        cat "$out/load.console" "$log" >&2 2>/dev/null || true
        die "$out: suricata -T failed (exit $rc, log above)"
    fi
    check_loaded "$log" "$out"
    printf '%s %s\n' "$(secs "$t0" "$t1")" "$(peak_rss "$tv")"
}

run() {
    local out=$1 cap=$2
    [ -f "$out/suricata.yaml" ] || die "$out: no suricata.yaml (run prepare first)"
    [ -r "$cap" ] || die "$cap: cannot read the capture"
    out=$(cd "$out" && pwd)
    local log="$out/suricata.log" tv="$out/run.time" t0 t1 rc=0
    rm -f "$out/eve.json" "$log"
    t0=$(now)
    /usr/bin/time -v -o "$tv" suricata -c "$out/suricata.yaml" -l "$out" --runmode single \
        -r "$cap" -k none >"$out/run.console" 2>&1 || rc=$?
    t1=$(now)
    if [ "$rc" -ne 0 ]; then
        cat "$out/run.console" "$log" >&2 2>/dev/null || true
        die "$out: suricata failed on $cap (exit $rc, log above)"
    fi
    check_loaded "$log" "$out"
    local frames elapsed
    # "pcap: read 1 file, 2916 packets, 812345 bytes"
    frames=$(sed -n 's/.*pcap: read [0-9]* files\{0,1\}, \([0-9]*\) packets.*/\1/p' "$log" | tail -1)
    elapsed=$(sed -n 's/.*time elapsed \([0-9.]*\)s.*/\1/p' "$log" | tail -1)
    if [ -z "$frames" ] || [ -z "$elapsed" ]; then
        cat "$log" >&2
        die "$out: no 'pcap: read' or 'time elapsed' line in $log (log above)"
    fi
    # eve alerts -> FIELD<TAB>value; the field comes from the sid, the value
    # from the alert's app-layer metadata.
    python3 - "$out/eve.json" "$out/flagged.tsv" <<'EOF'
import json, sys
src, dst = sys.argv[1:3]
field = {1: 'dns.query', 2: 'tls.sni', 3: 'http.host', 4: 'quic.sni'}
rows, missing = set(), 0
try:
    f = open(src, encoding='utf-8', errors='surrogateescape')
except FileNotFoundError:
    f = []
for n, line in enumerate(f, 1):
    ev = json.loads(line)
    if ev.get('event_type') != 'alert':
        continue
    sid = ev['alert']['signature_id']
    fld = field.get(sid)
    if fld is None:
        continue
    vals = []
    if sid == 1:
        # Suricata 7: dns.query[] of {rrname,...} (v2 alerts also carry
        # dns.queries[]); take every query name of the transaction.
        d = ev.get('dns', {})
        for key in ('query', 'queries'):
            q = d.get(key, [])
            if isinstance(q, dict):
                q = [q]
            vals += [x['rrname'] for x in q if 'rrname' in x]
    elif sid == 2:
        vals = [ev.get('tls', {}).get('sni')]
    elif sid == 3:
        vals = [ev.get('http', {}).get('hostname')]
    else:
        vals = [ev.get('quic', {}).get('sni')]
    vals = [v for v in vals if v]
    if not vals:
        missing += 1
        if missing <= 5:
            print(f'{src}:{n}: alert sid {sid} without the host in its metadata', file=sys.stderr)
    for v in vals:
        rows.add(f'{fld}\t{v.lower()}')
with open(dst, 'w', encoding='utf-8', errors='surrogateescape') as o:
    for r in sorted(rows):
        o.write(r + '\n')
if missing:
    print(f'{src}: {missing} alerts without a host in their metadata', file=sys.stderr)
EOF
    printf '%s %s %s %s\n' "$frames" "$(secs "$t0" "$t1")" "$elapsed" "$(peak_rss "$tv")"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
prepare) [ $# -eq 2 ] || usage; prepare "$@" ;;
load) [ $# -eq 1 ] || usage; load "$@" ;;
run) [ $# -eq 2 ] || usage; run "$@" ;;
*) usage ;;
esac
