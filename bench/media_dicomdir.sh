#!/usr/bin/env bash
# The DICOMDIR part of `./dk.sh bench media`: bench/media_dicomdir.sh BUILD_DIR [--count N] [--size S] [--rounds N]
#
# Builds the CLI in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set), writes a file-set of
# --count (default 500) CT images of --size x --size 16-bit pixels (default 256) with pydicom
# (tests/interop/make_fileset.py) into a temporary folder, then times making its DICOMDIR:
# `dcmkit dicomdir create DIR` against DCMTK's `dcmmkdir +r -Pgp +id DIR` (both write DIR/DICOMDIR),
# median wall time of --rounds (default 5) after a warm-up, interleaved; prints ours, theirs and the
# ratio (target >= 3x). Both DICOMDIRs are checked to reference every file.
#
# Exit status: 0 when every measurement ran (a missed target is printed as MISSED), 1 on an error,
# 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench media"
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage="usage: $0 BUILD_DIR [--count N] [--size S] [--rounds N]"
if [[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]]; then
  echo "$usage"
  sed -n '3,12s/^# \{0,1\}//p' "$0"
  exit 0
fi
if [[ $# -lt 1 ]]; then
  echo "$usage" >&2
  exit 2
fi
bench_build_dir "$1"
shift
bench_build "" dcmkit_cli
bench_need "./dk.sh setup installs the dcmtk package" dcmmkdir dcmdump
exec /usr/bin/python3 "$here/media_dicomdir_report.py" --dcmkit "$build/bin/dcmkit" \
  --make-fileset "$here/../tests/interop/make_fileset.py" "$@"
