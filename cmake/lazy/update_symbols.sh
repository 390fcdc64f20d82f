#!/bin/sh
# Rewrites cmake/lazy/NAME.syms, the functions dcmkit calls in each library it loads on first use
# (cmake/lazy_load.cmake), from a configured and built tree:
#   sh cmake/lazy/update_symbols.sh BUILD_DIR [NAME...]      (default: every NAME.syms there is)
# A function is listed when a dcmkit layer archive (libdcmkit_*.a) leaves it undefined and the
# library lib<NAME>.so defines it. Run after calling a new function of such a library: the link
# fails ("undefined reference") until it is listed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:?usage: $0 BUILD_DIR [NAME...]}
shift
[ $# -gt 0 ] || set -- $(cd "$here" && ls *.syms | sed 's/\.syms$//')
archives=$(find "$build/core" -name 'libdcmkit_*.a')
[ -n "$archives" ] || { echo "$0: no libdcmkit_*.a under $build/core: build it first" >&2; exit 1; }
undefined=$(mktemp)
trap 'rm -f "$undefined"' EXIT
nm -u --format=just-symbols $archives 2>/dev/null | sort -u >"$undefined"
for name in "$@"; do
  lib=$(${CC:-cc} -print-file-name="lib$name.so")
  [ -f "$lib" ] || { echo "$0: lib$name.so not found (its -dev package installed?)" >&2; exit 1; }
  {
    echo "# Functions of lib$name dcmkit calls, loaded on first use (cmake/lazy_load.cmake)."
    echo "# Written by cmake/lazy/update_symbols.sh; one name a line."
    nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWi]$/ {print $3}' | sed 's/@.*//' | sort -u | comm -12 "$undefined" -
  } >"$here/$name.syms"
  echo "$name: $(grep -vc '^#' "$here/$name.syms") functions"
done
