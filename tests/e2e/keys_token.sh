#!/usr/bin/env bash
# keys_token: `fraudscan keys token` makes a token whose printed entry,
# pasted into dispatch's tokens file, lets its holder in with the role and
# precincts asked for; the file keeps only the token's SHA-256.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
TMP=$(mktemp -d)
. "$(dirname "$0")/dispatch_lib.sh"

HPORT=$(free_port)
dispatch_config "  http: 127.0.0.1:$HPORT" "  journal: $TMP/journal"
"$FRAUDSCAN" keys token --name o.east --role officer --precinct P-EAST >"$TMP/tok.out"
tok=$(head -1 "$TMP/tok.out")
[ ${#tok} -eq 64 ] || fail "token is not 64 hex digits: $tok"
tail -n +2 "$TMP/tok.out" | grep -v '^#' >>"$TMP/tokens.yaml"
grep "$tok" "$TMP/tokens.yaml" >/dev/null && fail "the token itself landed in the tokens file"
h=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
grep "sha256: $h" "$TMP/tokens.yaml" >/dev/null || fail "the entry does not hold the token's SHA-256"
"$FRAUDSCAN" keys token --name x --role officer 2>/dev/null && fail "an officer without a precinct"
"$FRAUDSCAN" keys token --name x --role boss 2>/dev/null && fail "an unknown role"

dispatch_start
python3 - "$HPORT" "$tok" <<'P'
import json, sys, urllib.request, urllib.error
port, tok = sys.argv[1], sys.argv[2]
def get(path, token, body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
st, body = get("/alerts?queue=P-EAST", tok)
assert st == 200 and body["alerts"] == [], (st, body)
st, body = get("/paystops", tok, {"alert_id": "0" * 16, "bank": "B", "account": "1",
                                   "amount": 1, "reason": "r"})
assert st == 403, ("an officer requests a payment stop", st, body)
st, body = get("/alerts", "0" * 64)
assert st == 401, ("a token nobody was given", st, body)
P
dispatch_stop
echo "ok: keys token"
