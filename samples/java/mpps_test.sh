#!/bin/sh
# mpps_test.sh WORKDIR DCMKIT_CLI JAVA CLASSPATH — the MppsScp sample driven by the dcmkit CLI's MPPS SCU
# (`dcmkit mpps`; DCMTK has no MPPS SCU): an N-CREATE (IN PROGRESS), the same N-CREATE again (0111H),
# an N-SET to COMPLETED, and one more N-SET (0110H: a completed step may no longer be updated). The
# sample's file is checked with dcmdump after each step. Only the PID started here is killed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1; cli=$2; java=$3; cp=$4
. "$here/../../bindings/swig/tests/peers.sh"
rm -rf "$work"; mkdir -p "$work/steps"

uid=1.2.826.0.1.3680043.2.1125.68.1
cat > "$work/create.json" <<JSON
{"00100010": {"vr": "PN", "Value": [{"Alphabetic": "Mpps^Sample"}]},
 "00400252": {"vr": "CS", "Value": ["IN PROGRESS"]},
 "00400244": {"vr": "DA", "Value": ["20240102"]}}
JSON
cat > "$work/set.json" <<JSON
{"00400252": {"vr": "CS", "Value": ["COMPLETED"]},
 "00400250": {"vr": "DA", "Value": ["20240102"]}}
JSON

pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT
port=$(free_port)
"$java" -cp "$cp" MppsScp -aet MPPS --exit-after 4 "$port" "$work/steps" > "$work/scp.log" 2>&1 &
scp=$!; pids="$scp"
wait_port "$port" "$scp" MppsScp

mpps() { "$cli" mpps 127.0.0.1 "$port" "$@" -aet MODALITY -aec MPPS; }
step="$work/steps/$uid.dcm"
out=$(mpps create "$work/create.json" --uid "$uid") || { echo "FAIL: N-CREATE: $out"; cat "$work/scp.log"; exit 1; }
[ "$out" = "$uid" ] || { echo "FAIL: N-CREATE answered $out"; exit 1; }
[ "$(dcmdump_value PerformedProcedureStepStatus "$step")" = "IN PROGRESS" ] || { echo "FAIL: status after N-CREATE"; dcmdump "$step"; exit 1; }
[ "$(dcmdump_value PatientName "$step")" = "Mpps^Sample" ] || { echo "FAIL: PatientName after N-CREATE"; dcmdump "$step"; exit 1; }
echo "N-CREATE: $uid IN PROGRESS"

if out=$(mpps create "$work/create.json" --uid "$uid" 2>&1); then echo "FAIL: a second N-CREATE succeeded"; exit 1; fi
echo "$out" | grep -q 0111H || { echo "FAIL: a second N-CREATE: $out"; exit 1; }
echo "N-CREATE again: refused 0111H"

out=$(mpps set "$work/set.json" --uid "$uid") || { echo "FAIL: N-SET: $out"; cat "$work/scp.log"; exit 1; }
[ "$(dcmdump_value PerformedProcedureStepStatus "$step")" = "COMPLETED" ] || { echo "FAIL: status after N-SET"; dcmdump "$step"; exit 1; }
[ "$(dcmdump_value PerformedProcedureStepEndDate "$step")" = "20240102" ] || { echo "FAIL: end date after N-SET"; dcmdump "$step"; exit 1; }
[ "$(dcmdump_value PatientName "$step")" = "Mpps^Sample" ] || { echo "FAIL: PatientName after N-SET"; dcmdump "$step"; exit 1; }
echo "N-SET: COMPLETED"

if out=$(mpps set "$work/set.json" --uid "$uid" 2>&1); then echo "FAIL: an N-SET of a completed step succeeded"; exit 1; fi
echo "$out" | grep -q 0110H || { echo "FAIL: N-SET of a completed step: $out"; exit 1; }
echo "N-SET again: refused 0110H"

status=0; wait_exit "$scp" 30 || status=$?
[ "$status" = 0 ] || { echo "FAIL: the sample exited with $status"; cat "$work/scp.log"; exit 1; }
cat "$work/scp.log"
echo "MPPS SCP served N-CREATE and N-SET"
