#!/bin/sh
# run_with_storescp.sh WORKDIR DUMPFILE COMMAND...
#
# Makes the test file with DCMTK's dump2dcm, writes golden values read back with dcmdump
# (WORKDIR/golden.txt, key=value), starts DCMTK's storescp on a free port, runs COMMAND with
# DK_TEST_FILE, DK_TEST_GOLDEN, DK_TEST_PORT, DK_TEST_WORK set, stops storescp by its PID and checks
# with dcmdump that what COMMAND stored arrived (PatientName "Smith^Jane", the value the tests set)
# unless DK_TEST_EXPECT_STORE=0.
#
# With DK_TEST_QR=1 it also starts DCMTK's dcmqrscp (AE QRSCP, on 127.0.0.1) holding
# three instances made from qr.dump (two in one study, one in another), loaded with storescu; it
# knows a move destination DKDEST at 127.0.0.1:DK_TEST_DEST_PORT (a free port the test listens on).
# golden.txt then also has QrCount and, for each instance N, QrSop.N, QrStudy.N, QrSeries.N,
# QrName.N, QrPid.N, QrDate.N, QrAcc.N as dcmdump reads them. DK_TEST_QR_PORT is its port.
#
# With DK_TEST_CAPI_VALUES naming the capi_values program (capi_values.c), it writes the test file's
# values read through the C ABI, one canonical line per top-level element, to WORKDIR/capi_values.txt
# for the tests to compare with the same values read through the binding.
#
# Every DCMTK tool runs with TCP_NODELAY=1; only the PIDs started here are killed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1; dump=$2; shift 2
rm -rf "$work"; mkdir -p "$work/stored"
dump2dcm -q "$dump" "$work/in.dcm"

. "$here/peers.sh"
value() { dcmdump_value "$@"; }

{
  printf '%s=%s\n' PatientName "$(value PatientName "$work/in.dcm")"
  printf '%s=%s\n' PatientID "$(value PatientID "$work/in.dcm")"
  printf '%s=%s\n' SOPInstanceUID "$(value SOPInstanceUID "$work/in.dcm")"
  printf '%s=%s\n' SliceThickness "$(value SliceThickness "$work/in.dcm")"
  printf '%s=%s\n' InstanceNumber "$(value InstanceNumber "$work/in.dcm")"
  printf '%s=%s\n' NumberOfFrames "$(value NumberOfFrames "$work/in.dcm")"
  printf '%s=%s\n' Rows "$(value Rows "$work/in.dcm")"
  printf '%s=%s\n' PixelData "$(value PixelData "$work/in.dcm")"
  printf '%s=%s\n' RefCount "$(dcmdump -q +P ReferencedSOPInstanceUID "$work/in.dcm" | wc -l)"
  printf '%s=%s\n' RefUID1 "$(dcmdump -q +P ReferencedSOPInstanceUID "$work/in.dcm" | sed -n 2p | sed -e 's/.*\[//' -e 's/\].*//')"
} > "$work/golden.txt"
if [ -n "${DK_TEST_CAPI_VALUES:-}" ]; then
  "$DK_TEST_CAPI_VALUES" "$work/in.dcm" > "$work/capi_values.txt" \
    || { echo "FAIL: $DK_TEST_CAPI_VALUES $work/in.dcm"; exit 1; }
fi

pids=""      # our background peers, killed by PID
groups=""    # … and those that fork (dcmqrscp: a child per association), killed with their process group
stop_peers() {
  for g in $groups; do kill -- "-$g" 2>/dev/null || true; done
  for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=""; groups=""
}
trap stop_peers EXIT

port=$(free_port)
TCP_NODELAY=1 storescp -aet STORESCP +xa -od "$work/stored" "$port" > "$work/storescp.log" 2>&1 &
pid=$!
pids="$pid"
wait_port "$port" "$pid" storescp

if [ "${DK_TEST_QR:-0}" = 1 ]; then
  qr="$work/qr"
  mkdir -p "$qr/in" "$qr/db"
  base=1.2.826.0.1.3680043.2.1125.77
  n=0
  instance() {  # instance STUDY SERIES NAME PID DATE ACCESSION NUMBER
    n=$((n + 1))
    sed -e "s/@SOP@/$2.$7/" -e "s/@STUDY@/$1/" -e "s/@SERIES@/$2/" -e "s/@NAME@/$3/" -e "s/@PID@/$4/" \
        -e "s/@DATE@/$5/" -e "s/@ACC@/$6/" -e "s/@NUM@/$7/" "$here/qr.dump" > "$qr/in/$n.dump"
    dump2dcm -q "$qr/in/$n.dump" "$qr/in/$n.dcm"
  }
  instance "$base.1" "$base.1.1" 'Qr^Alice' QR-1 20240102 ACC-A 1
  instance "$base.1" "$base.1.1" 'Qr^Alice' QR-1 20240102 ACC-A 2
  instance "$base.2" "$base.2.1" 'Qr^Bob' QR-2 20240305 ACC-B 1
  dest_port=$(free_port)
  qr_port=$(free_port)
  cat > "$qr/dcmqrscp.cfg" <<EOF
NetworkTCPPort = $qr_port
MaxPDUSize = 16384
MaxAssociations = 4
HostTable BEGIN
dest = (DKDEST, 127.0.0.1, $dest_port)
HostTable END
VendorTable BEGIN
VendorTable END
AETable BEGIN
QRSCP $qr/db RW (100, 64mb) ANY
AETable END
EOF
  # dcmqrscp forks a child per association (its --single-process mode stops listening after the
  # first one): it leads a process group of its own (setsid, which execs in place: $! is its PID),
  # ended as a whole.
  TCP_NODELAY=1 setsid dcmqrscp -c "$qr/dcmqrscp.cfg" "$qr_port" > "$qr/dcmqrscp.log" 2>&1 &
  qr_pid=$!
  pids="$pids $qr_pid"
  groups="$qr_pid"
  wait_port "$qr_port" "$qr_pid" dcmqrscp
  TCP_NODELAY=1 timeout 60 storescu -aet LOADER -aec QRSCP 127.0.0.1 "$qr_port" "$qr"/in/*.dcm \
    || { echo "FAIL: storescu into dcmqrscp"; cat "$qr/dcmqrscp.log"; exit 1; }
  {
    printf 'QrCount=%s\n' "$n"
    i=1
    while [ "$i" -le "$n" ]; do
      f="$qr/in/$i.dcm"
      for k in SOPInstanceUID:QrSop StudyInstanceUID:QrStudy SeriesInstanceUID:QrSeries PatientName:QrName \
               PatientID:QrPid StudyDate:QrDate AccessionNumber:QrAcc; do
        printf '%s.%s=%s\n' "${k#*:}" "$i" "$(value "${k%%:*}" "$f")"
      done
      i=$((i + 1))
    done
  } >> "$work/golden.txt"
  export DK_TEST_QR_PORT="$qr_port" DK_TEST_DEST_PORT="$dest_port"
fi

DK_TEST_FILE="$work/in.dcm" DK_TEST_GOLDEN="$work/golden.txt" DK_TEST_PORT=$port DK_TEST_WORK="$work" "$@"

stop_peers; trap - EXIT
[ "${DK_TEST_EXPECT_STORE:-1}" = 1 ] || exit 0  # a sample that only echoes
n=$(ls "$work/stored" | wc -l)
[ "$n" -ge 1 ] || { echo "FAIL: storescp received nothing"; cat "$work/storescp.log"; exit 1; }
for f in "$work"/stored/*; do
  dcmdump -q +P PatientName "$f" | grep -q '\[Smith^Jane\]' || { echo "FAIL: $f: PatientName"; dcmdump -q "$f"; exit 1; }
done
echo "storescp received $n file(s) with PatientName Smith^Jane"
