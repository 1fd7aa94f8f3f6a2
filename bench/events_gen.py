#!/usr/bin/env python3
"""bench/events_gen.py MILLIONS [EVERY] [PEOPLE]: the install events of
bench/events.sh, events_instr.sh and state_nodes.sh on stdout: store
installs of common apps with permissions, one in EVERY (default 1000) a
fraud app from the sample (a rule hit, scored), over PEOPLE subscribers
(default 10,000). Deterministic."""
import json, sys
n = int(float(sys.argv[1]) * 1e6)
every = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
people = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
apps = [("com.tencent.mm", "微信"), ("com.eg.android.AlipayGphone", "支付宝"),
        ("com.taobao.taobao", "淘宝"), ("com.jingdong.app.mall", "京东"),
        ("com.ss.android.ugc.aweme", "抖音")]
bad = ("com.yidai.jinrong", "易贷金融")
perms = ["android.permission.INTERNET", "android.permission.CAMERA",
         "android.permission.ACCESS_FINE_LOCATION"]
base = 1795939200
out = sys.stdout
for i in range(n):
    pkg, label = bad if i % every == 7 % every else apps[i % 5]
    p = perms + (["android.permission.READ_CONTACTS", "android.permission.READ_SMS"] if pkg == bad[0] else [])
    out.write(json.dumps({"ts": base + i // 100, "subscriber": f"S{i % people:05d}",
        "event": "install", "package": pkg, "label": label, "installer": "sideload" if pkg == bad[0] else "store",
        "permissions": p}, ensure_ascii=False) + "\n")
