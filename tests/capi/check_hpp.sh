#!/bin/sh
# The header-only C++ wrapper's module headers (capi/include/dcmkit/*.hpp): each compiles on its own
# (included alone, twice, into a translation unit of its own, C++17 with the project's warnings as
# errors), and the umbrella dcmkit.hpp reaches every one of them, so that `#include
# <dcmkit/dcmkit.hpp>` keeps giving the whole wrapper.
#
# usage: check_hpp.sh CXX INCLUDE_DIR GENERATED_INCLUDE_DIR   (the latter holds dcmkit/dk_uids.h)
set -u
cxx=$1 include=$2 generated=$3
flags="-std=c++17 -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wpedantic -Werror"
tmp=$(mktemp -d /tmp/dcmkit-hpp-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
n=0
for h in "$include"/dcmkit/*.hpp; do
  name=$(basename "$h")
  n=$((n + 1))
  printf '#include "dcmkit/%s"\n#include "dcmkit/%s"\n' "$name" "$name" >"$tmp/$name.cpp"
  # shellcheck disable=SC2086  # $flags: one word per flag
  if $cxx $flags -fsyntax-only -I"$include" -I"$generated" "$tmp/$name.cpp" 2>"$tmp/$name.err"; then
    echo "ok: dcmkit/$name compiles alone"
  else
    echo "FAIL: dcmkit/$name does not compile alone:"
    cat "$tmp/$name.err"
    fail=1
  fi
done
[ "$n" -gt 1 ] || { echo "FAIL: no module headers under $include/dcmkit"; exit 1; }

# Every header the umbrella includes, directly or not (the compiler's dependency list).
printf '#include "dcmkit/dcmkit.hpp"\n' >"$tmp/umbrella.cpp"
if ! $cxx -std=c++17 -M -I"$include" -I"$generated" "$tmp/umbrella.cpp" >"$tmp/umbrella.d" 2>"$tmp/umbrella.err"; then
  cat "$tmp/umbrella.err"
  exit 1
fi
for h in "$include"/dcmkit/*.hpp; do
  name=$(basename "$h")
  [ "$name" = dcmkit.hpp ] && continue
  if ! grep -Eq "/dcmkit/$(printf '%s' "$name" | sed 's/[.]/[.]/g')( |\$)" "$tmp/umbrella.d"; then
    echo "FAIL: dcmkit/dcmkit.hpp does not include dcmkit/$name"
    fail=1
  fi
done
[ "$fail" -eq 0 ] && echo "ok: dcmkit/dcmkit.hpp includes the $((n - 1)) module headers"
exit "$fail"
