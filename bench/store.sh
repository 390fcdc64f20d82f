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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench store"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -ne 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
bench_build_dir "$1"

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus

bench_need "./dk.sh setup installs the dcmtk package" storescu storescp

bench_corpus

exec /usr/bin/python3 "$here/store_report.py" --build "$build" --corpus "$corpus"
