#!/usr/bin/env python3
"""Generates the PS3.6 data dictionary and UID registry as C++ tables.

Input: the TSV files in core/data/standard (PS3.6 Table 6-1 with groups 0000/0002, Table A-1).
Output: one C++ source with sorted constant tables, compiled into dcmkit_data. Entries refer to their
strings by 32-bit (or smaller) offsets into one string pool per table, so the tables need no
relocation when the library is loaded. With --compress (size-optimized builds) the big pools and the
private dictionary's entries are stored as raw deflate streams (inflated once, on first use).
Run by CMake at build time; stdlib only.
"""
import csv
import json
import struct
import sys
import zlib

VRS = ["AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL",
       "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"]


def cstr(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def vr_expr(vr_field):
    """'OB or OW' -> ("OB", "OW"); '' or NONE -> ("None", "None")."""
    parts = [p.strip() for p in vr_field.split(" or ")] if vr_field else []
    parts = [p for p in parts if p in VRS]
    first = parts[0] if parts else "None"
    alt = parts[1] if len(parts) > 1 else "None"
    return first, alt


def vr_code(name):
    """The value of dcmkit::VR (core/data/include/dcmkit/tag.h): None = 0, then VRS in order."""
    return 0 if name == "None" else VRS.index(name) + 1


def literal(data):
    """bytes -> C++ string literal lines (octal escapes are at most 3 digits: no run-on)."""
    out, line = [], []
    for b in data:
        c = chr(b)
        if 32 <= b < 127 and c not in '"\\?':
            line.append(c)
        else:
            line.append("\\%03o" % b)
        if len(line) >= 100:
            out.append('"' + "".join(line) + '"')
            line = []
    if line or not out:
        out.append('"' + "".join(line) + '"')
    return "\n    ".join(out)


CHUNK = 32768  # bytes of plain data per deflate stream: kBlobChunk in dictionary_tables.h


class Pool:
    """NUL-separated strings, each record stored once; add() returns the offset. With `chunked`, no
    record crosses a CHUNK boundary (zeros pad the chunk), so each chunk can be inflated alone."""

    def __init__(self, chunked=False):
        self.data = bytearray()
        self.offsets = {}
        self.chunked = chunked

    def add(self, *strings):
        key = b"".join(s.encode("utf-8") + b"\0" for s in strings)
        if key not in self.offsets:
            if self.chunked and len(self.data) // CHUNK != (len(self.data) + len(key) - 1) // CHUNK:
                self.data += bytes(CHUNK - len(self.data) % CHUNK)
            self.offsets[key] = len(self.data)
            self.data += key
        return self.offsets[key]


def blob(out, name, data, compress, ctype="unsigned char"):
    """Emits `const Blob name` over `data` (bytes): plain, or when `compress` one raw deflate stream
    per CHUNK bytes, inflated separately on first use."""
    if compress:
        streams = []
        for i in range(0, len(data), CHUNK):
            c = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
            streams.append(c.compress(bytes(data[i:i + CHUNK])) + c.flush())
        ends, end = [], 0
        for z in streams:
            end += len(z)
            ends.append(end)
        out.append(f'static_assert(kBlobChunk == {CHUNK}, "gen_dictionary.py chunks the pools differently");')
        out.append("namespace {")
        out.append(f"const unsigned char {name}Z[] =\n    {literal(b''.join(streams))};")
        out.append(f"const uint32_t {name}Ends[] = {{{', '.join(str(e) for e in ends)}}};")
        out.append(f"alignas(8) unsigned char {name}Buf[{len(data)}];")
        out.append(f"std::once_flag {name}Once[{len(streams)}];")
        out.append("}  // namespace")
        out.append(f"extern const Blob {name}{{{name}Z, {name}Ends, {len(data)}, {name}Buf, {name}Once}};")
    else:
        out.append("namespace {")
        out.append(f"const {ctype} {name}Data[] =\n    {literal(data)};")
        out.append("}  // namespace")
        out.append(f"extern const Blob {name}{{{name}Data, nullptr, {len(data)}, nullptr, nullptr}};")


# Transfer syntax properties that the registry's names alone do not carry (PS3.5 Section 10, Annex A).
IMPLICIT = {"1.2.840.10008.1.2", "1.2.840.10008.1.20"}
BIG_ENDIAN = {"1.2.840.10008.1.2.2"}
DEFLATED = {"1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.4.95", "1.2.840.10008.1.2.4.205"}
NATIVE = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2",
          "1.2.840.10008.1.20",
          # JPIP referenced syntaxes carry no pixel data in the dataset (Pixel Data Provider URL).
          "1.2.840.10008.1.2.4.94", "1.2.840.10008.1.2.4.95", "1.2.840.10008.1.2.4.204",
          "1.2.840.10008.1.2.4.205",
          # Non-DICOM encodings: never encapsulated pixel data.
          "1.2.840.10008.1.2.6.1", "1.2.840.10008.1.2.6.2",
          "1.2.840.10008.1.2.7.1", "1.2.840.10008.1.2.7.2", "1.2.840.10008.1.2.7.3"}
LOSSLESS = {"1.2.840.10008.1.2.1.98", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.58",
            "1.2.840.10008.1.2.4.65", "1.2.840.10008.1.2.4.66", "1.2.840.10008.1.2.4.70",
            "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.92",
            "1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
            "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.8.1"}
# .91/.93/.203/.111/.112 may be lossless or lossy; they are flagged lossy as PS3.5 allows loss.


def main(std_dir, out_path, compress=False):
    elements = []
    with open(f"{std_dir}/elements.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            elements.append(row)
    exact, repeating = [], []
    for row in elements:
        tag = row["tag"]
        vr, alt = vr_expr(row["vr"])
        if "x" in tag:
            mask = int("".join("0" if c == "x" else "F" for c in tag), 16)
            value = int(tag.replace("x", "0"), 16)
            repeating.append((value, mask, vr, alt, row))
        else:
            exact.append((int(tag, 16), 0xFFFFFFFF, vr, alt, row))
    exact.sort(key=lambda e: e[0])
    # Most specific pattern first: the more fixed bits, the earlier it is tried.
    repeating.sort(key=lambda e: (-bin(e[1]).count("1"), e[0]))
    masks = [0xFFFFFFFF] + sorted({e[1] for e in repeating} - {0xFFFFFFFF})
    # PS3.5 7.2 and 7.8.1: the entries PS3.6 gives by rule.
    generic = [(0x00000000, 0x0000FFFF, "UL", "None",
                {"vm": "1", "keyword": "GenericGroupLength", "name": "Generic Group Length", "retired": "Y"}),
               (0x00010010, 0x000100F0, "LO", "None",
                {"vm": "1", "keyword": "PrivateCreator", "name": "Private Creator", "retired": "N"})]
    masks += [m for m in (g[1] for g in generic) if m not in masks]

    uids = []
    with open(f"{std_dir}/uids.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            uids.append(row)
    uids.sort(key=lambda r: r["uid"].encode("utf-8"))

    out = ["// Generated by core/data/tools/gen_dictionary.py from core/data/standard/*.tsv. Do not edit.",
           '#include <cstddef>', '#include <mutex>', "", '#include "dictionary_tables.h"', "",
           "namespace dcmkit::detail {", ""]

    vm_pool = Pool()
    text = Pool(compress)
    for g in generic:  # first, with the common groups 0002-0010, in the first chunk
        text.add(g[4]["keyword"], g[4]["name"])

    def entry(e):
        value, mask, vr, alt, row = e
        off = text.add(row["keyword"], row["name"])
        vm = vm_pool.add(row["vm"])
        return (f"    {{0x{value:08X}u, {off}u, VR::{vr}, VR::{alt}, {vm}, {masks.index(mask)}, "
                f"{'true' if row['retired'] == 'Y' else 'false'}}},")

    out.append("const DictEntry kDictExact[] = {")
    out += [entry(e) for e in exact]
    out.append("};")
    out.append(f"const size_t kDictExactCount = {len(exact)};")
    out.append("const DictEntry kDictRepeating[] = {")
    out += [entry(e) for e in repeating]
    out.append("};")
    out.append(f"const size_t kDictRepeatingCount = {len(repeating)};")
    out.append("const DictEntry kDictGeneric[2] = {")
    out += [entry(e) for e in generic]
    out.append("};")
    out.append("const uint32_t kDictMasks[] = {" + ", ".join(f"0x{m:08X}u" for m in masks) + "};")
    by_keyword = sorted((e[4]["keyword"].encode("utf-8"), i) for i, e in enumerate(exact + repeating)
                        if e[4]["keyword"])
    assert len(exact) + len(repeating) < 65536
    out.append("const uint16_t kDictByKeyword[] = {")
    for i in range(0, len(by_keyword), 16):
        out.append("    " + " ".join(f"{k[1]}," for k in by_keyword[i:i + 16]))
    out.append("};")
    out.append(f"const size_t kDictByKeywordCount = {len(by_keyword)};")
    blob(out, "kElementText", text.data, compress, "char")
    out.append("")

    uid_text = Pool()
    small = Pool()
    out.append("const UidEntry kUids[] = {")
    for r in uids:
        uid = r["uid"]
        flags = []
        if r["type"] == "Transfer Syntax":
            flags.append("kTsIsTransferSyntax")
            if uid not in IMPLICIT:
                flags.append("kTsExplicitVr")
            if uid in BIG_ENDIAN:
                flags.append("kTsBigEndian")
            if uid in DEFLATED:
                flags.append("kTsDeflated")
            if uid not in NATIVE:
                flags.append("kTsEncapsulated")
                if uid not in LOSSLESS:
                    flags.append("kTsLossy")
        off = uid_text.add(uid, r["keyword"], r["name"])
        out.append(f"    {{{off}u, {' | '.join(flags) if flags else '0'}, {small.add(r['type'])}, "
                   f"{small.add(r['info'])}, {'true' if r['retired'] == 'Y' else 'false'}}},")
    out.append("};")
    out.append(f"const size_t kUidCount = {len(uids)};")
    blob(out, "kUidText", uid_text.data, False, "char")
    assert len(small.data) < 65536
    out.append(f"const char kUidSmallText[] =\n    {literal(small.data)};")

    # Storage SOP classes: PS3.4 Table B.5-1, plus the retired ones still in the registry under
    # 1.2.840.10008.5.1.4.1.1 (old modalities still send them).
    with open(f"{std_dir}/sops.json", encoding="utf-8") as f:
        storage = {row["id"] for row in json.load(f)}
    storage |= {r["uid"] for r in uids
                if r["type"] == "SOP Class" and r["uid"].startswith("1.2.840.10008.5.1.4.1.1.")}
    out.append("const char *const kStorageSopClasses[] = {")
    out += [f"    {cstr(u)}," for u in sorted(storage)]
    out.append("};")
    out.append(f"const size_t kStorageSopClassCount = {len(storage)};")
    out.append("")

    # Private dictionary (core/data/standard/private.tsv, from core/data/tools/import_private_dict.py): sorted by
    # creator (bytes), element byte, first group, the order dictionary.cpp searches in.
    private = []
    with open(f"{std_dir}/private.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            private.append(row)
    private.sort(key=lambda r: (r["creator"].encode("utf-8"), int(r["element"], 16), int(r["group"], 16)))
    creators = Pool()
    ptext = Pool(compress)
    rows = []
    for r in private:
        rows.append((ptext.add(r["keyword"], r["name"]), creators.add(r["creator"]), int(r["group"], 16),
                     int(r["group_last"], 16), vr_code(vr_expr(r["vr"])[0]), int(r["element"], 16),
                     vm_pool.add(r["vm"])))
    assert len(creators.data) < 65536
    if compress:
        # The bytes of PrivateDictEntry[] (little-endian; layout checked by static_asserts in dictionary.cpp).
        packed = b"".join(struct.pack("<IHHHHBB2x", *row) for row in rows)
        out.append('static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the packed private dictionary is little-endian");')
        blob(out, "kPrivateEntries", packed, True)
    else:
        out.append("namespace {")
        out.append("const PrivateDictEntry kPrivateTable[] = {")
        for t, c, g, gl, vr, el, vm in rows:
            out.append(f"    {{{t}u, {c}, 0x{g:04X}, 0x{gl:04X}, VR({vr}), 0x{el:02X}, {vm}}},")
        out.append("};")
        out.append("}  // namespace")
        out.append("extern const Blob kPrivateEntries{kPrivateTable, nullptr, sizeof kPrivateTable, nullptr, nullptr};")
    out.append(f"const size_t kPrivateDictCount = {len(private)};")
    blob(out, "kPrivateText", ptext.data, compress, "char")
    out.append(f"const char kCreatorText[] =\n    {literal(creators.data)};")
    # Each creator (in creator order, as the entries) and the index of its first entry.
    firsts = []
    for i, row in enumerate(rows):
        if not firsts or firsts[-1][0] != row[1]:
            firsts.append((row[1], i))
    assert [f[0] for f in firsts] == sorted(creators.offsets.values()) and len(private) < 65536
    out.append("const PrivateCreator kPrivateCreators[] = {")
    for i in range(0, len(firsts), 8):
        out.append("    " + " ".join(f"{{{c}, {first}}}," for c, first in firsts[i:i + 8]))
    out.append("};")
    out.append(f"const size_t kPrivateCreatorCount = {len(firsts)};")
    assert len(vm_pool.data) < 256
    out.append(f"const char kVmText[] =\n    {literal(vm_pool.data)};")
    out += ["", "}  // namespace dcmkit::detail", ""]
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--compress"]
    main(args[0], args[1], "--compress" in sys.argv[1:])
