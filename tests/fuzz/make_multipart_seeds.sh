#!/usr/bin/env bash
# Seeds for the multipart reader fuzzer: the first byte is the feed step, the second picks the
# boundary ("b" and a digit: 0 here); then a multipart/related body as STOW-RS clients send it.
# Usage: make_multipart_seeds.sh OUT_DIR
set -euo pipefail
out=$1
mkdir -p "$out"
printf '\x03\x00--b0\r\nContent-Type: application/dicom\r\n\r\nDICM-bytes\r\n--b0\r\nContent-Type: application/dicom\r\nContent-Length: 3\r\n\r\nabc\r\n--b0--\r\n' >"$out/two-parts"
printf '\x05\x00preamble\r\n--b0  \r\n\r\n\r\n--b0--' >"$out/preamble-padding"
printf '\x01\x00--b0\r\nContent-Type: application/dicom\r\n\r\npartial' >"$out/truncated"
printf '\x07\x00--b0\r\nX: y\r\n\r\n\r\n--b\r\n--b0\r\n\r\n--b0--epilogue' >"$out/near-delimiters"
