#!/usr/bin/env bash
# The export-media benchmark (the `export` part of `./dk.sh bench media`):
#   bench/media_export.sh BUILD_DIR [--rounds N]
#
# Builds the CLI and the corpus generator in BUILD_DIR (skipped when DCMKIT_BENCH_NO_BUILD is set),
# generates the corpus once into BUILD_DIR/bench-corpus (or $DCMKIT_BENCH_CORPUS; shared with the
# other benchmarks), copies its 500 CT files (512x512x16-bit, ~250 MB) once under PS3.10 names
# (SRC/DICOM/Innnnnnn; not timed), then makes a media folder with its DICOMDIR from them, whole
# process, against what a DCMTK/GDCM user runs for the same:
#   as they are:
#     ours:   dcmkit export-media OUT SRC --no-fsync
#     theirs: cp -r SRC/DICOM OUT/ && dcmmkdir -q +r -Pgp +id OUT +D OUT/DICOMDIR
#   de-identified (Basic Profile):
#     ours:   dcmkit export-media OUT SRC --deidentify --key KEY --no-fsync
#     theirs: gdcmanon -e -c CERT -i SRC/DICOM -o OUT/DICOM && dcmmkdir -q +r -Pgp +I +id OUT +D OUT/DICOMDIR
#             (+I: de-identification empties Type 1 keys that dcmmkdir then invents, as ours does)
# No tool flushes its files to the disk. Each runs --rounds times (default 3), alternating, into a
# fresh folder; the best wall time of each, the CPU times and the ratio are printed; every output is
# checked to hold 500 instances and a DICOMDIR.
#
# Exit status: 0 when every measurement ran, 1 on an error (a tool failing or losing files), 2 on a
# usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_name="bench media (export)"
# shellcheck source=bench/common.sh
. "$here/common.sh"

usage="usage: $0 BUILD_DIR [--rounds N]"
if [[ $# -ge 1 && ( $1 == -h || $1 == --help ) ]]; then
  echo "$usage"
  sed -n '3,20s/^# \{0,1\}//p' "$0"
  exit 0
fi
if [[ $# -lt 1 ]]; then
  echo "$usage" >&2
  exit 2
fi
bench_build_dir "$1"
shift
rounds=3
while [[ $# -gt 0 ]]; do
  case $1 in
    --rounds) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }; rounds=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

bench_build DCMKIT_BUILD_BENCH dcmkit_cli bench_make_corpus
bench_need "./dk.sh setup installs dcmtk, libgdcm-tools and openssl" dcmmkdir gdcmanon openssl

bench_corpus
work=$(mktemp -d "$build/bench-export.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$work/src
mkdir -p "$src/DICOM"
i=0
while IFS= read -r f; do
  cp "$f" "$src/DICOM/$(printf 'I%07d' "$i")"
  i=$((i + 1))
done < <(find "$corpus/ct" -name '*.dcm' | sort)
count=$i
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 \
  -subj /CN=dcmkit-bench 2>/dev/null
dcmkit=$build/bin/dcmkit
"$dcmkit" deidentify --new-key "$work/deid.key" 2>/dev/null

# run NAME OUT COMMAND...: one timed run into a fresh OUT; prints "wall user sys" (seconds) and checks
# that OUT holds the instances and a DICOMDIR.
run() {
  local name=$1 out=$2
  shift 2
  rm -rf "$out"
  local t
  t=$( { /usr/bin/time -f '%e %U %S' "$@" >/dev/null 2>"$work/$name.err"; } 2>&1 ) || {
    echo "bench media (export): error: $name failed:" >&2
    cat "$work/$name.err" >&2
    exit 1
  }
  t=$(tail -1 <<<"$t")
  [[ -n $t ]] || t=$(tail -1 "$work/$name.err")
  local n
  n=$(find "$out/DICOM" -type f | wc -l)
  if [[ $n -ne $count || ! -s $out/DICOMDIR ]]; then
    echo "bench media (export): error: $name wrote $n files for $count$([[ -s $out/DICOMDIR ]] || echo ', and no DICOMDIR')" >&2
    exit 1
  fi
  echo "$t"
}

best() { printf '%s\n%s\n' "$1" "$2" | sed '/^$/d' | sort -n | head -1; }
bo="" bt="" bdo="" bdt=""
for ((r = 1; r <= rounds; r++)); do
  o=$(run ours "$work/o" "$dcmkit" export-media "$work/o" "$src" --no-fsync)
  # shellcheck disable=SC2016  # the peers' chain gets its paths as arguments
  t=$(run theirs "$work/t" bash -c 'mkdir "$2" && cp -r "$1/DICOM" "$2/" && dcmmkdir -q +r -Pgp +id "$2" +D "$2/DICOMDIR"' \
        _ "$src" "$work/t")
  do_=$(run ours-deid "$work/od" "$dcmkit" export-media "$work/od" "$src" --deidentify --key "$work/deid.key" --no-fsync)
  # shellcheck disable=SC2016
  dt=$(run theirs-deid "$work/td" bash -c 'mkdir "$2" && gdcmanon -e -c "$3" -i "$1/DICOM" -o "$2/DICOM" &&
        dcmmkdir -q +r -Pgp +I +id "$2" +D "$2/DICOMDIR"' _ "$src" "$work/td" "$work/cert.pem")
  echo "round $r: dcmkit $o | cp + dcmmkdir $t; de-identified: dcmkit $do_ | gdcmanon + dcmmkdir $dt (wall user sys, s)"
  bo=$(best "$bo" "$o"); bt=$(best "$bt" "$t"); bdo=$(best "$bdo" "$do_"); bdt=$(best "$bdt" "$dt")
done

/usr/bin/python3 - "$count" "$bo" "$bt" "$bdo" "$bdt" <<'PY'
import sys
n = int(sys.argv[1])
o, t, do, dt = ([float(x) for x in a.split()] for a in sys.argv[2:6])
ratio = lambda a, b: b[0] / a[0] if a[0] > 0 else float("inf")
print("export %d CT files to a media folder with its DICOMDIR, whole process, best of the rounds:" % n)
print("  as they are:")
print("    dcmkit export-media        %6.2f s  (user %.2f s, sys %.2f s)" % tuple(o))
print("    cp -r + dcmmkdir           %6.2f s  (user %.2f s, sys %.2f s)" % tuple(t))
print("    ratio %.1fx wall" % ratio(o, t))
print("  de-identified (Basic Profile):")
print("    dcmkit export-media        %6.2f s  (user %.2f s, sys %.2f s)" % tuple(do))
print("    gdcmanon -e + dcmmkdir +I  %6.2f s  (user %.2f s, sys %.2f s)" % tuple(dt))
print("    ratio %.1fx wall" % ratio(do, dt))
PY
