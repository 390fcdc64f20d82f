#!/usr/bin/env bash
# The store benchmark (`./dk.sh bench store`): bench/store.sh BUILD_DIR
#
# Builds the CLI and the corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set),
# generates the corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; reused when
# complete, shared with the parse benchmark), then sends the 500 CT files over loopback between
# dcmkit and DCMTK in the four sender/receiver pairs, and sends the large multi-frame file to each
# receiver while measuring the receiver's peak memory.
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error
# (a tool failing, a run that loses files), 2 on a usage error.
set -euo pipefail

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ! -f $1/CMakeCache.txt ]]; then
  echo "bench store: error: '$1' is not a configured CMake build folder" >&2
  exit 1
fi
build=$(cd "$1" && pwd)

if [[ -z ${DCMKIT_BENCH_NO_BUILD:-} ]]; then
  if ! grep -q '^DCMKIT_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "bench store: error: $build was configured with DCMKIT_BUILD_BENCH=OFF" >&2
    exit 1
  fi
  cmake --build "$build" --target dcmkit_cli bench_make_corpus >&2
fi

for tool in storescu storescp; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench store: error: DCMTK's $tool is not installed (./dk.sh setup installs the dcmtk package)" >&2
    exit 1
  fi
done

corpus=${DCMKIT_BENCH_CORPUS:-$build/bench-corpus}
"$build/bench/make_corpus" "$corpus"

exec /usr/bin/python3 "$here/store_report.py" --build "$build" --corpus "$corpus"
