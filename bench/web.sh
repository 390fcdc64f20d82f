#!/usr/bin/env bash
# The DICOMweb benchmark (`./dk.sh bench web`): bench/web.sh BUILD_DIR [--studies N] [--queries N] [--rounds N]
#                                                  [--only stow,qido,wado] [--client discard|curl]
#
# Builds the CLI, the corpus generator and bench/qr_client in BUILD_DIR (skipped when
# DCMKIT_BENCH_NO_BUILD is set), generates the CT corpus once into BUILD_DIR/bench-corpus (or
# $DCMKIT_BENCH_CORPUS; shared with the other benchmarks), then runs bench/web_report.py: `dcmkit
# serve --http` against Orthanc with its DICOMweb plugin (Debian's orthanc and orthanc-dicomweb) on
# the same data: STOW-RS of the 500 CT files (images/s), QIDO-RS study searches over 4,000 studies
# (queries/s), WADO-RS retrieval of the CT studies (images/s and the server's peak RSS).
#
# Exit status: 0 when every measurement ran (missed targets are printed as MISSED), 1 on an error,
# 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench web"
# shellcheck source=bench/common.sh
. "$here/common.sh"

if [[ $# -lt 1 || $1 == -h || $1 == --help ]]; then
  echo "usage: $0 BUILD_DIR [--studies N] [--queries N] [--rounds N] [--only stow,qido,wado] [--client discard|curl]" >&2
  exit 2
fi
bench_build_dir "$1"
shift
bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus bench_qr_client
bench_need "./dk.sh setup installs curl, dcmtk, orthanc and orthanc-dicomweb" curl dcmdump /usr/sbin/Orthanc \
  /usr/share/orthanc/plugins/libOrthancDicomWeb.so
bench_corpus

exec /usr/bin/python3 "$here/web_report.py" --build "$build" --corpus "$corpus" "$@"
