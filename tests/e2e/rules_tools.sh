#!/usr/bin/env bash
# Analyst tools end to end: a failing sample is reported at its line; the
# database cache is used on a restart and a corrupt cache is ignored, never
# trusted; a list with bad lines loads the good ones and reports the bad;
# imports from the real STIX / MISP / CSV corpora (skipped when absent).
. "$(dirname "$0")/lib.sh"
R=$TMP/rules; mkdir -p "$R/lists"
printf 'good.example\n# a comment\nbad..example\nalso-good.example  # trailing comment\n*.wild.example\n' >"$R/lists/d.txt"
cat >"$R/r.yaml" <<'Y'
id: t-list
title: list rule
fraud_type: FT05
level: low
weight: 1
match:
  sel_dns:
    dns.query|suffix: '@lists/d.txt'
  sel_uri:
    http.uri|regex: '\.apk\z'
condition: sel_dns or sel_uri
tests:
  match:
    - {dns.query: a.good.example}
    - {dns.query: x.also-good.example}
  nomatch:
    - {dns.query: bad..example}
    - {dns.query: good.example}
Y
# one sample is wrong on purpose (the last): reported at its line, exit 1
if "$FRAUDSCAN" rules test "$R" >"$TMP/out" 2>"$TMP/err"; then fail "a failing sample passed"; fi
grep -q "r.yaml:18:7: error: This sample should not match the rule 't-list'" "$TMP/err" || { cat "$TMP/err" >&2; fail "failure not located"; }
[ "$(tail -n 1 "$TMP/out")" = "3 passed, 1 failed" ] || fail "summary: $(tail -n 1 "$TMP/out")"
grep -q "d.txt:3:1: warning: Skipped 'bad..example'" "$TMP/err" || fail "bad list line not reported"
grep -q "d.txt:5:1: warning: Skipped '\*.wild.example'" "$TMP/err" || fail "wildcard line not reported"

# cache: cold, warm, corrupt
C=$TMP/cache
"$FRAUDSCAN" rules check --cache "$C" "$R" >"$TMP/c1" 2>/dev/null
grep -q "cached" "$TMP/c1" && fail "first load claims the cache"
"$FRAUDSCAN" rules check --cache "$C" "$R" >"$TMP/c2" 2>/dev/null
grep -q "cached" "$TMP/c2" || fail "second load did not use the cache: $(cat "$TMP/c2")"
f=$(ls "$C"/*.fscdb); python3 - "$f" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
b[len(b) // 2] ^= 0xFF
open(p, 'wb').write(b)
PY
"$FRAUDSCAN" rules check --cache "$C" "$R" >"$TMP/c3" 2>/dev/null || fail "corrupt cache broke the load"
grep -q "cached" "$TMP/c3" && fail "corrupt cache was trusted"
head -c 20 "$f" >"$f.x" && mv "$f.x" "$f"
"$FRAUDSCAN" rules check --cache "$C" "$R" >/dev/null 2>&1 || fail "truncated cache broke the load"
"$FRAUDSCAN" rules check --cache "$C" "$R" | grep cached >/dev/null || fail "cache not rewritten"

# a malformed rule file is refused with its location; nothing crashes
printf 'id: x\nfraud_type: FT01\nlevel: low\nweight: 1\nmatch:\n  a: {dns.query: x.com}\n  b: {dns.query: y.com}\ncondition: a and (b or c\n' >"$TMP/bad.yaml"
if "$FRAUDSCAN" rules check "$TMP/bad.yaml" 2>"$TMP/berr"; then fail "bad condition accepted"; fi
grep -q "bad.yaml:8:24: error: The selection 'c' is not defined" "$TMP/berr" || { cat "$TMP/berr" >&2; fail "condition error not located"; }

IOCS=$SRCDIR/../shared/corpus/iocs
[ -d "$IOCS" ] || IOCS=/work/shared/corpus/iocs
if [ ! -d "$IOCS" ]; then echo "SKIP part: no IOC corpus at $IOCS"; echo "ok"; exit 0; fi
"$FRAUDSCAN" rules import --format stix --fraud-type FT12 --level high --weight 3 --name mvt \
  --out "$TMP/imp" "$IOCS"/mvt-indicators/*/*.stix2 >"$TMP/i1" 2>"$TMP/i1e" || fail "stix import failed"
grep -q "imported [1-9]" "$TMP/i1" || fail "stix: nothing imported"
"$FRAUDSCAN" rules import --format misp --fraud-type FT12 --level high --weight 3 --name stalker \
  --out "$TMP/imp" "$IOCS/stalkerware-indicators/misp_event.json" >"$TMP/i2" 2>"$TMP/i2e" || fail "misp import failed"
grep -q "unsupported" "$TMP/i2" || fail "misp summary"
grep -q "Object\[0\].Attribute\[[0-9]*\]: not imported: attribute type 'sha1' as certificate" "$TMP/i2e" || fail "misp sha1 cert not reported with its position"
"$FRAUDSCAN" rules import --format csv --fraud-type FT12 --level medium --weight 2 --name fb \
  --out "$TMP/imp" "$IOCS/facebook/2022_malicious_mobile_apps.csv" >"$TMP/i3" 2>"$TMP/i3e" || fail "csv import failed"
grep -q "indicator type 'ios_app_id'" "$TMP/i3e" || fail "csv unsupported type not reported"
# a MISP feed directory whose manifest lists a missing event
F=$TMP/feed; mkdir -p "$F"
u1=11111111-2222-3333-4444-555555555555; u2=66666666-7777-8888-9999-000000000000
printf '{"%s": {"info": "a"}, "%s": {"info": "b"}}' $u1 $u2 >"$F/manifest.json"
printf '{"Event": {"Attribute": [{"type": "domain", "value": "feed-bad.example"}, {"type": "ip-dst", "value": "300.1.1.1"}]}}' >"$F/$u1.json"
"$FRAUDSCAN" rules import --format misp-feed --fraud-type FT04 --name feed --out "$TMP/imp" "$F" >"$TMP/i4" 2>"$TMP/i4e" || fail "feed import failed"
grep -q "$u2.json cannot be read" "$TMP/i4e" || fail "missing feed event not reported"
grep -q "Event.Attribute\[1\]: '300.1.1.1' is not a valid IP address" "$TMP/i4e" || fail "bad ip not reported"
# the written rules load and match
"$FRAUDSCAN" rules check "$TMP/imp" >/dev/null 2>"$TMP/ck" || { cat "$TMP/ck" >&2; fail "imported rules do not load"; }
echo "ok"
