#!/usr/bin/env bash
# Seeds for the DICOMDIR fuzzer, made with DCMTK: dcmmkdir over a file-set of two patients (three
# CT images from dump2dcm), and the same DICOMDIR after dcmmkdir +A appended a third patient.
# Usage: make_dicomdir_seeds.sh OUT_DIR
set -euo pipefail
out=$1
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/P1" "$tmp/P2" "$tmp/P3"
n=0
for p in P1 P1 P2 P3; do
  n=$((n + 1))
  cat >"$tmp/d$n.txt" <<DUMP
(0002,0010) UI 1.2.840.10008.1.2.1
(0008,0016) UI 1.2.840.10008.5.1.4.1.1.2
(0008,0018) UI 1.2.826.0.1.3680043.10.543.8.$n
(0008,0020) DA [20240101]
(0008,0030) TM [101010]
(0008,0050) SH [A$n]
(0008,0060) CS [CT]
(0010,0010) PN [NAME^$p]
(0010,0020) LO [$p]
(0020,000d) UI 1.2.826.0.1.3680043.10.543.8.$p
(0020,000e) UI 1.2.826.0.1.3680043.10.543.8.$p.1
(0020,0010) SH [1]
(0020,0011) IS [1]
(0020,0013) IS [$n]
DUMP
  dump2dcm "$tmp/d$n.txt" "$tmp/$p/IM$n"
done
(cd "$tmp" && dcmmkdir -q -Pgp +I +D "$out/two-patients.dicomdir" P1/IM1 P1/IM2 P2/IM3)
cp "$out/two-patients.dicomdir" "$tmp/DICOMDIR"
(cd "$tmp" && dcmmkdir -q -Pgp +A +I P3/IM4 && cp DICOMDIR "$out/appended.dicomdir")
