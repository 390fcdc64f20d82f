#!/usr/bin/env bash
# The JPEG export benchmark (the `jpeg` part of `./dk.sh bench media`):
#   bench/media_jpeg.sh BUILD_DIR [--files N] [--rounds N]
#
# Builds the CLI and the corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set),
# generates the corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; shared with the
# other benchmarks), then renders to baseline JPEG (quality 90, the file's first VOI window), whole
# process, against DCMTK's dcmj2pnm:
#   single frames: --files (default 100) of the CT files (512x512, 16-bit), one process per file:
#     ours:   dcmkit export IN OUT.jpg
#     theirs: dcmj2pnm +oj +Jq 90 +Wi 1 IN OUT.jpg
#   multi-frame: the corpus's 550-frame file, every frame to its own file:
#     ours:   dcmkit export IN OUT.jpg          (OUT_0001.jpg ...)
#     theirs: dcmj2pnm +oj +Jq 90 +Wi 1 +Fa IN OUT   (OUT.0.jpg ...)
# Each runs --rounds times (default 3), alternating, into a fresh folder; the best wall time of each,
# the CPU times and the ratio are printed. The outputs are checked to be the same picture: one JPEG of
# each tool is decoded by DCMTK (img2dcm, dcmdjpeg) and compared with pydicom (mean difference at
# most 2 of 255 levels), and the multi-frame runs must write 550 files each.
#
# Exit status: 0 when every measurement ran, 1 on an error (a tool failing, a file missing, the
# pictures differing), 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench media (jpeg)"
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage="usage: $0 BUILD_DIR [--files N] [--rounds N]"
if [[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]]; then
  echo "$usage"
  sed -n '3,21s/^# \{0,1\}//p' "$0"
  exit 0
fi
if [[ $# -lt 1 ]]; then
  echo "$usage" >&2
  exit 2
fi
bench_build_dir "$1"
shift
rounds=3 files=100
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }; rounds=$2; shift 2 ;;
    --files) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }; files=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus
bench_need "./dk.sh setup installs the dcmtk package" dcmj2pnm img2dcm dcmdjpeg

bench_corpus
mapfile -t inputs < <(find "$corpus/ct" -name '*.dcm' | sort | head -n "$files")
multi=$corpus/multiframe.dcm
[[ ${#inputs[@]} -gt 0 && -f $multi ]] || { echo "bench media (jpeg): error: the corpus has no CT files or no multiframe.dcm" >&2; exit 1; }
work=$(mktemp -d "$build/bench-jpeg.XXXXXX")
trap 'rm -rf "$work"' EXIT
dcmkit=$build/bin/dcmkit

# timed NAME COMMAND...: runs COMMAND under /usr/bin/time; prints "wall user sys" (seconds).
timed() {
  local name=$1
  shift
  local t
  t=$( { /usr/bin/time -f '%e %U %S' "$@" >/dev/null 2>"$work/$name.err"; } 2>&1 ) || {
    echo "bench media (jpeg): error: $name failed:" >&2
    cat "$work/$name.err" >&2
    exit 1
  }
  t=$(tail -1 <<<"$t")
  [[ -n $t ]] || t=$(tail -1 "$work/$name.err")
  echo "$t"
}
single_ours() { local i=0; for f in "${inputs[@]}"; do "$dcmkit" export "$f" "$1/$((i++)).jpg" || return 1; done; }
single_theirs() { local i=0; for f in "${inputs[@]}"; do dcmj2pnm +oj +Jq 90 +Wi 1 "$f" "$1/$((i++)).jpg" || return 1; done; }
export -f single_ours single_theirs
export dcmkit

best() { printf '%s\n%s\n' "$1" "$2" | sed '/^$/d' | sort -n | head -1; }
b1o="" b1t="" bmo="" bmt=""
for ((r = 1; r <= rounds; r++)); do
  for d in so st mo mt; do rm -rf "${work:?}/$d"; mkdir "$work/$d"; done
  o=$(timed single-ours bash -c "$(declare -p inputs); single_ours '$work/so'")
  t=$(timed single-dcmj2pnm bash -c "$(declare -p inputs); single_theirs '$work/st'")
  mo=$(timed multi-ours "$dcmkit" export "$multi" "$work/mo/f.jpg")
  mt=$(timed multi-dcmj2pnm dcmj2pnm +oj +Jq 90 +Wi 1 +Fa "$multi" "$work/mt/f")
  for d in mo mt; do
    n=$(find "$work/$d" -name '*.jpg' | wc -l)
    [[ $n -eq 550 ]] || { echo "bench media (jpeg): error: $d wrote $n files for 550 frames" >&2; exit 1; }
  done
  echo "round $r: ${#inputs[@]} files: dcmkit $o | dcmj2pnm $t; 550 frames: dcmkit $mo | dcmj2pnm $mt (wall user sys, s)"
  b1o=$(best "$b1o" "$o"); b1t=$(best "$b1t" "$t"); bmo=$(best "$bmo" "$mo"); bmt=$(best "$bmt" "$mt")
done

# The same picture: the first single-frame JPEG and frame 1 of the multi-frame, both tools'.
for pair in "so/0.jpg st/0.jpg" "mo/f_0001.jpg mt/f.0.jpg"; do
  read -r a b <<<"$pair"
  for j in "$a" "$b"; do
    img2dcm -q "$work/$j" "$work/$j.dcm" && dcmdjpeg "$work/$j.dcm" "$work/$j.raw.dcm"
  done
  /usr/bin/python3 - "$work/$a.raw.dcm" "$work/$b.raw.dcm" <<'PY' || exit 1
import sys
import numpy as np
import pydicom
a = pydicom.dcmread(sys.argv[1]).pixel_array.astype(int)
b = pydicom.dcmread(sys.argv[2]).pixel_array.astype(int)
if a.shape != b.shape or np.abs(a - b).mean() > 2:
    sys.exit("bench media (jpeg): error: the two JPEGs differ (%s vs %s, mean difference %.2f)"
             % (a.shape, b.shape, np.abs(a - b).mean() if a.shape == b.shape else -1))
PY
done

/usr/bin/python3 - "${#inputs[@]}" "$b1o" "$b1t" "$bmo" "$bmt" <<'PY'
import sys
n = int(sys.argv[1])
so, st, mo, mt = ([float(x) for x in a.split()] for a in sys.argv[2:6])
print("JPEG export (quality 90, first VOI window), whole process, best of the rounds:")
print("  %d single-frame files, one process each:" % n)
print("    dcmkit export   %6.2f s  (user %.2f s, sys %.2f s)" % tuple(so))
print("    dcmj2pnm +oj    %6.2f s  (user %.2f s, sys %.2f s)" % tuple(st))
print("    ratio %.1fx wall" % (st[0] / so[0] if so[0] > 0 else float("inf")))
print("  550-frame file, every frame:")
print("    dcmkit export   %6.2f s  (user %.2f s, sys %.2f s)" % tuple(mo))
print("    dcmj2pnm +Fa    %6.2f s  (user %.2f s, sys %.2f s)" % tuple(mt))
print("    ratio %.1fx wall" % (mt[0] / mo[0] if mo[0] > 0 else float("inf")))
PY
