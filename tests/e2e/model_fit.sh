#!/usr/bin/env bash
# `fraudscan model fit` on a realistic outcomes file: alerts as the engine
# writes them for the sample (their evidence, signals and weights), 600 of
# them, each marked confirmed_fraud or false_alarm by a "true" model that
# disagrees with the shipped one (fake-police and boss-impersonation hits
# are surer than shipped, gambling and shopping lookalikes are mostly false
# alarms), drawn with a fixed seed. The fit must print precision and recall
# per level before and after, write a model that loads, keep the running
# model untouched, and refuse to overwrite it.
. "$(dirname "$0")/lib.sh"
MODEL=$SRCDIR/models/default.yaml
replay_sample --alerts "$TMP/alerts.jsonl" 2>/dev/null
python3 - "$TMP/alerts.jsonl" >"$TMP/outcomes.jsonl" <<'PY'
import json, math, random, sys
rng = random.Random(20261129)
alerts = [json.loads(l) for l in open(sys.argv[1])]
pool = {}
for a in alerts:
    for e in a["evidence"]:
        if e["contribution"] > 0 and not e["rule"].startswith("boost:"):
            pool.setdefault(a["fraud_type"], {})[e["rule"]] = e
truth = {"FT08": 1.6, "FT07": 1.4, "FT13": 0.2, "FT03": 0.3, "FT11": 0.5}
groups = ["general", "student", "elderly", "young_worker", "finance_staff", "parent"]
for i in range(600):
    ft = rng.choice(sorted(pool))
    rules = sorted(pool[ft])
    ev = [pool[ft][r] for r in rng.sample(rules, rng.randint(1, len(rules)))]
    z = math.log(0.01 / 0.99) + sum(e["weight"] * truth.get(ft, 0.8) for e in ev)
    y = rng.random() < 1 / (1 + math.exp(-z))
    print(json.dumps({"alert_id": f"{i:016x}", "subscriber": f"S{i}", "fraud_type": ft,
                      "victim_group": rng.choice(groups), "evidence": ev,
                      "disposition": "confirmed_fraud" if y else "false_alarm"}))
print("not json")   # a bad line is reported and skipped
PY
before=$(sha256sum "$MODEL")
"$FRAUDSCAN" model fit --outcomes "$TMP/outcomes.jsonl" --model "$MODEL" --out "$TMP/new.yaml" \
  >"$TMP/fit.out" 2>"$TMP/fit.err" || { cat "$TMP/fit.out" "$TMP/fit.err"; fail "model fit failed"; }
cat "$TMP/fit.out"
grep -q '^before .*low .*P [0-9.]* R [0-9.]*.*critical' "$TMP/fit.out" || fail "no before line"
grep -q '^after ' "$TMP/fit.out" || fail "no after line"
grep -q 'outcomes.jsonl:601: error' "$TMP/fit.err" || { cat "$TMP/fit.err"; fail "bad line not reported"; }
[ "$(sha256sum "$MODEL")" = "$before" ] || fail "the running model was changed"
"$FRAUDSCAN" model check "$TMP/new.yaml" | grep 'model 2026.11.1-fit+' >/dev/null || fail "new model does not load"
# the fitted model scores the sample too
replay_sample --model "$TMP/new.yaml" --alerts "$TMP/fitted.jsonl" 2>/dev/null
grep -q '"model_version":"2026.11.1-fit+' "$TMP/fitted.jsonl" || fail "fitted model not in alerts"
if "$FRAUDSCAN" model fit --outcomes "$TMP/outcomes.jsonl" --model "$MODEL" --out "$MODEL" 2>/dev/null; then
  fail "fit overwrote the running model"
fi
# a model with a typo: file:line:col, refused, exit 1
sed 's/^cooldown:/cooldwn:/' "$MODEL" >"$TMP/typo.yaml"
if "$FRAUDSCAN" model check "$TMP/typo.yaml" 2>"$TMP/typo.err"; then fail "typo accepted"; fi
grep -Eq "typo.yaml:[0-9]+:1: error: unknown key 'cooldwn'" "$TMP/typo.err" || { cat "$TMP/typo.err"; fail "typo not located"; }
echo "ok: model fit"
