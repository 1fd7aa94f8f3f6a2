#!/usr/bin/env bash
# `fraudscan run` reloads its risk model with the rules (SIGHUP, `ctl
# reload`): an install event followed from a file is alerted with the
# model's version; after the model file is edited and SIGHUP sent, the next
# alert carries the new version; a model with a typo is refused at
# file:line:col, counted in model.reload_failures, and the previous model
# goes on scoring. The engine captures on the loopback of a network
# namespace of its own (nothing arrives there): it only has to keep running.
. "$(dirname "$0")/lib.sh"
netns_setup fsc-model

cp "$SRCDIR/models/default.yaml" "$TMP/model.yaml"
ctl="ipc://$TMP/ctl"
cat >"$TMP/run.yaml" <<EOC
capture:
  interface: lo
rules:
  path: $SRCDIR/rules
model:
  file: $TMP/model.yaml
alerts:
  file: $TMP/alerts.jsonl
events:
  file: $TMP/events.jsonl
control:
  endpoint: $ctl
EOC
: >"$TMP/events.jsonl"
: >"$TMP/alerts.jsonl"
run_in_ns

# install WHO: the sample's spy-loan install (FT05, high on its own) for WHO
install() {
  printf '{"ts":"2026-11-29T08:38:30Z","subscriber":"%s","event":"install","package":"com.yidai.jinrong","label":"易贷金融","installer":"sideload","cert_sha256":"ee0592e1e2983e205ab08cf331af21e1c91ec63949c31b1eb4e07afb2f55440a","permissions":["android.permission.READ_CONTACTS","android.permission.READ_SMS","android.permission.CAMERA","android.permission.INTERNET"]}\n' "$1" >>"$TMP/events.jsonl"
}
# version_of WHO: the model_version of WHO's first alert, waiting for it
version_of() {
  for _ in $(seq 100); do
    v=$(python3 - "$TMP/alerts.jsonl" "$1" <<'EOP'
import json, sys
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["subscriber"] == sys.argv[2]:
        print(a["model_version"]); break
EOP
)
    [ -n "$v" ] && { echo "$v"; return 0; }
    sleep 0.1
  done
  cat "$TMP/run.err" >&2
  fail "no alert for $1"
}
# wait_log TEXT: until the engine's log says TEXT
wait_log() {
  for _ in $(seq 100); do grep -F -- "$1" "$TMP/run.err" >/dev/null && return 0; sleep 0.1; done
  cat "$TMP/run.err" >&2
  fail "the engine never said: $1"
}

install S9001
v1=$(version_of S9001)
case "$v1" in 2026.11.1+*) ;; *) fail "first alert has model_version '$v1', not the shipped 2026.11.1+digest" ;; esac

# a new version of the model, picked up on SIGHUP
sed -i 's/^version: .*/version: "2026.11.2-reload"/' "$TMP/model.yaml"
kill -HUP "$engine"
wait_log "ok: model 2026.11.2-reload+"
install S9002
v2=$(version_of S9002)
case "$v2" in 2026.11.2-reload+*) ;; *) fail "after SIGHUP the alert has model_version '$v2'" ;; esac

# a typo: refused where it is, counted; the running model stays
line=$(grep -n '^thresholds:' "$TMP/model.yaml" | cut -d: -f1)
sed -i 's/^thresholds:/thresholdz:/' "$TMP/model.yaml"
sed -i 's/^version: .*/version: "2026.11.3-broken"/' "$TMP/model.yaml"
if "$FRAUDSCAN" ctl --connect "$ctl" reload >"$TMP/reload.out"; then
  cat "$TMP/reload.out"; fail "ctl reload of a broken model exited 0"
fi
grep "^error: model $TMP/model.yaml refused; the running model is kept" "$TMP/reload.out" >/dev/null ||
  { cat "$TMP/reload.out"; fail "no refusal in the reply"; }
grep -E "^$TMP/model.yaml:$line:1: error: .*thresholdz" "$TMP/reload.out" >/dev/null ||
  { cat "$TMP/reload.out"; fail "the reply does not say file:$line:1 and the key"; }
grep -E "model.yaml:$line:1: error" "$TMP/run.err" >/dev/null || fail "the engine's log does not say where"
"$FRAUDSCAN" ctl --connect "$ctl" stats >"$TMP/stats"
grep -E '^model.reload_failures 1$' "$TMP/stats" >/dev/null || { cat "$TMP/stats"; fail "model.reload_failures is not 1"; }
grep -E '^model.reloads 1$' "$TMP/stats" >/dev/null || { cat "$TMP/stats"; fail "model.reloads is not 1"; }
grep -E '^model.version 2026.11.2-reload\+' "$TMP/stats" >/dev/null || { cat "$TMP/stats"; fail "stats do not show the running model"; }
install S9003
v3=$(version_of S9003)
[ "$v3" = "$v2" ] || fail "after a refused reload the alert has model_version '$v3', not '$v2'"
kill -0 "$engine" 2>/dev/null || fail "the engine stopped"
echo "ok: model reloaded on SIGHUP ($v1 -> $v2); a typo refused at model.yaml:$line:1, counted, $v2 kept"
