#!/bin/sh
# worklist_test.sh WORKDIR JAVA CLASSPATH — the WorklistQuery sample against DCMTK peers, run under
# bindings/swig/tests/run_with_storescp.sh with DK_TEST_QR=1 (its dcmqrscp at DK_TEST_QR_PORT, its
# golden values in DK_TEST_GOLDEN). Starts wlmscpfs on worklist files made here with dump2dcm
# (WORKDIR/db/WLM/*.wl, with the lockfile wlmscpfs wants) and checks that the items the sample
# prints are those the files hold (values read with dcmdump), for two worklist queries and a study
# query. DCMTK tools run with TCP_NODELAY=1; only the PIDs started here are killed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1; java=$2; cp=$3
. "$here/../../bindings/swig/tests/peers.sh"
rm -rf "$work"; mkdir -p "$work/db/WLM"
: > "$work/db/WLM/lockfile"

n=0
item() {  # item NAME MODALITY DATE STEP_ID: worklist file w$n.wl
  cat > "$work/w$n.dump" <<DUMP
(0008,0005) CS [ISO_IR 100]
(0008,0050) SH [ACC$n]
(0010,0010) PN [$1]
(0010,0020) LO [P$n]
(0010,0030) DA [19700101]
(0010,0040) CS [O]
(0020,000d) UI [1.2.826.0.1.3680043.2.1125.55.$n]
(0032,1032) PN [SMITH]
(0032,1060) LO [EXAM]
(0040,0100) SQ (Sequence with undefined length)
  (fffe,e000) na (Item with undefined length)
    (0008,0060) CS [$2]
    (0040,0001) AE [CT01]
    (0040,0002) DA [$3]
    (0040,0003) TM [0900]
    (0040,0006) PN [JOHNSON]
    (0040,0007) LO [Step $4]
    (0040,0009) SH [$4]
    (0040,0010) SH [STN1]
    (0040,0011) SH [ROOM1]
  (fffe,e00d) na (ItemDelimitationItem)
(fffe,e0dd) na (SequenceDelimitationItem)
(0040,1001) SH [RP$n]
(0040,1003) SH [LOW]
DUMP
  dump2dcm -q -g "$work/w$n.dump" "$work/db/WLM/w$n.wl"
  n=$((n + 1))
}
item 'Doe^John' CT 20261126 SPS-1
item 'Roe^Jane' MR 20261126 SPS-2
item 'Doe^Jim' CT 20261127 SPS-3

pid=""
trap '[ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }' EXIT
port=$(free_port)
TCP_NODELAY=1 wlmscpfs -dfp "$work/db" "$port" > "$work/wlmscpfs.log" 2>&1 &
pid=$!
wait_port "$port" "$pid" wlmscpfs

query() {  # query OUTFILE ARGS...: runs the sample, which must succeed
  out=$1; shift
  "$java" -cp "$cp" WorklistQuery -aet DKJAVA -to 10000 "$@" > "$out" 2>&1 || { echo "FAIL: WorklistQuery $*"; cat "$out"; exit 1; }
  cat "$out"
}
expect_items() {  # expect_items OUTFILE COUNT
  [ "$(grep -c '^item ' "$1")" = "$2" ] || { echo "FAIL: $1: not $2 item(s)"; exit 1; }
  grep -q "^$2 item(s), status 0x0000$" "$1" || { echo "FAIL: $1: no success status for $2 item(s)"; exit 1; }
}
expect_worklist_item() {  # expect_worklist_item OUTFILE WLFILE: a printed item holds the file's values
  f=$2
  line=$(grep -F "PatientName=$(dcmdump_value PatientName "$f") " "$1") || { echo "FAIL: $f not listed"; exit 1; }
  for k in PatientID AccessionNumber RequestedProcedureID StudyInstanceUID; do
    echo "$line" | grep -qF "$k=$(dcmdump_value "$k" "$f")" || { echo "FAIL: $f: $k"; echo "$line"; exit 1; }
  done
  for k in Modality ScheduledProcedureStepStartDate ScheduledProcedureStepID ScheduledStationAETitle \
           ScheduledProcedureStepDescription; do
    echo "$line" | grep -qF "ScheduledProcedureStepSequence[0].$k=$(dcmdump_value "$k" "$f")" \
      || { echo "FAIL: $f: $k"; echo "$line"; exit 1; }
  done
}

# CT on 2026-11-26: the first file only.
query "$work/q1.txt" -aec WLM -k "ScheduledProcedureStepSequence[0].Modality=CT" \
  -k "ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20261126" 127.0.0.1 "$port"
expect_items "$work/q1.txt" 1
expect_worklist_item "$work/q1.txt" "$work/db/WLM/w0.wl"
# Every CT: the first and the third.
query "$work/q2.txt" -aec WLM -k "ScheduledProcedureStepSequence[0].Modality=CT" 127.0.0.1 "$port"
expect_items "$work/q2.txt" 2
expect_worklist_item "$work/q2.txt" "$work/db/WLM/w0.wl"
expect_worklist_item "$work/q2.txt" "$work/db/WLM/w2.wl"
grep -q "PatientName=Roe^Jane" "$work/q2.txt" && { echo "FAIL: the MR item matched a CT query"; exit 1; }

# Study Root, study level, against dcmqrscp: the study of instance 1 (golden values from dcmdump).
g() { sed -n "s/^$1=//p" "$DK_TEST_GOLDEN"; }
query "$work/q3.txt" --study -aec QRSCP -k "PatientID=$(g QrPid.1)" 127.0.0.1 "$DK_TEST_QR_PORT"
expect_items "$work/q3.txt" 1
for k in StudyInstanceUID=QrStudy.1 PatientName=QrName.1 StudyDate=QrDate.1 AccessionNumber=QrAcc.1; do
  grep -qF "${k%%=*}=$(g "${k#*=}")" "$work/q3.txt" || { echo "FAIL: study query: ${k%%=*}"; exit 1; }
done
echo "WorklistQuery: worklist and study queries match the peers' files"
