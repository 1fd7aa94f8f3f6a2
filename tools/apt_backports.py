#!/usr/bin/env python3
"""tools/apt_backports.py CODENAME: print a deb822 apt source for
CODENAME-backports, derived from the machine's existing apt sources.
tools/apt_backports.py --has CODENAME: exit 0 when an enabled source
already gives CODENAME-backports, 1 when none does.

The entry that carries the release's main suite (Suites: CODENAME) is the
model: its mirror URIs, components and keyring are reused, only the suite
changes. Nothing here names an archive: a machine behind its own mirror or
snapshot keeps using it. Exits 1 when no such entry exists.

Reads /etc/apt/sources.list (one-line format) and
/etc/apt/sources.list.d/*.list and *.sources (deb822); files with other
endings (for example *.disabled) are ignored, as apt ignores them.
FSC_APT_ROOT, when set, is put in front of /etc (tests use it).
"""
import glob
import os
import sys


def deb822_entries(text):
    """Yields dicts of the stanzas of a deb822 file (continuation lines joined)."""
    entry, key = {}, None
    for line in text.splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if entry:
                yield entry
            entry, key = {}, None
        elif line[0] in " \t" and key:
            entry[key] += " " + line.strip()
        elif ":" in line:
            key, _, value = line.partition(":")
            key = key.strip().lower()
            entry[key] = value.strip()


def one_line_entries(text):
    """Yields the same dicts from one-line 'deb [opts] uri suite comp...' lines."""
    for line in text.splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) < 3 or words[0] != "deb":
            continue
        opts = {}
        if words[1].startswith("["):
            i = 1
            raw = []
            while i < len(words):
                raw.append(words[i])
                if words[i].endswith("]"):
                    break
                i += 1
            for o in " ".join(raw).strip("[]").split():
                k, _, v = o.partition("=")
                opts[k.lower()] = v
            words = [words[0]] + words[i + 1:]
        if len(words) < 3:
            continue
        e = {"types": "deb", "uris": words[1], "suites": words[2],
             "components": " ".join(words[3:])}
        if "signed-by" in opts:
            e["signed-by"] = opts["signed-by"]
        yield e


def main():
    args = sys.argv[1:]
    has = args[:1] == ["--has"]
    if has:
        args = args[1:]
    if len(args) != 1:
        sys.stderr.write("usage: apt_backports.py [--has] CODENAME\n")
        return 2
    codename = args[0]
    root = os.environ.get("FSC_APT_ROOT", "")
    etc = root + "/etc/apt"
    entries = []
    for path in [etc + "/sources.list"] + sorted(glob.glob(etc + "/sources.list.d/*.list")):
        try:
            entries += list(one_line_entries(open(path, encoding="utf-8").read()))
        except OSError:
            pass
    for path in sorted(glob.glob(etc + "/sources.list.d/*.sources")):
        entries += list(deb822_entries(open(path, encoding="utf-8").read()))
    enabled = [e for e in entries if "deb" in e.get("types", "").split() and
               e.get("enabled", "yes").lower() != "no"]
    if has:
        want = codename + "-backports"
        return 0 if any(want in e.get("suites", "").split() for e in enabled) else 1
    for e in enabled:
        if codename not in e.get("suites", "").split():
            continue
        out = ["Types: deb", "URIs: " + e["uris"], "Suites: %s-backports" % codename,
               "Components: " + (e.get("components") or "main")]
        if e.get("signed-by"):
            out.append("Signed-By: " + e["signed-by"])
        print("\n".join(out))
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
