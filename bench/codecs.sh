#!/usr/bin/env bash
# The codec benchmark (`./dk.sh bench codecs`): bench/codecs.sh BUILD_DIR [codecs_report.py options]
#
# Builds the CLI and the corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set),
# generates the corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; reused when
# complete, shared with the parse and store benchmarks), then encodes the corpus' 500 CT files (or
# the first --count) in each compressed transfer syntax and decodes the results back to native, one
# process per file, with `dcmkit transcode` and with the peer tool for the same syntax (DCMTK
# dcmcrle/dcmdrle, dcmcjpeg/dcmdjpeg, dcmcjpls/dcmdjpls; GDCM gdcmconv for JPEG 2000; OpenJPH
# ojph_compress/ojph_expand on raw PGM files, not DICOM, for HTJ2K; JPEG baseline on the 8-bit set),
# and the 550-frame file in RLE and JPEG-LS, decoded with 1 and 2 threads. Prints MB/s (uncompressed
# pixel MB per wall second) and compression ratios, and checks the lossless round trips.
#
# Options after BUILD_DIR go to bench/codecs_report.py (see `bench/codecs_report.py --help`), e.g.
#   bench/codecs.sh build-release --count 20        the first 20 CT files only, while developing (also
#                                                   DCMKIT_BENCH_CODEC_FILES=20); all 500 (the default)
#                                                   take ~7 min on an idle 2-core machine, ~14 min on a
#                                                   busy one
#   bench/codecs.sh build-release --only rle,jpegls  some codecs only
#
# Exit status: 0 when every measurement ran (rows slower than the peer are printed as MISSED, codecs
# still missing from the build as "n/a (no codec)"), 1 on an error or when a lossless round trip
# does not give back the input pixels (MISMATCH), 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench codecs"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR [--count N] [--count8 N] [--only CODEC,...] [--no-multiframe] [--mf-rounds N] [--keep]" >&2
  if [[ $# -ge 1 ]]; then /usr/bin/python3 "$here/codecs_report.py" --help >&2 || true; fi
  exit 2
fi
bench_build_dir "$1"
shift

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus

bench_need "./dk.sh setup installs dcmtk, libgdcm-tools and openjph-tools" dcmcrle dcmdrle dcmcjpeg dcmdjpeg dcmcjpls dcmdjpls gdcmconv ojph_compress ojph_expand

bench_corpus

# Debian's interpreter (not whichever python3 comes first on PATH); the report uses the stdlib only.
exec /usr/bin/python3 "$here/codecs_report.py" --build "$build" --corpus "$corpus" "$@"
