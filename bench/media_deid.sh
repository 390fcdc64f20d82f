#!/usr/bin/env bash
# The de-identification benchmark (the `deid` part of `./dk.sh bench media`):
#   bench/media_deid.sh BUILD_DIR [--rounds N]
#
# Builds the CLI and the corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set),
# generates the corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; shared with the
# other benchmarks), then de-identifies its 500 CT files (512x512x16-bit, ~250 MB) with the Basic
# Application Level Confidentiality Profile, whole process, folder in, folder out:
#   ours:   dcmkit deidentify CT_DIR --out OUT --key KEY --no-fsync   (one thread per hardware thread,
#           the default; like gdcmanon, the files are
#           left to the page cache; without --no-fsync, the default, they are flushed to the disk
#           at the end: that time is printed too)
#   theirs: gdcmanon -e -c CERT -i CT_DIR -o OUT            (GDCM; its Basic Profile needs a
#           certificate, for the Encrypted Attributes Sequence; made here with openssl)
# Each runs --rounds times (default 5), alternating, into a fresh folder in BUILD_DIR; the best wall time of each, their CPU times and the ratio are printed against the
# target (ours >= 5x faster). The output folders are checked to hold 500 files each.
#
# Exit status: 0 when every measurement ran (a missed target is printed as MISSED), 1 on an error
# (a tool failing or losing files), 2 on a usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench media (deid)"
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage="usage: $0 BUILD_DIR [--rounds N]"
if [[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]]; then
  echo "$usage"
  sed -n '3,17s/^# \{0,1\}//p' "$0"
  exit 0
fi
if [[ $# -lt 1 ]]; then
  echo "$usage" >&2
  exit 2
fi
bench_build_dir "$1"
shift
rounds=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }; rounds=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus
bench_need "./dk.sh setup installs libgdcm-tools and openssl" gdcmanon openssl

bench_corpus
ct=$corpus/ct
count=$(find "$ct" -name '*.dcm' | wc -l)
work=$(mktemp -d "$build/bench-deid.XXXXXX")
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
  -subj /CN=dcmkit-bench 2>/dev/null
"$build/bin/dcmkit" deidentify --new-key "$work/deid.key" 2>/dev/null

# run NAME OUT COMMAND...: one timed run; prints "wall user sys" (seconds) and checks the file count.
run() {
  local name=$1 out=$2
  shift 2
  rm -rf "$out"
  local t
  t=$( { /usr/bin/time -f '%e %U %S' "$@" >/dev/null 2>"$work/$name.err"; } 2>&1 ) || {
    echo "bench media (deid): error: $name failed:" >&2
    cat "$work/$name.err" >&2
    exit 1
  }
  t=$(tail -1 <<<"$t")
  [[ -n $t ]] || t=$(tail -1 "$work/$name.err")
  local n
  n=$(find "$out" -type f -name '*' ! -name '.*' | wc -l)
  if [[ $n -ne $count ]]; then
    echo "bench media (deid): error: $name wrote $n files for $count" >&2
    exit 1
  fi
  echo "$t"
}

best() { printf '%s\n%s\n' "$1" "$2" | sed '/^$/d' | sort -n | head -1; }
best_ours="" best_durable="" best_theirs=""
for ((i = 1; i <= rounds; i++)); do
  o=$(run dcmkit "$work/ours" "$build/bin/dcmkit" deidentify "$ct" --out "$work/ours" --key "$work/deid.key" --no-fsync)
  g=$(run gdcmanon "$work/theirs" gdcmanon -e -c "$work/cert.pem" -i "$ct" -o "$work/theirs")
  d=$(run dcmkit-durable "$work/durable" "$build/bin/dcmkit" deidentify "$ct" --out "$work/durable" --key "$work/deid.key")
  echo "round $i: dcmkit $o | gdcmanon $g | dcmkit flushed $d (wall user sys, s)"
  best_ours=$(best "$best_ours" "$o")
  best_theirs=$(best "$best_theirs" "$g")
  best_durable=$(best "$best_durable" "$d")
done

/usr/bin/python3 - "$count" "$best_ours" "$best_theirs" "$best_durable" <<'PY'
import sys
count = int(sys.argv[1])
ours = [float(x) for x in sys.argv[2].split()]
theirs = [float(x) for x in sys.argv[3].split()]
durable = [float(x) for x in sys.argv[4].split()]
ratio = theirs[0] / ours[0] if ours[0] > 0 else float("inf")
cpu = (theirs[1] + theirs[2]) / max(ours[1] + ours[2], 1e-9)
print("de-identify %d CT files (Basic Profile), whole process, best of the rounds:" % count)
print("  dcmkit deidentify  %6.2f s  (user %.2f s, sys %.2f s)" % tuple(ours))
print("  gdcmanon -e        %6.2f s  (user %.2f s, sys %.2f s)" % tuple(theirs))
print("  dcmkit, flushed    %6.2f s  (user %.2f s, sys %.2f s; the default: files on the disk)" % tuple(durable))
print("  ratio %.1fx wall, %.1fx CPU; target >= 5x: %s" % (ratio, cpu, "MET" if ratio >= 5 else "MISSED"))
PY
