#!/usr/bin/env bash
# The Python benchmark (`./dk.sh bench python`): bench/python.sh BUILD_DIR
#
# Builds the Python module and the corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD
# is set), generates the parse benchmark's corpus once into BUILD_DIR/bench-corpus (or
# $DCMKIT_BENCH_CORPUS; reused when complete), then prints dcmkit.read vs pydicom.dcmread on the CT
# files: header only, whole file, whole file with its PixelData.
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error,
# 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench python"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bench_build_dir "$1"

bench_build "DCMKIT_BUILD_BENCH DCMKIT_BUILD_PYTHON" dcmkit_python bench_make_corpus

bench_corpus

# Debian's interpreter, which has pydicom and for which the module is built (not whichever python3
# comes first on PATH).
exec /usr/bin/python3 "$here/python_report.py" --build "$build" --corpus "$corpus"
