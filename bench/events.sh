#!/usr/bin/env bash
# bench/events.sh [MILLIONS] [BUILD]: install events per second, end to end
# from a file (read, parse, match every rule, score), one core.
# Generates MILLIONS million event lines (default 2): store installs of
# common apps with permissions, one in a thousand a fraud app from the
# sample (a rule hit, scored), over 10,000 subscribers.
set -euo pipefail
cd "$(dirname "$0")/.."
m=${1:-2}
build=${2:-build}
f=$(mktemp /tmp/fsc-events-XXXXXX.jsonl)
trap 'rm -f "$f"' EXIT
python3 - "$m" >"$f" <<'PY'
import json, sys
n = int(float(sys.argv[1]) * 1e6)
apps = [("com.tencent.mm", "微信"), ("com.eg.android.AlipayGphone", "支付宝"),
        ("com.taobao.taobao", "淘宝"), ("com.jingdong.app.mall", "京东"),
        ("com.ss.android.ugc.aweme", "抖音")]
bad = ("com.yidai.jinrong", "易贷金融")
perms = ["android.permission.INTERNET", "android.permission.CAMERA",
         "android.permission.ACCESS_FINE_LOCATION"]
base = 1795939200
out = sys.stdout
for i in range(n):
    pkg, label = bad if i % 1000 == 7 else apps[i % 5]
    p = perms + (["android.permission.READ_CONTACTS", "android.permission.READ_SMS"] if pkg == bad[0] else [])
    out.write(json.dumps({"ts": base + i // 100, "subscriber": f"S{i % 10000:05d}",
        "event": "install", "package": pkg, "label": label, "installer": "sideload" if pkg == bad[0] else "store",
        "permissions": p}, ensure_ascii=False) + "\n")
PY
lines=$(wc -l <"$f")
start=$(date +%s.%N)
taskset -c 0 "$build/fraudscan" replay --rules rules --events "$f" --alerts /dev/null 2>"$f.err" || true
end=$(date +%s.%N)
python3 -c "import sys; n=int(sys.argv[1]); t=float(sys.argv[3])-float(sys.argv[2]); print(f'{n} events in {t:.2f} s: {n/t:,.0f} events/s on one core')" "$lines" "$start" "$end"
grep -E 'events.read|rule_hits|alert.emitted' "$f.err" || true
rm -f "$f.err"
