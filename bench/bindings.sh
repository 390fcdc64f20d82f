#!/usr/bin/env bash
# The bindings benchmark (`./dk.sh bench bindings`): bench/bindings.sh BUILD_DIR [report options]
#
# Builds the C ABI, the C# and Java bindings, the three reading programs of bench/bindings and the
# corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set), generates the parse
# benchmark's corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; reused when complete),
# then prints the cost of reading the CT files header-only and getting their attributes through C#
# and Java against the C ABI directly: per file and per get-string call, as ratios binding/C.
# Report options (bindings_report.py): --passes N, --calls N, --runs N.
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error,
# 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench bindings"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR [--passes N] [--calls N] [--runs N]" >&2
  exit 2
fi
bench_build_dir "$1"

bench_build "DCMKIT_BUILD_BENCH DCMKIT_BUILD_SWIG" bench_make_corpus bench_bindings_read_headers bench_bindings_programs

bench_corpus

exec /usr/bin/python3 "$here/bindings_report.py" --build "$build" --corpus "$corpus" "${@:2}"
