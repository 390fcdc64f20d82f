#!/usr/bin/env bash
# The Query/Retrieve benchmark (`./dk.sh bench qr`): bench/qr.sh BUILD_DIR [--instances N] [...]
#
# Builds the CLI, the corpus generator and bench/qr_client in BUILD_DIR (skipped when
# DCMKIT_BENCH_NO_BUILD is set), generates the CT corpus once into BUILD_DIR/bench-corpus (or
# $DCMKIT_BENCH_CORPUS; reused when complete, shared with the parse and store benchmarks), then runs
# bench/qr_report.py: fills `dcmkit serve` and DCMTK `dcmqrscp` over the network with the same
# synthetic instances and the 500 CT files, times study-level C-FIND (queries/s) and a C-GET of the
# CT study (images/s) on each, and prints the table. Extra arguments go to qr_report.py
# (--instances N, --studies N, --queries N; see its --help).
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error
# (a tool failing, different match counts, a retrieval that loses files), 2 on a usage error.
set -euo pipefail

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR [--instances N] [--studies N] [--queries N]" >&2
  exit 2
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ! -f $1/CMakeCache.txt ]]; then
  echo "bench qr: error: '$1' is not a configured CMake build folder" >&2
  exit 1
fi
build=$(cd "$1" && pwd)
shift

if [[ -z ${DCMKIT_BENCH_NO_BUILD:-} ]]; then
  if ! grep -q '^DCMKIT_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt"; then
    echo "bench qr: error: $build was configured with DCMKIT_BUILD_BENCH=OFF" >&2
    exit 1
  fi
  cmake --build "$build" --target dcmkit_cli bench_make_corpus bench_qr_client >&2
fi

for tool in storescu findscu getscu dcmqrscp dcmdump; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench qr: error: DCMTK's $tool is not installed (./dk.sh setup installs the dcmtk package)" >&2
    exit 1
  fi
done

corpus=${DCMKIT_BENCH_CORPUS:-$build/bench-corpus}
"$build/bench/make_corpus" "$corpus"

exec /usr/bin/python3 "$here/qr_report.py" --build "$build" --corpus "$corpus" "$@"
