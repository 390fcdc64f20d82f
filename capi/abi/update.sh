#!/bin/sh
# Regenerates the ABI baseline, capi/abi/libdcmkit.abi, from a built libdcmkit.so — on purpose only,
# with an ABI change you mean to ship (see README.md here): from a RelWithDebInfo build made with
# the CI's compiler and flags (abidw needs the debug info; ./dk.sh build makes one in build/).
#
# usage: capi/abi/update.sh [LIBDCMKIT_SO]        (default: build/capi/libdcmkit.so)
#
# The calls of dcmkit/experimental.h (symbol version DCMKIT_EXPERIMENTAL) stay out of the baseline:
# the symbol list given to abidw (-w) holds only the stable node's symbols, which drops their ELF
# symbols, and their declarations are then taken out of the XML.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
lib=${1:-$here/../../build/capi/libdcmkit.so}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$lib" >"$tmp/nm"
{ echo "[abi_whitelist]"; awk '$2 == "T" && $3 ~ /@@DCMKIT_[0-9]+$/ { sub(/@.*/, "", $3); print "  " $3 }' "$tmp/nm"; } >"$tmp/stable"
awk '$2 == "T" && $3 ~ /@@DCMKIT_EXPERIMENTAL$/ { sub(/@.*/, "", $3); print $3 }' "$tmp/nm" >"$tmp/experimental"
abidw --headers-dir "$here/../include/dcmkit" --drop-private-types --exported-interfaces-only \
      --no-corpus-path --no-comp-dir-path --short-locs -w "$tmp/stable" --out-file "$tmp/abi" "$lib"
/usr/bin/python3 - "$tmp/abi" "$tmp/experimental" "$here/libdcmkit.abi" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
for name in open(sys.argv[2]).read().split():
    text = re.sub(r"\n *<function-decl name='%s'[^>]*?(/>|>.*?</function-decl>)" % re.escape(name), "", text, flags=re.S)
open(sys.argv[3], "w").write(text)
PY
echo "$here/libdcmkit.abi: $(grep -c '<elf-symbol ' "$here/libdcmkit.abi") functions"
