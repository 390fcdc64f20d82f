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
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench qr"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR [--instances N] [--studies N] [--queries N]" >&2
  exit 2
fi
bench_build_dir "$1"
shift

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus bench_qr_client

bench_need "./dk.sh setup installs the dcmtk package" storescu findscu getscu dcmqrscp dcmdump

bench_corpus

exec /usr/bin/python3 "$here/qr_report.py" --build "$build" --corpus "$corpus" "$@"
