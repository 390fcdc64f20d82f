#!/usr/bin/env bash
# Makes a seed corpus with DCMTK: for the reader fuzzer, small files in every uncompressed transfer
# syntax with sequences, private tags and encapsulated pixel data; with --json, their DICOM JSON
# (dcm2json) for the JSON fuzzer; with --pdu, upper layer PDUs for the PDU fuzzer; with
# --codec=FAMILY, peer-compressed frames for that codec's fuzzer (make_codec_seeds.sh); with
# --dicomdir, DICOMDIRs made by DCMTK's dcmmkdir (make_dicomdir_seeds.sh); with --hl7, HL7 v2
# messages and MLLP frames (make_hl7_seeds.sh); with --multipart, multipart bodies (make_multipart_seeds.sh).
# Usage: make_seeds.sh [--json|--pdu|--dicomdir|--hl7|--multipart|--codec=FAMILY] OUT_DIR
set -euo pipefail
if [ "$1" = --pdu ]; then exec "$(dirname "$0")/make_pdu_seeds.sh" "$2"; fi
if [ "$1" = --dicomdir ]; then exec "$(dirname "$0")/make_dicomdir_seeds.sh" "$2"; fi
if [ "$1" = --hl7 ]; then exec "$(dirname "$0")/make_hl7_seeds.sh" "$2"; fi
if [ "$1" = --multipart ]; then exec "$(dirname "$0")/make_multipart_seeds.sh" "$2"; fi
case $1 in --codec=*) exec "$(dirname "$0")/make_codec_seeds.sh" "${1#--codec=}" "$2" ;; esac
json=0
if [ "$1" = --json ]; then json=1; shift; fi
out=$1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/a.txt" <<'DUMP'
(0002,0001) OB 00\01
(0002,0002) UI 1.2.840.10008.5.1.4.1.1.7
(0002,0003) UI 1.2.3.4
(0002,0010) UI 1.2.840.10008.1.2.1
(0008,0005) CS [ISO 2022 IR 6\ISO 2022 IR 87]
(0008,0016) UI 1.2.840.10008.5.1.4.1.1.7
(0008,0018) UI 1.2.3.4
(0008,1115) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0008,1140) SQ (Sequence with undefined length)
      (fffe,e000) na (Item with undefined length)
        (0008,1155) UI 1.2.3.5
        (0018,1310) US 1\2\3\4
      (fffe,e00d) na (ItemDelimitationItem)
    (fffe,e0dd) na (SequenceDelimitationItem)
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0009,0010) LO [ACME 1.0]
(0009,1001) LO [private]
(0009,1002) UN 01\02\03\04
(0010,0010) PN [Yamada^Tarou]
(0018,0050) DS [0.5]
(0020,0013) IS [7]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0008) IS [2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB 01\02\03\04\05\06\07\08
DUMP
if [ $json = 1 ]; then
  # dcm2json converts through iconv, which lacks ISO 2022 IR 87: use Latin-1 for the JSON seeds.
  sed -i 's/ISO 2022 IR 6.ISO 2022 IR 87/ISO_IR 100/' "$tmp/a.txt"
  dump2dcm "$tmp/a.txt" "$tmp/a.dcm"
  dcm2json "$tmp/a.dcm" "$out/a.json"
  dcmconv +ti "$tmp/a.dcm" "$tmp/b.dcm" && dcm2json +fc "$tmp/b.dcm" "$out/b.json" || true
  exit 0
fi
dump2dcm "$tmp/a.txt" "$out/explicit.dcm"
dcmconv +ti "$out/explicit.dcm" "$out/implicit.dcm"
dcmconv +tb "$out/explicit.dcm" "$out/big.dcm"
dcmconv +td "$out/explicit.dcm" "$out/deflated.dcm"
dcmconv -e +g "$out/explicit.dcm" "$out/explicit-lengths.dcm"
dcmconv -F +ti "$out/explicit.dcm" "$out/raw-implicit.dcm"
if command -v dcmcrle >/dev/null; then dcmcrle "$out/explicit.dcm" "$out/rle.dcm"; fi
# What the field writes: a meta information that says explicit VR before an implicit VR dataset
# (the meta of explicit.dcm, whose length is 144 + its group length, then raw-implicit.dcm), and
# elements encoded as UN whose VR the public or private dictionary knows.
meta_len=$((144 + $(od -An -tu4 -j140 -N4 "$out/explicit.dcm")))
{ head -c "$meta_len" "$out/explicit.dcm"; cat "$out/raw-implicit.dcm"; } >"$out/meta-lies.dcm"
cat >"$tmp/un.txt" <<'DUMP'
(0002,0001) OB 00\01
(0002,0002) UI 1.2.840.10008.5.1.4.1.1.7
(0002,0003) UI 1.2.3.4
(0002,0010) UI 1.2.840.10008.1.2.1
(0008,0016) UI 1.2.840.10008.5.1.4.1.1.7
(0008,1140) UN fe\ff\00\e0\14\00\00\00\08\00\50\11\02\00\00\00\31\00\08\00\55\11\02\00\00\00\32\00
(0010,0010) UN 44\4f\45\5e\4a\4f\48\4e
(0028,0010) UN 00\02
(0029,0010) LO [SIEMENS CSA HEADER]
(0029,1008) UN 49\4d\41\47\45\20\4e\55\4d\20\34\20
DUMP
dump2dcm "$tmp/un.txt" "$out/un-known-vr.dcm"
