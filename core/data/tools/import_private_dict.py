#!/usr/bin/env python3
"""Converts the private data dictionaries of DCMTK (private.dic) and pydicom (_private_dict.py) into
core/data/standard/private.tsv.

Run by hand when the sources change; the TSV is committed so that the build needs neither DCMTK nor
pydicom. DCMTK's rows come first (creator, group, element byte, VR, VM and the keyword dcmdump
prints), with pydicom's descriptive name where it has the entry; pydicom's entries that DCMTK lacks
(Hologic, many Philips and Siemens blocks…) follow, their keyword made from the name. Stdlib only.

    core/data/tools/import_private_dict.py /usr/share/libdcmtk17/private.dic \
        /usr/lib/python3/dist-packages/pydicom/_private_dict.py > core/data/standard/private.tsv
"""
import ast
import re
import sys

VRS = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL",
       "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"}
# DCMTK's pseudo VRs: "ox" (OB or OW), "px" (pixel data: OB or OW), "xs" (US or SS), "lt" (US, SS or OW).
PSEUDO = {"ox": "OB", "px": "OB", "xs": "US", "lt": "OW"}

LINE = re.compile(r'^\((?P<group>[0-9A-Fa-f]{4}(?:-[oe]-[0-9A-Fa-f]{4})?),"(?P<creator>[^"]*)",'
                  r'(?P<elem>[0-9A-Fa-f]{2})\)$')


def pydicom_entries(path):
    """{(creator, group, element byte): (vr, vm, name)} from pydicom's _private_dict.py (a literal)."""
    if not path:
        return {}
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if getattr(target, "id", "") == "private_dictionaries" and node.value is not None:
            table = ast.literal_eval(node.value)
            break
    else:
        return {}
    names = {}
    for creator, entries in table.items():
        for key, (vr, vm, name, _retired) in entries.items():
            if key[4:6].lower() != "xx" or "x" in key[:4].lower():
                continue  # fixed blocks and repeating groups: not keyed by a creator's block
            names[(creator, key[:4].upper(), key[6:8].upper())] = (vr, vm, name)
    return names


def keyword_of(name):
    """'CSA Image Header Info' -> 'CSAImageHeaderInfo' (letters and digits, words capitalised)."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    kw = "".join(w[0].upper() + w[1:] for w in words)
    return ("Tag" + kw) if kw[:1].isdigit() else (kw or "Unknown")


def main(dic_path, pydicom_path=None):
    names = pydicom_entries(pydicom_path)
    rows, skipped = {}, 0
    with open(dic_path, encoding="latin-1") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            fields = line.split("\t")
            m = LINE.match(fields[0])
            if len(fields) < 4 or not m:
                skipped += 1  # elements given with a fixed block (e.g. "1010") or malformed rows
                continue
            vr = PSEUDO.get(fields[1], fields[1])
            if vr not in VRS:
                skipped += 1
                continue
            group = m["group"]
            if "-" in group:
                lo, parity, hi = group.split("-")
                if parity != "o":
                    skipped += 1  # private groups are odd (PS3.5 7.8.1)
                    continue
                group_lo, group_hi = lo.upper(), hi.upper()
            else:
                group_lo = group_hi = group.upper()
            if int(group_lo, 16) % 2 == 0:
                skipped += 1
                continue
            elem = m["elem"].upper()
            keyword = fields[2]
            name = names.get((m["creator"], group_lo, elem), (None, None, keyword))[2]
            # The first row of a duplicated key wins (DCMTK's own lookup does the same).
            rows.setdefault((m["creator"], group_lo, group_hi, elem), (vr, fields[3], keyword, name))
    known = {(c, lo, e) for (c, lo, _hi, e) in rows}
    for (creator, group, elem), (vr, vm, name) in names.items():
        vr = {"OB_OW": "OB"}.get(vr, vr)
        if (creator, group, elem) in known or vr not in VRS or int(group, 16) % 2 == 0 or "\t" in creator:
            continue
        rows[(creator, group, group, elem)] = (vr, vm, keyword_of(name), name)
    out = sys.stdout
    out.write("creator\tgroup\tgroup_last\telement\tvr\tvm\tkeyword\tname\n")
    for (creator, lo, hi, elem), (vr, vm, keyword, name) in sorted(rows.items()):
        out.write(f"{creator}\t{lo}\t{hi}\t{elem}\t{vr}\t{vm}\t{keyword}\t{name}\n")
    print(f"{len(rows)} entries, {skipped} rows skipped", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
