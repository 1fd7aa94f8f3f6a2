#!/usr/bin/env bash
# tools/apt_backports.py: the backports source is derived from the
# machine's own apt sources (deb822 or one-line), never written by hand.
. "$(dirname "$0")/lib.sh"
gen() { FSC_APT_ROOT="$TMP/$1" python3 "$SRCDIR/tools/apt_backports.py" bookworm; }

# deb822, with a disabled file and another release beside it
mkdir -p "$TMP/a/etc/apt/sources.list.d"
cat >"$TMP/a/etc/apt/sources.list.d/debian.sources" <<'EOS'
Types: deb
# a comment
URIs: http://mirror.example.invalid/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
printf 'deb http://other.invalid/x bookworm main\n' >"$TMP/a/etc/apt/sources.list.d/x.list.disabled"
gen a >"$TMP/a.out" || fail "no entry derived from deb822"
grep -x 'Suites: bookworm-backports' "$TMP/a.out" >/dev/null || fail "suite"
grep -x 'URIs: http://mirror.example.invalid/debian' "$TMP/a.out" >/dev/null || fail "the machine's mirror"
grep -x 'Components: main contrib' "$TMP/a.out" >/dev/null || fail "components"
grep -x 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' "$TMP/a.out" >/dev/null || fail "keyring"

# --has: an enabled backports entry counts; a commented or disabled one does not
FSC_APT_ROOT="$TMP/a" python3 "$SRCDIR/tools/apt_backports.py" --has bookworm &&
  fail "--has without a backports entry"
printf '# deb http://m.invalid/debian bookworm-backports main\n' >"$TMP/a/etc/apt/sources.list"
printf 'deb http://m.invalid/debian bookworm-backports main\n' >"$TMP/a/etc/apt/sources.list.d/b.list.disabled"
FSC_APT_ROOT="$TMP/a" python3 "$SRCDIR/tools/apt_backports.py" --has bookworm &&
  fail "--has counted a commented or disabled entry"
gen a >"$TMP/a.out"
sed 's/^Suites: .*/Suites: bookworm-backports/' "$TMP/a.out" >"$TMP/a/etc/apt/sources.list.d/fb.sources"
FSC_APT_ROOT="$TMP/a" python3 "$SRCDIR/tools/apt_backports.py" --has bookworm ||
  fail "--has missed the entry it derived"

# one-line format with options
mkdir -p "$TMP/b/etc/apt"
printf '# x\ndeb-src http://src.invalid/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.invalid/debian bookworm main\n' \
  >"$TMP/b/etc/apt/sources.list"
gen b >"$TMP/b.out" || fail "no entry derived from sources.list"
grep -x 'URIs: http://m.invalid/debian' "$TMP/b.out" >/dev/null || fail "one-line mirror"
grep -x 'Signed-By: /k.gpg' "$TMP/b.out" >/dev/null || fail "one-line keyring"

# nothing for this release: exit 1, nothing printed
mkdir -p "$TMP/c/etc/apt"
printf 'deb http://m.invalid/debian trixie main\n' >"$TMP/c/etc/apt/sources.list"
if gen c >"$TMP/c.out"; then fail "derived a source from another release"; fi
[ ! -s "$TMP/c.out" ] || fail "printed something without a source"
echo ok
