#!/bin/sh
# Makes the DICOM files the C tests read, with DCMTK's dump2dcm, into DIR. Without DCMTK it makes
# nothing and succeeds: the cases that need a file skip.
# usage: make_fixtures.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
if ! command -v dump2dcm >/dev/null 2>&1; then
  echo "dump2dcm (DCMTK) not found: the cases reading DCMTK files will skip"
  rm -f "$dir/ct.dcm"
  exit 0
fi
# A CT image: UTF-8 text, a sequence, multi-valued DS, US values and native pixel data.
cat >"$dir/ct.txt" <<'DUMP'
(0002,0001) OB 00\01
(0002,0002) UI 1.2.840.10008.5.1.4.1.1.2
(0002,0003) UI 1.2.826.0.1.3680043.2.1125.1.1
(0002,0010) UI 1.2.840.10008.1.2.1
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI 1.2.840.10008.5.1.4.1.1.2
(0008,0018) UI 1.2.826.0.1.3680043.2.1125.1.1
(0008,0020) DA [20261126]
(0008,0060) CS [CT]
(0008,1115) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0020,000e) UI 1.2.826.0.1.3680043.2.1125.1.2
  (fffe,e00d) na (ItemDelimitationItem)
  (fffe,e000) na (Item with undefined length)
    (0020,000e) UI 1.2.826.0.1.3680043.2.1125.1.4
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0010,0010) PN [Müller^Jürgen=ミュラー^ユルゲン]
(0010,0020) LO [DEMO-001]
(0018,0050) DS [1.25]
(0020,000d) UI 1.2.826.0.1.3680043.2.1125.1.3
(0020,0032) DS [-125.0\-125.0\42.5]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(7fe0,0010) OW 0000\0400\0800\0fff
DUMP
dump2dcm "$dir/ct.txt" "$dir/ct.dcm.tmp"
mv "$dir/ct.dcm.tmp" "$dir/ct.dcm"
# The same in implicit VR little endian and in explicit VR big endian.
dump2dcm +ti "$dir/ct.txt" "$dir/ct-implicit.dcm"
dump2dcm +tb "$dir/ct.txt" "$dir/ct-big.dcm"
echo "made $(ls "$dir"/*.dcm | wc -l) files in $dir"
