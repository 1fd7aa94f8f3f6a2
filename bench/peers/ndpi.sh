#!/usr/bin/env bash
# bench/peers/ndpi.sh: nDPI's ndpiReader (Debian libndpi-bin, nDPI 4.2) as a
# peer of fraudscan in bench/run, given the benchmark's domain list as a
# custom host category. stdout carries only the lines below; diagnostics go
# to stderr.
#
#   ndpi.sh prepare LIST OUTDIR
#       LIST: one domain name per line. Writes OUTDIR/categories.txt (the
#       `ndpiReader -c` file) and OUTDIR/empty.pcap (a header-only capture).
#       Prints nothing.
#   ndpi.sh load OUTDIR
#       Starts ndpiReader with the list on the empty capture (it loads the
#       list, reads no packet, exits) under /usr/bin/time -v. Prints
#       "LOAD_SECONDS PEAK_RSS_KIB".
#   ndpi.sh run OUTDIR CAPTURE
#       One ndpiReader thread over CAPTURE with the list. Prints
#       "FRAMES TOTAL_WALL_SECONDS PROCESSING_SECONDS PEAK_RSS_KIB FLAGGED_FLOWS".
#   ndpi.sh semantics OUTDIR
#       Which names nDPI puts in the category when the list holds only
#       evil.example: one "matched|unmatched NAME" line per probe name.
#
# Mechanism: `-c FILE`, ndpi_load_categories_file(): each line "NAME<TAB>ID"
# (the line's last byte is cut off as its newline, so every line ends with
# one; lines starting with '#' are comments). ID 20 is "User custom category 1"
# (`ndpiReader -a 1`). A flow whose host name (DNS query, TLS SNI, HTTP Host,
# QUIC SNI) matches gets that category; its protocol is left as detected.
# nDPI skips a QUIC Initial whose UDP payload is under 1200 bytes (RFC 9000
# 14.1 says clients pad to 1200), so such flows are never named or flagged.
# The alternative, `-p FILE` with host:"NAME"@Proto lines, goes through the
# same Aho-Corasick host matcher (same semantics, checked with `semantics`)
# and replaces the detected sub-protocol, so -c is the one used here.
#
# Match semantics (nDPI 4.2's matcher, shown by `semantics`): the host name,
# lower-cased, must END with a listed name; there is no label boundary.
# evil.example matches evil.example, www.evil.example and also
# xevil.example and x-evil.example (a suffix on characters, not on labels);
# it does not match evil.example.com or evil.examplex. fraudscan's `suffix`
# modifier is "the name or a name under it", so nDPI can flag more flows
# (never fewer) than fraudscan on the same list.
#
# Processing time: ndpiReader times its packet threads itself (gettimeofday
# after the lists are loaded and before results are printed) and prints the
# span only when not quiet, so `run` drops -q, sends stdout to
# OUTDIR/run.out and reads it with ndpi_report.awk (see there for the
# digits). -v 2 makes it print every flow with its category after that span
# (printing is outside PROCESSING_SECONDS, inside TOTAL_WALL_SECONDS); the
# same capture timed with and without -v 2 gives the same span within noise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
reader=${NDPI_READER:-ndpiReader}
cat_id=20                             # "User custom category 1"
cat_name="User custom category 1/$cat_id" # as -v 2 prints it: [cat: NAME/ID]

die() { echo "ndpi.sh: $*" >&2; exit 1; }
need_reader() {
  command -v "$reader" >/dev/null || die "$reader not found (tools/setup --bench installs libndpi-bin)"
  [ -x /usr/bin/time ] || die "/usr/bin/time not found (Debian package time)"
}
need_prepared() { # OUTDIR
  if [ ! -s "$1/categories.txt" ] || [ ! -s "$1/empty.pcap" ]; then
    die "$1: not prepared (run: ndpi.sh prepare LIST $1)"
  fi
}
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
rss_of() { # TIME_V_FILE: peak RSS in KiB from /usr/bin/time -v
  awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$1"
}

# A name ndpi_load_categories_file() would take apart or nDPI could never
# see in a host field is left out and reported with its line number: a tab
# splits the line, a line of 512 bytes or more is read in pieces.
prepare() { # LIST OUTDIR
  local list=$1 dir=$2
  [ -r "$list" ] || die "$list: cannot read"
  mkdir -p "$dir"
  rm -f "$dir/categories.txt" # a stale list must not survive a failed prepare
  awk -v id="$cat_id" -v src="$list" -v out="$dir/categories.txt" '
    { sub(/\r$/, ""); sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "") }
    $0 == "" || /^#/ { next }
    { name = tolower($0); sub(/\.$/, "", name) }
    length(name) > 253 || name !~ /^[a-z0-9_.-]+$/ || name ~ /\.\./ {
      if (bad++ < 5) printf "%s:%d: not a host name, left out: %.80s\n", src, NR, $0 > "/dev/stderr"
      next
    }
    { print name "\t" id > out; n++ }
    END {
      if (n == 0) exit 1
      close(out)
      printf "ndpi.sh prepare: %d names (%d left out) from %s -> %s, category %d\n",
             n, bad, src, out, id > "/dev/stderr"
    }' "$list" || die "$list: no usable name"
  # pcap global header, little-endian: magic, version 2.4, thiszone 0,
  # sigfigs 0, snaplen 65535, linktype 1 (Ethernet); no packet follows.
  printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' \
    >"$dir/empty.pcap"
}

load() { # OUTDIR
  local dir=$1 t0 secs rss
  need_reader
  need_prepared "$dir"
  t0=$(now)
  /usr/bin/time -v -o "$dir/load.time" \
    "$reader" -q -n 1 -c "$dir/categories.txt" -i "$dir/empty.pcap" >"$dir/load.out" 2>"$dir/load.err" ||
    die "ndpiReader failed on the empty capture: see $dir/load.err"
  secs=$(since "$t0")
  rss=$(rss_of "$dir/load.time")
  [ -n "$rss" ] || die "no peak RSS in $dir/load.time"
  echo "$secs $rss"
}

run() { # OUTDIR CAPTURE
  local dir=$1 cap=$2 t0 wall rss rep frames proc flagged lines uniq
  need_reader
  need_prepared "$dir"
  [ -r "$cap" ] || die "$cap: cannot read"
  t0=$(now)
  /usr/bin/time -v -o "$dir/run.time" \
    "$reader" -n 1 -v 2 -c "$dir/categories.txt" -i "$cap" >"$dir/run.out" 2>"$dir/run.err" ||
    die "ndpiReader failed on $cap: see $dir/run.err"
  wall=$(since "$t0")
  rss=$(rss_of "$dir/run.time")
  rep=$(awk -v cat="$cat_name" -f "$here/ndpi_report.awk" "$dir/run.out") ||
    die "$dir/run.out: ndpiReader printed no packet or timing figures (did it read $cap?)"
  read -r frames proc flagged lines uniq <<<"$rep"
  [ "$lines" = "$uniq" ] ||
    echo "ndpi.sh: $dir/run.out lists $lines flows of $uniq: FLAGGED_FLOWS counts the listed ones" >&2
  [ "$flagged" -gt 0 ] ||
    echo "ndpi.sh: no flow in category $cat_name: was the list applied? ($dir/run.out)" >&2
  echo "$frames $wall $proc $rss $flagged"
}

semantics() { # OUTDIR
  local dir=$1 names name
  need_reader
  mkdir -p "$dir"
  names=(evil.example www.evil.example a.b.evil.example EVIL.Example
         xevil.example x-evil.example evil.example.com evil.examplex
         evil-example example)
  printf 'evil.example\t%d\n' "$cat_id" >"$dir/semantics.txt"
  python3 "$here/ndpi_probe.py" "$dir/semantics.pcap" "${names[@]}"
  "$reader" -n 1 -v 2 -c "$dir/semantics.txt" -i "$dir/semantics.pcap" >"$dir/semantics.out" 2>&1 ||
    die "ndpiReader failed: see $dir/semantics.out"
  # ndpiReader lists flows by its own order; the probe's flow i has source
  # port 10000+i, so map each printed flow back to its name by that port.
  for i in "${!names[@]}"; do
    name=${names[$i]}
    if grep -E ":$((10000 + i)) .*\[cat: $cat_name\]" "$dir/semantics.out" >/dev/null; then
      echo "matched $name"
    else
      echo "unmatched $name"
    fi
  done
}

cmd=${1:-}
case "$cmd" in
  prepare) [ $# -eq 3 ] || die "usage: ndpi.sh prepare LIST OUTDIR"; prepare "$2" "$3" ;;
  load) [ $# -eq 2 ] || die "usage: ndpi.sh load OUTDIR"; load "$2" ;;
  run) [ $# -eq 3 ] || die "usage: ndpi.sh run OUTDIR CAPTURE"; run "$2" "$3" ;;
  semantics) [ $# -eq 2 ] || die "usage: ndpi.sh semantics OUTDIR"; semantics "$2" ;;
  *) die "usage: ndpi.sh prepare LIST OUTDIR | load OUTDIR | run OUTDIR CAPTURE | semantics OUTDIR" ;;
esac
