#!/bin/bash
# Whole-process wall time (ms, around GNU time) and peak RSS (GNU time %M) of a C-ECHO and of receiving one file
# (a 512x512 16-bit CT, 0.5 MB, made with pydicom) with a dcmkit CLI and with DCMTK's
# echoscu/storescp/storescu, on 127.0.0.1. Each figure is the median of RUNS runs.
# Usage: measure.sh DCMKIT_CLI [RUNS]
set -euo pipefail
cli=$1
runs=${2:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$tmp/ct.dcm" <<'PY'
import sys
import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
m = FileMetaDataset()
m.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
m.MediaStorageSOPInstanceUID = generate_uid()
m.TransferSyntaxUID = ExplicitVRLittleEndian
ds = Dataset()
ds.file_meta = m
ds.SOPClassUID, ds.SOPInstanceUID = m.MediaStorageSOPClassUID, m.MediaStorageSOPInstanceUID
ds.PatientName, ds.PatientID, ds.Modality = "MEASURE^ONE", "M1", "CT"
ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
ds.Rows = ds.Columns = 512
ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
ds.PixelData = (np.arange(512 * 512, dtype=np.uint16) % 4096).tobytes()
ds.is_little_endian, ds.is_implicit_VR = True, False
ds.save_as(sys.argv[1], write_like_original=False)
PY
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
export TCP_NODELAY=1

# echo: the SCU process, against a storescp that stays up.
echo_run() { # label, command... (PORT substituted)
  local label=$1; shift
  local p; p=$(port)
  storescp -od "$tmp" "$p" & local scp=$!
  wait_port "$p"
  : >"$tmp/t"
  for _ in $(seq "$runs"); do
    local t0; t0=$(date +%s%N)
    /usr/bin/time -o "$tmp/one" -f "%M" "${@/PORT/$p}" >/dev/null 2>&1
    echo "$(( ($(date +%s%N) - t0) / 100000 )) $(cat "$tmp/one")" >>"$tmp/t"
  done
  kill "$scp"; wait "$scp" 2>/dev/null || true
  printf '%-28s wall %s ms  peak RSS %s KB\n' "$label" "$(cut -d' ' -f1 "$tmp/t" | median | awk '{print $1 / 10}')" \
    "$(cut -d' ' -f2 "$tmp/t" | median)"
}
# receive: the SCP process from start to the stop after one file (SIGTERM, or SIGINT for dcmkit), and the SCU.
recv_run() { # label, signal, scp command (PORT, OUT substituted), scu command (PORT substituted)
  local label=$1 sig=$2 scp_cmd=$3 scu_cmd=$4
  : >"$tmp/r"; : >"$tmp/s"
  for _ in $(seq "$runs"); do
    local p out; p=$(port); out=$(mktemp -d -p "$tmp")
    local c=${scp_cmd//PORT/$p}; c=${c//OUT/$out}
    /usr/bin/time -a -o "$tmp/r" -f "%e %M %U %S" $c >/dev/null 2>&1 & local t=$!
    wait_port "$p"
    local t0; t0=$(date +%s%N)
    /usr/bin/time -o "$tmp/one" -f "%M" ${scu_cmd//PORT/$p} >/dev/null 2>&1
    echo "$(( ($(date +%s%N) - t0) / 100000 )) $(cat "$tmp/one")" >>"$tmp/s"
    kill -"$sig" $(pgrep -P "$t") 2>/dev/null || true
    wait "$t" 2>/dev/null || true
    [ "$(ls "$out" | wc -l)" = 1 ] || echo "  ($label: $(ls "$out" | wc -l) files received)"
  done
  grep -v '^Command' "$tmp/r" >"$tmp/r2" || true
  printf '%-28s receiver peak RSS %s KB, CPU %s s; sender wall %s ms, peak RSS %s KB\n' "$label" \
    "$(cut -d' ' -f2 "$tmp/r2" | median)" "$(awk '{print $3+$4}' "$tmp/r2" | median)" \
    "$(cut -d' ' -f1 "$tmp/s" | median | awk '{print $1 / 10}')" "$(cut -d' ' -f2 "$tmp/s" | median)"
}

echo_run "dcmkit echo" "$cli" echo 127.0.0.1 PORT
echo_run "DCMTK echoscu" echoscu 127.0.0.1 PORT
recv_run "dcmkit recv + send" INT "$cli recv PORT --out OUT" "$cli send 127.0.0.1 PORT $tmp/ct.dcm"
recv_run "DCMTK storescp + storescu" TERM "storescp -od OUT PORT" "storescu 127.0.0.1 PORT $tmp/ct.dcm"
