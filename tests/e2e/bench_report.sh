#!/usr/bin/env bash
# bench/run's own logic, on known inputs: flagged_compare.py sorts every
# name the two engines flag differently into the right class, and
# report.py's table states each target's verdict from the figures.
. "$(dirname "$0")/lib.sh"

printf 'evil.top\npay-x.vip\nonly-fsc.cc\n' >"$TMP/list.txt"
# fraudscan --hits: where, src, dst, field, value, rule
cat >"$TMP/hits.tsv" <<'EOH'
frame:1	10.0.0.1	10.0.0.53	dns.query	evil.top	r
frame:2	10.0.0.1	10.0.0.53	dns.query	www.evil.top	r
frame:3	10.0.0.1	1.2.3.4	tls.sni	Pay-X.vip	r
frame:4	10.0.0.1	1.2.3.4	tls.sni	only-fsc.cc	r
frame:5	10.0.0.1	1.2.3.4	http.uri	/x	r2
frame:6	10.0.0.1	1.2.3.4	quic.sni	evil.top	r
EOH
printf 'dns.query\tevil.top\ntls.sni\tpay-x.vip\nhttp.host\tevil.top\n' >"$TMP/suri.tsv"
python3 "$SRCDIR/bench/flagged_compare.py" "$TMP/hits.tsv" "$TMP/suri.tsv" "$TMP/list.txt" \
  "$TMP/diff.txt" >"$TMP/res.tsv"
want() { grep -F "$(printf 'traffic\t%s\t%s' "$1" "$2")" "$TMP/res.tsv" >/dev/null ||
  { cat "$TMP/res.tsv" >&2; fail "expected $1 = $2"; }; }
want flagged.both 2
want flagged.suricata_only 1
want flagged.fsc_only.under_listed_name 1
want flagged.fsc_only.listed_missed_by_suricata 1
want flagged.fsc_only.field_not_inspected_by_suricata 1
want flagged.fsc_only.other 0
grep -F "$(printf 'fraudscan_only:under_listed_name\tdns.query\twww.evil.top')" "$TMP/diff.txt" >/dev/null ||
  fail "the subdomain is not listed in the diff"
grep -F "$(printf 'suricata_only\thttp.host\tevil.top')" "$TMP/diff.txt" >/dev/null ||
  fail "Suricata's own name is not listed in the diff"

cat >>"$TMP/res.tsv" <<'EOR'
traffic	frames	1000
traffic	bytes	800000
traffic	100000.noop	4000000
traffic	100000.fsc1	1800000
traffic	100000.suricata	400000
traffic	ratio.fsc1_noop	0.45
traffic	ratio.fsc1_suricata	4.5
rules	1000000.fsc_cold_s	0.400
rules	1000000.fsc_cold_kib	300000
rules	1000000.fsc_compile_s	0.2
rules	1000000.fsc_cached_s	0.300
rules	1000000.fsc_cached_kib	290000
rules	1000000.suricata_s	1.300
rules	1000000.suricata_kib	250000
events	per_core	1500000
events	100000.p50_ms	0.3
events	100000.p99_ms	6.1
memory	10000000.rss_bytes	247
EOR
mkdir -p "$TMP/out"
python3 "$SRCDIR/bench/report.py" "$TMP/res.tsv" "$TMP/out" >"$TMP/report.md"
check() { grep -F "$1" "$TMP/report.md" >/dev/null || { cat "$TMP/report.md" >&2; fail "report lacks: $1"; }; }
check '| fraudscan 1 worker / no-op reader | 0.45 | ≥ 0.50: **not met** |'
check '| fraudscan 1 worker / Suricata | 4.5 | ≥ 5: **not met** |'
check '3.2x cold (met), 4.3x cached (met)'
check '| install events/s, one core, file → alerts | 1.50 M | ≥ 1 M: met |'
check 'p99 ≤ 5 ms: **not met**'
check '| 10,000,000 | 247 | ≤ 256: met |'
check 'Suricata only 1; fraudscan only: 1 listed names Suricata missed, 1 names under a listed name'
echo "ok"
