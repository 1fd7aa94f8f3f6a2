#!/usr/bin/env bash
# CURVE between engines and dispatch: keys made by `fraudscan keys
# generate`; an engine whose public key is in curve.clients_keys_dir is
# stored; one with an unknown key is refused by the ZAP handler (nothing
# stored, the refusal logged with the key, counted), and its alerts stay in
# its spool; a plain engine cannot talk to a CURVE dispatch either.
# (Plain operation without keys is what the other dispatch tests run.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dispatch_lib.sh"
K=$TMP/keys
mkdir -p "$K/allowed"
for n in dispatch engine1 stranger; do
  "$FRAUDSCAN" keys generate --out "$K" "$n" >/dev/null || fail "keys generate $n failed"
done
[ "$(stat -c %a "$K/engine1.key")" = 600 ] || fail "a secret key file is not mode 0600"
[ "$(tr -d '\n' <"$K/engine1.pub" | wc -c)" -eq 40 ] || fail "a public key is not 40 Z85 chars"
"$FRAUDSCAN" keys generate --out "$K" engine1 2>/dev/null && fail "keys generate overwrote a key"
cp "$K/engine1.pub" "$K/allowed/"
dispatch_config "  journal: $TMP/journal" "curve:" \
  "  secret_key_file: $K/dispatch.key" "  public_key_file: $K/dispatch.pub" \
  "  clients_keys_dir: $K/allowed"
dispatch_start
grep "CURVE on" "$TMP/dispatch.err" >/dev/null || fail "dispatch did not say CURVE is on"

engine() { # NAME KEY [extra...]
  local name=$1 key=$2; shift 2
  gen_events 300 0 | "$FRAUDSCAN" replay --rules "$SRCDIR/rules" --events - \
    --alerts "$TMP/$name.jsonl" --dispatch "$DEP" --spool "$TMP/spool-$name" "$@" \
    2>"$TMP/$name.err"
}
engine allowed x --curve-server-key "$K/dispatch.pub" --curve-key "$K/engine1.key" \
  --dispatch-wait 20 || { cat "$TMP/allowed.err"; fail "the allowed engine failed"; }
grep -E "spool.acknowledged +300\$" "$TMP/allowed.err" >/dev/null ||
  { cat "$TMP/allowed.err" "$TMP/dispatch.err"; fail "the allowed engine was not acknowledged"; }
stored=$(journal_ids "$TMP/journal" | wc -l)
[ "$stored" -eq 300 ] || fail "$stored alerts stored from the allowed engine, not 300"

engine stranger x --curve-server-key "$K/dispatch.pub" --curve-key "$K/stranger.key" \
  --dispatch-wait 2 || true
engine plain x --dispatch-wait 2 || true
dispatch_stop
stored=$(journal_ids "$TMP/journal" | wc -l)
[ "$stored" -eq 300 ] || fail "$stored alerts stored: an unknown or plain engine got in"
grep "300 alerts not yet acknowledged" "$TMP/stranger.err" >/dev/null ||
  { cat "$TMP/stranger.err"; fail "the refused engine does not say its alerts stay spooled"; }
grep "refused this engine's CURVE key" "$TMP/stranger.err" >/dev/null ||
  { cat "$TMP/stranger.err"; fail "the refused engine was not told why"; }
grep -F "refused key $(tr -d '\n' <"$K/stranger.pub")" "$TMP/dispatch.err" >/dev/null ||
  { cat "$TMP/dispatch.err"; fail "dispatch did not log the refused key"; }
grep -E "[1-9][0-9]* CURVE refusals" "$TMP/dispatch.err" >/dev/null ||
  { cat "$TMP/dispatch.err"; fail "the refusals were not counted"; }
[ "$(cat "$TMP/spool-stranger/acked" 2>/dev/null || echo 0)" -eq 0 ] ||
  fail "the refused engine's spool says something was acknowledged"
echo "ok: allowed key stored 300, unknown key and plain engine refused, refusals logged"
