#!/bin/sh
# Makes the DICOM files the C tests read, with DCMTK's dump2dcm, into DIR, and compressed copies of
# two images with DCMTK's own encoders (dcmcrle, dcmcjpls) for the codec tests. Without DCMTK it
# makes nothing and succeeds: the cases that need a file skip.
# usage: make_fixtures.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
if ! command -v dump2dcm >/dev/null 2>&1; then
  echo "dump2dcm (DCMTK) not found: the cases reading DCMTK files will skip"
  rm -f "$dir"/*.dcm
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

# Images for the codecs: 2 frames of 64×48 16-bit MONOCHROME2 (12 bits stored, a gradient with a
# pattern) with a window, and one 40×30 8-bit RGB frame. Pixels from perl (part of every Debian).
perl -e 'for $f (0..1) { for $y (0..47) { for $x (0..63) {
           print pack("v", ($x * 61 + $y * 83 + $f * 1000 + (($x ^ $y) & 7) * 100) % 4096) } } }' >"$dir/mono16.raw"
perl -e 'for $y (0..29) { for $x (0..39) {
           print pack("C3", ($x * 6) % 256, ($y * 8) % 256, (($x + $y) * 5 + ($x & 3) * 40) % 256) } }' >"$dir/rgb8.raw"
cat >"$dir/mono16.txt" <<DUMP
(0002,0010) UI =LittleEndianExplicit
(0008,0008) CS [ORIGINAL\PRIMARY]
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1125.1.10]
(0008,0060) CS [OT]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0008) IS [2]
(0028,0010) US 48
(0028,0011) US 64
(0028,0100) US 16
(0028,0101) US 12
(0028,0102) US 11
(0028,0103) US 0
(0028,1050) DS [2048]
(0028,1051) DS [4096]
(7fe0,0010) OW =$dir/mono16.raw
DUMP
cat >"$dir/rgb8.txt" <<DUMP
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1125.1.11]
(0008,0060) CS [OT]
(0028,0002) US 3
(0028,0004) CS [RGB]
(0028,0006) US 0
(0028,0010) US 30
(0028,0011) US 40
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB =$dir/rgb8.raw
DUMP
for img in mono16 rgb8; do
  dump2dcm "$dir/$img.txt" "$dir/$img.dcm"
  dcmcrle "$dir/$img.dcm" "$dir/$img-rle.dcm"
  dcmcjpls "$dir/$img.dcm" "$dir/$img-jls.dcm"
done
echo "made $(ls "$dir"/*.dcm | wc -l) files in $dir"
