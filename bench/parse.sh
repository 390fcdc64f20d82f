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

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ! -f $1/CMakeCache.txt ]]; then
  echo "bench parse: error: '$1' is not a configured CMake build folder" >&2
  exit 1
fi
build=$(cd "$1" && pwd)

if [[ -z ${DCMKIT_BENCH_NO_BUILD:-} ]]; then
  if ! grep -q '^DCMKIT_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "bench parse: error: $build was configured with DCMKIT_BUILD_BENCH=OFF" >&2
    exit 1
  fi
  cmake --build "$build" --target dcmkit_cli bench_make_corpus bench_parse_bench >&2
fi

corpus=${DCMKIT_BENCH_CORPUS:-$build/bench-corpus}
"$build/bench/make_corpus" "$corpus"

# Debian's interpreter, which has pydicom (not whichever python3 comes first on PATH).
exec /usr/bin/python3 "$here/parse_report.py" --build "$build" --corpus "$corpus"
