#!/bin/sh
# run_with_storescp.sh WORKDIR DUMPFILE COMMAND...
#
# Makes the test file with DCMTK's dump2dcm, writes golden values read back with dcmdump
# (WORKDIR/golden.txt, key=value), starts DCMTK's storescp on a free port, runs COMMAND with
# DK_TEST_FILE, DK_TEST_GOLDEN, DK_TEST_PORT, DK_TEST_WORK set, stops storescp by its PID and checks
# with dcmdump that what COMMAND stored arrived (PatientName "Smith^Jane", the value the tests set)
# unless DK_TEST_EXPECT_STORE=0.
set -eu
work=$1; dump=$2; shift 2
rm -rf "$work"; mkdir -p "$work/stored"
dump2dcm -q "$dump" "$work/in.dcm"

value() {  # value KEY: the first value dcmdump prints for KEY, without brackets
  dcmdump -q +P "$1" "$work/in.dcm" | head -n 1 | sed -e 's/^([0-9a-f,]*) [A-Z][A-Z] //' -e 's/ *#.*$//' \
    -e 's/^\[//' -e 's/\]$//'
}
{
  printf '%s=%s\n' PatientName "$(value PatientName)"
  printf '%s=%s\n' PatientID "$(value PatientID)"
  printf '%s=%s\n' SliceThickness "$(value SliceThickness)"
  printf '%s=%s\n' InstanceNumber "$(value InstanceNumber)"
  printf '%s=%s\n' NumberOfFrames "$(value NumberOfFrames)"
  printf '%s=%s\n' Rows "$(value Rows)"
  printf '%s=%s\n' PixelData "$(value PixelData)"
  printf '%s=%s\n' RefCount "$(dcmdump -q +P ReferencedSOPInstanceUID "$work/in.dcm" | wc -l)"
  printf '%s=%s\n' RefUID1 "$(dcmdump -q +P ReferencedSOPInstanceUID "$work/in.dcm" | sed -n 2p | sed -e 's/.*\[//' -e 's/\].*//')"
} > "$work/golden.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
TCP_NODELAY=1 storescp -aet STORESCP +xa -od "$work/stored" "$port" > "$work/storescp.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true' EXIT
python3 - "$port" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close(); sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit("storescp did not start")
PY

DK_TEST_FILE="$work/in.dcm" DK_TEST_GOLDEN="$work/golden.txt" DK_TEST_PORT=$port DK_TEST_WORK="$work" "$@"

kill "$pid"; wait "$pid" 2>/dev/null || true; trap - EXIT
[ "${DK_TEST_EXPECT_STORE:-1}" = 1 ] || exit 0  # a sample that only echoes
n=$(ls "$work/stored" | wc -l)
[ "$n" -ge 1 ] || { echo "FAIL: storescp received nothing"; cat "$work/storescp.log"; exit 1; }
for f in "$work"/stored/*; do
  dcmdump -q +P PatientName "$f" | grep -q '\[Smith^Jane\]' || { echo "FAIL: $f: PatientName"; dcmdump -q "$f"; exit 1; }
done
echo "storescp received $n file(s) with PatientName Smith^Jane"
