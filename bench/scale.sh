#!/usr/bin/env bash
# The scale-out benchmark (`./dk.sh bench scale`): bench/scale.sh BUILD_DIR [--instances N] [...]
#
# Builds the CLI, the corpus generator and bench/archive_bench in BUILD_DIR (skipped when
# DCMKIT_BENCH_NO_BUILD is set), generates the CT corpus once (BUILD_DIR/bench-corpus or
# $DCMKIT_BENCH_CORPUS, shared with the other benchmarks), starts a throwaway PostgreSQL 15 cluster
# and runs bench/scale_report.py: ingest of the 500 CT files into one `dcmkit serve` node on SQLite,
# one on PostgreSQL and two on PostgreSQL with one shared storage folder (images/s, CPU per image
# of the servers and of PostgreSQL), and study-level C-FIND latency on an index of --instances
# (default 1,000,000) synthetic instances on SQLite and on PostgreSQL. Extra arguments go to
# scale_report.py (see its --help).
#
# Exit status: 0 when every measurement ran, 1 on an error, 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench scale"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR [--instances N] [--skip-find] [--skip-ingest]" >&2
  exit 2
fi
bench_build_dir "$1"
shift

grep -q '^DCMKIT_WITH_POSTGRESQL:BOOL=ON' "$build/CMakeCache.txt" ||
  bench_fail "$build was configured without PostgreSQL (DCMKIT_WITH_POSTGRESQL=OFF; libpq-dev missing?)"
bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus bench_archive_bench
bench_need "./dk.sh setup installs postgresql-15" /usr/lib/postgresql/15/bin/postgres

bench_corpus

exec /usr/bin/python3 "$here/scale_report.py" --build "$build" --corpus "$corpus" "$@"
