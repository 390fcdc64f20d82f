#!/usr/bin/env bash
# The parse benchmark (`./dk.sh bench parse`): bench/parse.sh BUILD_DIR
#
# Builds the CLI and the bench programs in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set),
# generates the corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; reused when
# complete), then prints dcmkit dump vs dcmdump, a header-only parse loop vs pydicom, and the peak
# memory of a lazy open of a large multi-frame file.
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error,
# 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench parse"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bench_build_dir "$1"

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus bench_parse_bench

bench_corpus

# Debian's interpreter, which has pydicom (not whichever python3 comes first on PATH).
exec /usr/bin/python3 "$here/parse_report.py" --build "$build" --corpus "$corpus"
