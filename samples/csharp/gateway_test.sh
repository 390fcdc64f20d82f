#!/bin/sh
# gateway_test.sh WORKDIR DUMPFILE MONO GATEWAY_EXE — the Gateway sample between DCMTK peers: storescu
# sends three files (dump2dcm from DUMPFILE, each with its own SOP Instance UID and PatientName) to
# the gateway, which forwards them to storescp; every file storescp wrote must carry the SOP Instance
# UID and PatientName of one of the originals (dcmdump on both sides), and storescu must have had
# Success. DCMTK tools run with TCP_NODELAY=1; only the PIDs started here are killed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1; dump=$2; mono=$3; exe=$4
. "$here/../../bindings/swig/tests/peers.sh"
rm -rf "$work"; mkdir -p "$work/in" "$work/out"

for i in 1 2 3; do
  sed -e "s/^(0008,0018) UI .*/(0008,0018) UI [1.2.826.0.1.3680043.2.1125.66.$i]/" \
      -e "s/^(0010,0010) PN .*/(0010,0010) PN [Gateway^Patient$i]/" "$dump" > "$work/in/$i.dump"
  dump2dcm -q "$work/in/$i.dump" "$work/in/$i.dcm"
done

pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT
archive_port=$(free_port)
TCP_NODELAY=1 storescp -aet ARCHIVE -od "$work/out" "$archive_port" > "$work/storescp.log" 2>&1 &
archive=$!; pids="$archive"
wait_port "$archive_port" "$archive" storescp

gateway_port=$(free_port)
"$mono" "$exe" -aet GATEWAY -aec ARCHIVE -to 10000 --exit-after 3 "$gateway_port" 127.0.0.1 "$archive_port" \
  > "$work/gateway.log" 2>&1 &
gateway=$!; pids="$pids $gateway"
wait_port "$gateway_port" "$gateway" Gateway.exe

TCP_NODELAY=1 timeout 60 storescu -aet MODALITY -aec GATEWAY 127.0.0.1 "$gateway_port" "$work"/in/*.dcm \
  > "$work/storescu.log" 2>&1 || { echo "FAIL: storescu"; cat "$work/storescu.log" "$work/gateway.log"; exit 1; }
status=0; wait_exit "$gateway" 30 || status=$?
[ "$status" = 0 ] || { echo "FAIL: the gateway exited with $status"; cat "$work/gateway.log"; exit 1; }
cat "$work/gateway.log"

n=$(ls "$work/out" | wc -l)
[ "$n" = 3 ] || { echo "FAIL: storescp received $n file(s), not 3"; cat "$work/storescp.log"; exit 1; }
for i in 1 2 3; do
  uid=$(dcmdump_value SOPInstanceUID "$work/in/$i.dcm")
  name=$(dcmdump_value PatientName "$work/in/$i.dcm")
  found=""
  for f in "$work"/out/*; do
    [ "$(dcmdump_value SOPInstanceUID "$f")" = "$uid" ] && found=$f
  done
  [ -n "$found" ] || { echo "FAIL: $uid was not forwarded"; exit 1; }
  [ "$(dcmdump_value PatientName "$found")" = "$name" ] || { echo "FAIL: $found: PatientName is not $name"; exit 1; }
  echo "forwarded $uid ($name)"
done
echo "gateway forwarded 3 instances"
