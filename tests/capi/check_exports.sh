#!/bin/sh
# Checks the dynamic symbol table of libdcmkit.so: it must export the dk_* functions the public
# headers declare, all of them and nothing else (the version script, capi/libdcmkit.map, keeps the
# static C++ core, libstdc++ instances and zlib local), and each of them must be called by a C test.
#
# usage: check_exports.sh LIBDCMKIT_SO INCLUDE_DIR C_TESTS_DIR
#
# `nm -D --defined-only` lists, besides the functions (T, as dk_x@@DCMKIT_1), the version nodes
# themselves (absolute symbols, A DCMKIT_1 and A DCMKIT_EXPERIMENTAL): those are expected. The
# functions of dcmkit/experimental.h must carry DCMKIT_EXPERIMENTAL, all others DCMKIT_<major>.
set -eu
lib=$1 include=$2 tests=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

nm -D --defined-only "$lib" >"$tmp/nm"
# Anything that is neither a dk_ function nor the version node leaks.
awk '!(($2 == "T" && $3 ~ /^dk_[a-z0-9_]+(@@?DCMKIT_([0-9]+|EXPERIMENTAL))?$/) || ($2 == "A" && $3 ~ /^DCMKIT_([0-9]+|EXPERIMENTAL)$/))' \
  "$tmp/nm" >"$tmp/leaks"
if [ -s "$tmp/leaks" ]; then
  echo "libdcmkit exports symbols that are not dk_* functions:"
  cat "$tmp/leaks"
  status=1
fi
awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' "$tmp/nm" | sort -u >"$tmp/exported"

# The experimental calls, and only they, are in the DCMKIT_EXPERIMENTAL node.
awk '$2 == "T" && $3 ~ /@@?DCMKIT_EXPERIMENTAL$/ { sub(/@.*/, "", $3); print $3 }' "$tmp/nm" | sort -u >"$tmp/exp_exported"
tr '\n' ' ' <"$include"/dcmkit/experimental.h | grep -o 'DK_EXTERN([^)]*) *dk_[a-z0-9_]*' |
  sed 's/.* //' | sort -u >"$tmp/exp_declared"
if ! cmp -s "$tmp/exp_exported" "$tmp/exp_declared"; then
  echo "functions with symbol version DCMKIT_EXPERIMENTAL (<) and declared in experimental.h (>) differ:"
  diff "$tmp/exp_exported" "$tmp/exp_declared" || true
  status=1
fi

# Declared: DK_EXTERN(type) dk_name(  in the public headers.
cat "$include"/dcmkit/*.h | tr '\n' ' ' | grep -o 'DK_EXTERN([^)]*) *dk_[a-z0-9_]*' |
  sed 's/.* //' | sort -u >"$tmp/declared"

if ! cmp -s "$tmp/exported" "$tmp/declared"; then
  echo "exported (<) and declared (>) dk_ functions differ:"
  diff "$tmp/exported" "$tmp/declared" || true
  status=1
fi

# Every function has a C test that calls it.
while read -r f; do
  if ! grep -q "\\b$f *(" "$tests"/*.c; then
    echo "no C test in $tests calls $f"
    status=1
  fi
done <"$tmp/exported"

echo "$(wc -l <"$tmp/exported") dk_ functions exported, $(wc -l <"$tmp/declared") declared"
[ $status -eq 0 ] && echo "exports OK"
exit $status
