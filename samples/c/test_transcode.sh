#!/bin/sh
# Runs a transcode sample (samples/c/transcode or samples/python/transcode.py) on an image made by
# DCMTK's dump2dcm: native -> JPEG-LS -> native must give the original pixels (DCMTK's dcmdjpls
# decompresses the sample's JPEG-LS file, dcmdump +W extracts the pixels to compare), and the failures must print
# dk_last_error()'s message: a missing file, a syntax without codec, lossy pixels re-encoded as lossless.
# usage: test_transcode.sh WORKDIR PROGRAM [ARG...]      (exit 77 = skipped: no DCMTK)
set -u
dir=$1/sample-transcode-$$
shift
if ! command -v dump2dcm >/dev/null 2>&1 || ! command -v dcmdjpls >/dev/null 2>&1; then
  echo "dump2dcm / dcmdjpls (DCMTK) not found: sample test skipped"
  exit 77
fi
mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
# 32×24 8-bit MONOCHROME2, a gradient with a pattern.
perl -e 'for $y (0..23) { for $x (0..31) { print pack("C", ($x * 7 + $y * 5 + (($x ^ $y) & 3) * 20) % 256) } }' \
  >"$dir/px.raw"
cat >"$dir/img.txt" <<DUMP
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [1.2.826.0.1.3680043.2.1125.9.20]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 24
(0028,0011) US 32
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB =$dir/px.raw
DUMP
dump2dcm "$dir/img.txt" "$dir/img.dcm" || { echo "dump2dcm failed"; exit 1; }
# The pixel data's bytes (dcmdump +W writes them little endian to a .raw file: OB or OW alike).
pixels() { rm -rf "$dir/raw" && mkdir "$dir/raw" && dcmdump +W "$dir/raw" "$1" >/dev/null && cat "$dir/raw"/*.raw | od -An -tx1; }

fail=0
out=$("$@" "$dir/img.dcm" "$dir/jls.dcm" jpegls) || { echo "transcode to jpegls failed"; fail=1; }
echo "$out"
printf '%s\n' "$out" | grep -q "1.2.840.10008.1.2.4.80" || { echo "no JPEG-LS syntax reported"; fail=1; }
dcmdjpls "$dir/jls.dcm" "$dir/djls.dcm" || { echo "dcmdjpls cannot read the sample's JPEG-LS file"; fail=1; }
want=$(pixels "$dir/img.dcm")
[ -n "$want" ] || { echo "dcmdump +W extracted no pixels"; fail=1; }
[ "$(pixels "$dir/djls.dcm")" = "$want" ] || { echo "dcmdjpls: pixels differ"; fail=1; }
"$@" "$dir/jls.dcm" "$dir/back.dcm" explicit || { echo "transcode back to explicit failed"; fail=1; }
[ "$(pixels "$dir/back.dcm")" = "$want" ] || { echo "round trip: pixels differ"; fail=1; }

# Failures, with the library's message.
if err=$("$@" "$dir/no-such-file.dcm" "$dir/x.dcm" rle 2>&1); then echo "succeeded on a missing file"; fail=1; fi
echo "$err"
printf '%s\n' "$err" | grep -q "^transcode: .*no-such-file.dcm: .*no such file" || { echo "no clear message for a missing file"; fail=1; }
if err=$("$@" "$dir/img.dcm" "$dir/x.dcm" 1.2.840.10008.1.2.4.100 2>&1); then echo "succeeded without a codec"; fail=1; fi
echo "$err"
printf '%s\n' "$err" | grep -q "^transcode: .*cannot encode" || { echo "no clear message for a syntax without codec"; fail=1; }
"$@" -q 80 "$dir/img.dcm" "$dir/jpeg.dcm" jpeg >/dev/null || { echo "transcode to jpeg failed"; fail=1; }
if err=$("$@" "$dir/jpeg.dcm" "$dir/x.dcm" jpegls 2>&1); then echo "lossy to lossless was not refused"; fail=1; fi
echo "$err"
printf '%s\n' "$err" | grep -q "^transcode: .*jpeg.dcm: invalid argument: .*lossy" || { echo "no clear message for lossy to lossless"; fail=1; }
"$@" -l "$dir/jpeg.dcm" "$dir/x.dcm" jpegls >/dev/null || { echo "-l did not allow lossy to lossless"; fail=1; }
if "$@" >/dev/null 2>&1; then echo "transcode without arguments succeeded"; fail=1; fi
exit $fail
