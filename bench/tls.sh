#!/usr/bin/env bash
# The TLS benchmark (`./dk.sh bench tls`): bench/tls.sh BUILD_DIR [--count N] [--rounds N] [--echo-rounds N]
#
# Builds the CLI, the corpus generator and bench/tls_setup in BUILD_DIR (skipped when
# DCMKIT_BENCH_NO_BUILD is set), generates the corpus once into BUILD_DIR/bench-corpus (or
# $DCMKIT_BENCH_CORPUS; reused when complete, shared with the parse and store benchmarks), makes a
# test PKI (tests/support/make_test_pki.sh) in a temporary folder, then runs bench/tls_report.py:
# the CT files over TLS (default profile, mutual authentication) in one association, dcmkit send ->
# dcmkit recv against storescu -> storescp, the same without TLS, and the time to open a TLS
# association (dcmkit echo against echoscu, and in-process through the library). Extra arguments
# go to tls_report.py (--count N sends only the first N files; see its --help).
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error
# (a tool failing, a run that loses files), 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench tls"
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage="usage: $0 BUILD_DIR [--count N] [--rounds N] [--echo-rounds N]"
if [[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]]; then
  echo "$usage"
  sed -n '3,14s/^# \{0,1\}//p' "$0"
  exit 0
fi
if [[ $# -lt 1 ]]; then
  echo "$usage" >&2
  exit 2
fi
bench_build_dir "$1"
shift

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus bench_tls_setup

bench_need "./dk.sh setup installs the dcmtk and openssl packages" storescu storescp echoscu openssl

bench_corpus

exec /usr/bin/python3 "$here/tls_report.py" --build "$build" --corpus "$corpus" "$@"
