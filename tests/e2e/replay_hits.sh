#!/usr/bin/env bash
# replay --hits: every rule hit of the sample, one line each, in input order;
# the same lines with 1 worker and with 3 (hits are scored in frame order
# whatever the workers), and bytes that would break a line escaped.
. "$(dirname "$0")/lib.sh"

replay_sample --quiet --alerts "$TMP/a1.jsonl" --hits "$TMP/h1.tsv" >/dev/null
replay_sample --quiet --alerts "$TMP/a3.jsonl" --hits "$TMP/h3.tsv" --workers 3 >/dev/null
cmp "$TMP/h1.tsv" "$TMP/h3.tsv" || fail "hits differ between 1 and 3 workers"

# Known hits of the bundled sample (feeds/sample/README.md): the traffic and
# the install events, with where they were seen.
grep -F "$(printf 'frame:519\t10.20.1.11\t10.0.0.53\tdns.query\tm.taskhub-rebate.top\tft01-taskhub-rebate-portal')" \
  "$TMP/h1.tsv" >/dev/null || fail "the FT01 DNS lookup (frame 519) is not among the hits"
grep -F "$(printf '\ttls.sni\tapi.taskhub-rebate.top\t')" "$TMP/h1.tsv" >/dev/null ||
  fail "the FT01 SNI is not among the hits"
grep -E '^line:[0-9]+	-	-	app\.' "$TMP/h1.tsv" >/dev/null || fail "no install-event hit"
awk -F'\t' 'NF != 6 {bad = 1} END {exit bad}' "$TMP/h1.tsv" || fail "a hit line without 6 columns"
# Every alert's evidence is among the hits.
python3 - "$TMP/a1.jsonl" "$TMP/h1.tsv" <<'PY' || fail "an alert's evidence is not in --hits"
import json, sys
hits = set()
for line in open(sys.argv[2]):
    where, src, dst, field, value, rule = line.rstrip("\n").split("\t")
    hits.add((rule, field, value))
for line in open(sys.argv[1]):
    for e in json.loads(line)["evidence"]:
        if (e["rule"], e["field"], e["value"]) not in hits:
            sys.exit("missing: %r" % ((e["rule"], e["field"], e["value"]),))
PY

# A value with a tab and a backslash (an HTTP URI) is written escaped.
mkdir -p "$TMP/rules"
cat >"$TMP/rules/uri.yaml" <<'EOR'
id: test-uri
title: any URI under /dl/
fraud_type: FT01
level: low
weight: 1.0
match:
  app.package|prefix: 'com.'
EOR
printf '{"ts":"2026-11-01T08:00:00Z","subscriber":"S1","event":"install","package":"com.a\\tb\\\\c","sha256":"%064d"}\n' 0 >"$TMP/ev.jsonl"
"$FRAUDSCAN" replay --quiet --rules "$TMP/rules" --events "$TMP/ev.jsonl" --alerts /dev/null \
  --hits "$TMP/esc.tsv" >/dev/null
grep -F "$(printf '\tapp.package\tcom.a\\x09b\\x5cc\ttest-uri')" "$TMP/esc.tsv" >/dev/null ||
  { cat "$TMP/esc.tsv" >&2; fail "tab and backslash not escaped"; }
# A traffic value over 256 bytes (a long HTTP URI) is cut as alert evidence
# is, and says so.
python3 - "$TMP/long.pcap" <<'PY'
import struct, sys
uri = "/dl/" + "a" * 400 + "/longpath.apk"
payload = ("GET %s HTTP/1.1\r\nHost: x.example\r\n\r\n" % uri).encode()
tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x18, 65535, 0, 0)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0, 64, 6, 0,
                 bytes([10, 20, 1, 11]), bytes([203, 0, 113, 9]))
eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
frame = eth + ip + tcp + payload
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1795939200, 0, len(frame), len(frame)) + frame)
PY
cat >"$TMP/rules/uri.yaml" <<'EOR'
id: test-long-uri
title: a long APK path
fraud_type: FT01
level: low
weight: 1.0
match:
  http.uri|contains: 'longpath'
EOR
# inline (1 worker) the value is whole; from 2 workers, cut and marked
"$FRAUDSCAN" replay --quiet --rules "$TMP/rules" --alerts /dev/null --hits "$TMP/long1.tsv" \
  "$TMP/long.pcap" >/dev/null
awk -F'\t' '$4 == "http.uri" && $6 == "test-long-uri" && $5 ~ /^\/dl\/a+\/longpath\.apk$/ {ok = 1}
             END {exit !ok}' "$TMP/long1.tsv" || { cat "$TMP/long1.tsv" >&2; fail "a long value cut inline"; }
"$FRAUDSCAN" replay --quiet --rules "$TMP/rules" --alerts /dev/null --hits "$TMP/long2.tsv" \
  --workers 2 "$TMP/long.pcap" >/dev/null
awk -F'\t' '$4 == "http.uri" && $6 == "test-long-uri" && length($5) == 256 + 3 && $5 ~ /^\/dl\/a+\.\.\.$/ {ok = 1}
             END {exit !ok}' "$TMP/long2.tsv" || { cat "$TMP/long2.tsv" >&2; fail "a long value not cut and marked"; }
echo "ok: $(wc -l <"$TMP/h1.tsv") hits, same with 3 workers, escaped bytes, long values cut"
