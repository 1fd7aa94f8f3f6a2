#!/usr/bin/env bash
# rules stats: the shipped pack's counts, a list named by several conditions
# shown once with its references, and a second run read from the cache.
. "$(dirname "$0")/lib.sh"

mkdir -p "$TMP/r/lists" "$TMP/cache"
printf 'evil-loan.top\n# a comment\nbad name with spaces\ncash-fast.vip\n' >"$TMP/r/lists/loan.txt"
cat >"$TMP/r/loan.yaml" <<'EOR'
id: t-loan
title: loan domains on two fields
fraud_type: FT05
level: medium
weight: 1.0
match:
  sel_dns:
    dns.query|suffix: '@lists/loan.txt'
  sel_tls:
    tls.sni|suffix: '@lists/loan.txt'
condition: 1 of sel_*
EOR
"$FRAUDSCAN" rules stats --cache "$TMP/cache" "$TMP/r" >"$TMP/s1.txt" 2>"$TMP/s1.err" ||
  { cat "$TMP/s1.txt" "$TMP/s1.err" >&2; fail "rules stats failed"; }
grep -E '^rules +1 active' "$TMP/s1.txt" >/dev/null || { cat "$TMP/s1.txt" >&2; fail "rule count"; }
grep -E '^dns\.query +2 ' "$TMP/s1.txt" >/dev/null || { cat "$TMP/s1.txt" >&2; fail "dns.query values"; }
grep -F 'lists         1 files, 2 values, 1 bad lines skipped (2 references)' "$TMP/s1.txt" >/dev/null ||
  { cat "$TMP/s1.txt" >&2; fail "the list line"; }
[ "$(grep -c 'lists/loan.txt' "$TMP/s1.txt")" = 1 ] || { cat "$TMP/s1.txt" >&2; fail "the list shown more than once"; }
grep -E 'lists/loan\.txt +2 values +1 bad +2 references' "$TMP/s1.txt" >/dev/null ||
  { cat "$TMP/s1.txt" >&2; fail "the list's own line"; }
if grep 'from the cache' "$TMP/s1.txt" >/dev/null; then fail "first run claims the cache"; fi
"$FRAUDSCAN" rules stats --cache "$TMP/cache" "$TMP/r" >"$TMP/s2.txt" 2>/dev/null
grep 'from the cache' "$TMP/s2.txt" >/dev/null || { cat "$TMP/s2.txt" >&2; fail "second run compiled again"; }
"$FRAUDSCAN" rules stats --cache - "$SRCDIR/rules" >"$TMP/pack.txt"
grep -E '^rules +[0-9]+ active' "$TMP/pack.txt" >/dev/null || fail "the shipped pack"
# '-' and 'none' mean no cache for every command: never a directory of that name
(cd "$TMP" && "$FRAUDSCAN" rules stats --cache - r >/dev/null &&
  "$FRAUDSCAN" rules check --cache none r >/dev/null &&
  "$FRAUDSCAN" replay --quiet --rules r --rules-cache - --alerts /dev/null \
    "$SAMPLE/traffic.pcap" >/dev/null &&
  "$FRAUDSCAN" replay --quiet --rules r --rules-cache none --alerts /dev/null \
    "$SAMPLE/traffic.pcap" >/dev/null) || fail "a run without a cache failed"
[ ! -e "$TMP/-" ] && [ ! -e "$TMP/none" ] || fail "'--rules-cache -' or 'none' made a directory"
echo "ok"
