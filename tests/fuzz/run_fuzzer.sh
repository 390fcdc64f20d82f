#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a seed corpus made by make_seeds.sh.
# Usage: run_fuzzer.sh FUZZER WORK_DIR SECONDS [SEED_OPTION]
set -euo pipefail
fuzzer=$1 work=$2 seconds=$3 seed_option=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work/corpus" "$work/artifacts"
[ -n "$(ls -A "$work/corpus")" ] || "$here/make_seeds.sh" $seed_option "$work/corpus"
exec "$fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus"
