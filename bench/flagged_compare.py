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


def read_pairs(path, ncols, at):
    """The set of (field, lower-cased name) in a TSV file of ncols columns
    whose field is column `at` and the name the next one."""
    pairs = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) == ncols and cols[at] in HOST_FIELDS:
                pairs.add((cols[at], cols[at + 1].lower().rstrip(".")))
    return pairs


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    hits_path, suri_path, list_path, diff_path = sys.argv[1:]
    # fraudscan --hits: where, src, dst, field, value, rule; Suricata: field, value
    fsc = read_pairs(hits_path, 6, 3)
    suri = read_pairs(suri_path, 2, 0)
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
