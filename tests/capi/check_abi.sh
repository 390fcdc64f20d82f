#!/bin/sh
# Compares the ABI of the built libdcmkit.so with the committed baseline, capi/abi/libdcmkit.abi.
#
# usage: check_abi.sh LIBDCMKIT_SO INCLUDE_DIR BASELINE      (exit 77 = skipped: no abidiff)
#
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change, 8 incompatible change.
# Bit 8 is set only when functions or variables are removed; a changed struct layout or enumerator
# value sets bit 4 alone (checked with abigail-tools 2.2). So:
#   - bit 8, or bit 4 with any removed or changed function or variable: an incompatible change, fail;
#   - bit 4 with only added functions or variables: a compatible change, printed, passes (regenerate
#     the baseline when the release ships it).
# Types the public headers do not define (the internals behind the opaque dk_dataset) are left out
# of the comparison: --headers-dir2 here, --headers-dir and --drop-private-types for the baseline.
#
# Updating the baseline on purpose (see capi/abi/README.md): from a RelWithDebInfo build made with
# the CI's compiler and flags (abidw needs the debug info; ./dk.sh build makes one in build/), run
#
#   capi/abi/update.sh build/capi/libdcmkit.so
#
# and commit it with the change, saying why the ABI changes. An incompatible change also bumps the
# ABI major (DCMKIT_ABI_MAJOR in capi/CMakeLists.txt and the node in capi/libdcmkit.map).
# The calls of dcmkit/experimental.h (symbol version DCMKIT_EXPERIMENTAL) are outside the promise:
# update.sh leaves them out of the baseline and capi/abi/experimental.suppr out of the check.
set -u
lib=$1 include=$2 baseline=$3
if ! command -v abidiff >/dev/null 2>&1; then
  echo "abidiff (abigail-tools) not found: ABI check skipped"
  exit 77
fi
if [ ! -f "$baseline" ]; then
  echo "no ABI baseline at $baseline (see capi/abi/README.md to make one)"
  exit 1
fi
suppr=$(dirname "$baseline")/experimental.suppr
report=$(abidiff --fail-no-debug-info --suppressions "$suppr" --headers-dir2 "$include/dcmkit" "$baseline" "$lib")
rc=$?
printf '%s\n' "$report"
if [ $((rc & 3)) -ne 0 ]; then
  echo "abidiff failed (exit status $rc)"
  exit 1
fi
how="If it is intended, regenerate the baseline (and for an incompatible change bump the ABI major): see capi/abi/README.md."
if [ $((rc & 8)) -ne 0 ]; then
  echo "INCOMPATIBLE ABI change against $baseline (exit status $rc): see above. $how"
  exit 1
fi
if [ $((rc & 4)) -ne 0 ]; then
  # "Functions changes summary: 0 Removed, 1 Changed (1 filtered out), 2 Added functions", and the
  # same for variables and for symbols without debug info.
  changed=$(printf '%s\n' "$report" | grep -E 'changes summary:' | grep -E '(^|[^0-9])[1-9][0-9]* (Removed|Changed)' || true)
  if [ -n "$changed" ]; then
    echo "ABI change that removes or changes existing interfaces against $baseline: see above. $how"
    exit 1
  fi
  echo "compatible ABI change (additions only) against $baseline: passes; regenerate the baseline when it ships."
  exit 0
fi
echo "ABI unchanged against $baseline"
exit 0
