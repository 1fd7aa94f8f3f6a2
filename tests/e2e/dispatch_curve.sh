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
for n in dispatch engine1 stranger officer1; do
  "$FRAUDSCAN" keys generate --out "$K" "$n" >/dev/null || fail "keys generate $n failed"
done
[ "$(stat -c %a "$K/engine1.key")" = 600 ] || fail "a secret key file is not mode 0600"
[ "$(tr -d '\n' <"$K/engine1.pub" | wc -c)" -eq 40 ] || fail "a public key is not 40 Z85 chars"
"$FRAUDSCAN" keys generate --out "$K" engine1 2>/dev/null && fail "keys generate overwrote a key"
cp "$K/engine1.pub" "$K/officer1.pub" "$K/allowed/"
CEP=tcp://127.0.0.1:$(free_port)
dispatch_config "  journal: $TMP/journal" "  clients: $CEP" "curve:" \
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

# officers' and liaisons' clients too: with an allowed key (from the
# environment) a list is answered; without keys nothing is
printf 't-admin-%s\n' "$$" >"$TMP/tok.admin"
FRAUDSCAN_CURVE_KEY=$K/officer1.key FRAUDSCAN_CURVE_SERVER_KEY=$K/dispatch.pub \
  "$FRAUDSCAN" alerts list --dispatch "$CEP" --token-file "$TMP/tok.admin" >"$TMP/list.out" \
  2>"$TMP/list.err" || { cat "$TMP/list.err"; fail "a client with an allowed key got no list"; }
[ "$(grep -c '"alert_id"' "$TMP/list.out")" -ge 1 ] ||
  { cat "$TMP/list.out" "$TMP/list.err"; fail "the CURVE client's list holds no alert"; }
"$FRAUDSCAN" alerts list --dispatch "$CEP" --token-file "$TMP/tok.admin" >/dev/null \
  2>"$TMP/plain-list.err" && fail "a client without keys was answered by a CURVE dispatch"
FRAUDSCAN_CURVE_KEY=$K/officer1.key "$FRAUDSCAN" alerts list --dispatch "$CEP" \
  --token-file "$TMP/tok.admin" >/dev/null 2>"$TMP/half.err" && fail "half a CURVE setting ran"
grep "FRAUDSCAN_CURVE_SERVER_KEY" "$TMP/half.err" >/dev/null ||
  { cat "$TMP/half.err"; fail "half a CURVE setting is not reported"; }

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
echo "ok: allowed key stored 300, unknown key and plain engine refused, refusals logged; a CURVE client answered, a plain one not"
