#!/bin/sh
# retrieve_test.sh WORKDIR DUMPFILE MONO RETRIEVESCP_EXE — the RetrieveScp sample between DCMTK peers:
# three files made with dump2dcm from DUMPFILE (two in one study, one in another) are served from a
# folder; movescu moves the first study to a storescp, getscu gets the second back, and a move to an
# AE the sample does not know is refused. The files storescp and getscu wrote must carry exactly the
# SOP Instance UIDs of the originals of their study (dcmdump on both sides). DCMTK tools run with
# TCP_NODELAY=1; only the PIDs started here are killed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$1; dump=$2; mono=$3; exe=$4
. "$here/../../bindings/swig/tests/peers.sh"
rm -rf "$work"; mkdir -p "$work/dump" "$work/in" "$work/moved" "$work/got"

base=1.2.826.0.1.3680043.2.1125.67
for i in 1 2 3; do
  study=$base.1; [ "$i" = 3 ] && study=$base.2
  { sed -e "s/^(0008,0018) UI .*/(0008,0018) UI [$base.9.$i]/" "$dump"
    echo "(0020,000d) UI [$study]"
    echo "(0020,000e) UI [$study.1]"; } > "$work/dump/$i.dump"
  dump2dcm -q "$work/dump/$i.dump" "$work/in/$i.dcm"
done

pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done' EXIT
dest_port=$(free_port)
TCP_NODELAY=1 storescp -aet DEST -od "$work/moved" "$dest_port" > "$work/storescp.log" 2>&1 &
storescp=$!; pids="$storescp"
wait_port "$dest_port" "$storescp" storescp

port=$(free_port)
"$mono" "$exe" -aet RETRIEVE -dest "DEST=127.0.0.1:$dest_port" --exit-after 3 "$port" "$work/in" > "$work/scp.log" 2>&1 &
scp=$!; pids="$pids $scp"
wait_port "$port" "$scp" RetrieveScp.exe

# uids FOLDER: the SOP Instance UIDs of its files as dcmdump reads them, sorted, one line.
uids() { for f in "$1"/*; do dcmdump_value SOPInstanceUID "$f"; done | sort | tr '\n' ' '; }
expect_moved="$(printf '%s\n' "$(dcmdump_value SOPInstanceUID "$work/in/1.dcm")" "$(dcmdump_value SOPInstanceUID "$work/in/2.dcm")" | sort | tr '\n' ' ')"
expect_got="$(dcmdump_value SOPInstanceUID "$work/in/3.dcm") "

TCP_NODELAY=1 timeout 60 movescu -v -S -aet MOVER -aec RETRIEVE -aem DEST -k 0008,0052=STUDY -k "0020,000D=$base.1" \
  127.0.0.1 "$port" > "$work/movescu.log" 2>&1 || { echo "FAIL: movescu"; cat "$work/movescu.log" "$work/scp.log"; exit 1; }
grep -q 'Received Final Move Response (Success)' "$work/movescu.log" || { echo "FAIL: movescu: no success"; cat "$work/movescu.log"; exit 1; }
[ "$(uids "$work/moved")" = "$expect_moved" ] || { echo "FAIL: storescp received [$(uids "$work/moved")], not [$expect_moved]"; exit 1; }
echo "moved: $expect_moved"

TCP_NODELAY=1 timeout 60 getscu -v -S -aet GETTER -aec RETRIEVE -od "$work/got" -k 0008,0052=STUDY -k "0020,000D=$base.2" \
  127.0.0.1 "$port" > "$work/getscu.log" 2>&1 || { echo "FAIL: getscu"; cat "$work/getscu.log" "$work/scp.log"; exit 1; }
[ "$(uids "$work/got")" = "$expect_got" ] || { echo "FAIL: getscu received [$(uids "$work/got")], not [$expect_got]"; exit 1; }
echo "got: $expect_got"

TCP_NODELAY=1 timeout 60 movescu -v -S -aet MOVER -aec RETRIEVE -aem NOWHERE -k 0008,0052=STUDY -k "0020,000D=$base.1" \
  127.0.0.1 "$port" > "$work/movescu_unknown.log" 2>&1 || true
grep -qi 'MoveDestinationUnknown\|0xa801' "$work/movescu_unknown.log" || { echo "FAIL: no A801 for an unknown destination"; cat "$work/movescu_unknown.log"; exit 1; }

status=0; wait_exit "$scp" 30 || status=$?
[ "$status" = 0 ] || { echo "FAIL: the sample exited with $status"; cat "$work/scp.log"; exit 1; }
cat "$work/scp.log"
echo "retrieve SCP served C-MOVE and C-GET"
