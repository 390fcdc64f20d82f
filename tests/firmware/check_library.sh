#!/bin/sh
# The firmware build's C ABI library: its NEEDED entries must be only the C and C++ runtimes
# (libc, libm, libstdc++, libgcc_s, the dynamic loader) and zlib when that build has
# DCMKIT_WITH_ZLIB; its stripped size is reported, and checked against a limit when one is given.
# Usage: check_library.sh BUILD_DIR [MAX_STRIPPED_BYTES] [READELF] [STRIP]
set -eu
dir=$1
max=${2:-0}
readelf=${3:-readelf}
strip=${4:-strip}
lib=$dir/capi/libdcmkit.so
[ -f "$lib" ] || { echo "FAIL: no library at $lib"; exit 1; }
zlib=no
grep -q '^DCMKIT_WITH_ZLIB:BOOL=ON$' "$dir/CMakeCache.txt" && zlib=yes
needed=$("$readelf" -d "$lib" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
echo "NEEDED: $(echo $needed)"
status=0
for n in $needed; do
  case "$n" in
    libc.so.*|libm.so.*|libstdc++.so.*|libgcc_s.so.*|ld-linux*.so.*) ;;
    libz.so.*) [ $zlib = yes ] || { echo "FAIL: $lib needs $n, built with DCMKIT_WITH_ZLIB=OFF"; status=1; } ;;
    *) echo "FAIL: $lib needs $n, beyond libc, libm, libstdc++, libgcc_s (and zlib)"; status=1 ;;
  esac
done
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$strip" -o "$tmp" "$lib"
size=$(stat -c %s "$tmp")
echo "stripped size: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f MB", s / 1000000 }'))"
if [ "$max" -gt 0 ] && [ "$size" -gt "$max" ]; then
  echo "FAIL: stripped size $size exceeds $max bytes"
  status=1
fi
exit $status
