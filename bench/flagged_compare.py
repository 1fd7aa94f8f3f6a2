#!/usr/bin/env python3
"""bench/flagged_compare.py FSC_HITS SURICATA_FLAGGED LIST DIFF_OUT

Compares the host names fraudscan and Suricata flagged on the same capture
with the same list. FSC_HITS is `fraudscan replay --hits` output (where,
src, dst, field, value, rule); SURICATA_FLAGGED is bench/peers/suricata.sh's
flagged.tsv (field, value); LIST the indicators, one per line.

Each side is reduced to its set of (field, lower-cased name). A name only
fraudscan flags is sorted into: a listed name (Suricata missed it), a name
under a listed one (fraudscan matches a host and every name under it,
Suricata's datasets the whole buffer only), or on a field Suricata does
not inspect. Prints results.tsv lines (traffic <tab> flagged.KEY <tab> N) on
stdout and writes every differing name, with its class, to DIFF_OUT.
"""
import sys

HOST_FIELDS = ("dns.query", "tls.sni", "quic.sni", "http.host")


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    hits_path, suri_path, list_path, diff_path = sys.argv[1:]
    fsc = set()
    with open(hits_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) == 6 and cols[3] in HOST_FIELDS:
                fsc.add((cols[3], cols[4].lower().rstrip(".")))
    suri = set()
    with open(suri_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) == 2 and cols[0] in HOST_FIELDS:
                suri.add((cols[0], cols[1].lower().rstrip(".")))
    listed = set()
    with open(list_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            name = line.strip().lower().rstrip(".")
            if name and not name.startswith("#"):
                listed.add(name)
    suri_fields = {fld for fld, _ in suri}

    def under_listed(name):
        labels = name.split(".")
        return any(".".join(labels[i:]) in listed for i in range(1, len(labels)))

    classes = {"listed_missed_by_suricata": [], "under_listed_name": [],
               "field_not_inspected_by_suricata": [], "other": []}
    for fld, name in sorted(fsc - suri):
        if fld not in suri_fields:
            classes["field_not_inspected_by_suricata"].append((fld, name))
        elif name in listed:
            classes["listed_missed_by_suricata"].append((fld, name))
        elif under_listed(name):
            classes["under_listed_name"].append((fld, name))
        else:
            classes["other"].append((fld, name))
    suri_only = sorted(suri - fsc)
    with open(diff_path, "w", encoding="utf-8") as out:
        for fld, name in suri_only:
            out.write("suricata_only\t%s\t%s\n" % (fld, name))
        for cls, rows in classes.items():
            for fld, name in rows:
                out.write("fraudscan_only:%s\t%s\t%s\n" % (cls, fld, name))
    both = fsc & suri
    print("traffic\tflagged.both\t%d" % len(both))
    for fld in HOST_FIELDS:
        print("traffic\tflagged.both.%s\t%d" % (fld, sum(1 for f, _ in both if f == fld)))
        print("traffic\tflagged.fsc.%s\t%d" % (fld, sum(1 for f, _ in fsc if f == fld)))
        print("traffic\tflagged.suricata.%s\t%d" % (fld, sum(1 for f, _ in suri if f == fld)))
    print("traffic\tflagged.suricata_only\t%d" % len(suri_only))
    for cls, rows in classes.items():
        print("traffic\tflagged.fsc_only.%s\t%d" % (cls, len(rows)))


if __name__ == "__main__":
    main()
