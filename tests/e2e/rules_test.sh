#!/usr/bin/env bash
# `fraudscan rules test rules/`: every embedded sample of the shipped pack
# passes, and the output ends with exactly "N passed, 0 failed".
. "$(dirname "$0")/lib.sh"
"$FRAUDSCAN" rules test "$SRCDIR/rules" >"$TMP/out" 2>"$TMP/err" || { cat "$TMP/out" "$TMP/err" >&2; fail "rules test failed"; }
last=$(tail -n 1 "$TMP/out")
[[ "$last" =~ ^[0-9]+\ passed,\ 0\ failed$ ]] || fail "last line is '$last'"
n=${last%% *}
[ "$n" -ge 40 ] || fail "only $n samples"
echo "ok: $last"
