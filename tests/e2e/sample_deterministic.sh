#!/usr/bin/env bash
# sample_deterministic: tools/gen-sample must reproduce feeds/sample/ byte
# for byte (fixed seeds, fixed base time, no hash ordering), whatever the
# hash seed or the clock; and, when tshark is installed, Wireshark must see
# every victim signal in traffic.pcap with no error-level expert note.
source "$(dirname "$0")/lib.sh"

PYTHONHASHSEED=random python3 "$SRCDIR/tools/gen-sample" "$TMP/a" >/dev/null
PYTHONHASHSEED=12345 TZ=Asia/Shanghai python3 "$SRCDIR/tools/gen-sample" "$TMP/b" >/dev/null
for f in traffic.pcap events.jsonl identity.csv profiles.csv README.md; do
  [ -f "$SAMPLE/$f" ] || fail "feeds/sample/$f is missing (run tools/gen-sample)"
  cmp "$TMP/a/$f" "$TMP/b/$f" || fail "$f differs between two runs"
  cmp "$TMP/a/$f" "$SAMPLE/$f" || fail "feeds/sample/$f is stale: run tools/gen-sample"
done
echo "ok: gen-sample reproduces feeds/sample/ byte for byte"

command -v tshark >/dev/null || { echo "ok: tshark absent, dissection check skipped"; exit 0; }
tshark -r "$SAMPLE/traffic.pcap" \
  -Y 'dns.flags.response==0 || tls.handshake.type==1 || http.request' \
  -T fields -e ip.src -e ipv6.src -e dns.qry.name \
  -e tls.handshake.extensions_server_name -e http.host -e http.request.uri \
  >"$TMP/fields" 2>/dev/null
while read -r src value; do
  grep -P "^\Q$src\E\t.*\t\Q$value\E(\t|$)|^\t\Q$src\E\t.*\Q$value\E" "$TMP/fields" >/dev/null ||
    fail "tshark does not see $value from $src"
done <<'SIGNALS'
10.20.1.11 m.taskhub-rebate.top
10.20.1.11 api.taskhub-rebate.top
10.20.2.22 ga-case-verify.com
10.20.2.22 /download/safe-guard.apk
2001:db8:20:3::33 kefu-refund-jd.com
10.20.4.44 bosslink-im.cc
10.20.5.55 api.yidai-loan.xyz
10.20.6.66 mt5-global-trade.vip
10.20.6.66 www.mt5-global-trade.vip
10.20.6.66 /register
10.99.0.7 lucky-casino88.bet
SIGNALS
tshark -r "$SAMPLE/traffic.pcap" -q -z expert,error >"$TMP/expert" 2>/dev/null
if grep -qE '^\s*[0-9]+\s+' "$TMP/expert"; then
  cat "$TMP/expert" >&2
  fail "tshark reports error-level expert notes in traffic.pcap"
fi
echo "ok: tshark sees every victim signal and no malformed frame"
