#!/bin/sh
# Runs an archive sample (samples/c/archive, samples/python/archive.py…) on a free port, stores a
# file DCMTK's dump2dcm makes with storescu, finds it with findscu, checks the sample printed the
# stored instance, stops it with SIGTERM (by PID) and checks its counters; then a bad configuration
# file, which must fail with a message naming its line. With ARCHIVE_STOP=stdin the sample is stopped
# by the end of its standard input instead (the C# and Java samples: their runtimes leave SIGTERM
# to the default action).
# usage: test_archive.sh WORKDIR PROGRAM [ARGS...]     (exit 77 = skipped: no DCMTK)
set -u
dir=$1/sample-archive-$$
shift
for t in dump2dcm storescu findscu echoscu; do
  if ! command -v $t >/dev/null 2>&1; then
    echo "$t (DCMTK) not found: sample test skipped"
    exit 77
  fi
done
rm -rf "$dir" && mkdir -p "$dir"
uid=1.2.826.0.1.3680043.2.1125.80.3
study=1.2.826.0.1.3680043.2.1125.80.1
cat >"$dir/sc.txt" <<DUMP
(0002,0010) UI =LittleEndianExplicit
(0008,0016) UI =SecondaryCaptureImageStorage
(0008,0018) UI [$uid]
(0008,0060) CS [OT]
(0010,0010) PN [Sample^Archive]
(0010,0020) LO [SAMPLE-1]
(0020,000d) UI [$study]
(0020,000e) UI [1.2.826.0.1.3680043.2.1125.80.2]
(0028,0002) US 1
(0028,0004) CS [MONOCHROME2]
(0028,0010) US 2
(0028,0011) US 2
(0028,0100) US 8
(0028,0101) US 8
(0028,0102) US 7
(0028,0103) US 0
(7fe0,0010) OB 01\02\03\04
DUMP
dump2dcm +E "$dir/sc.txt" "$dir/sc.dcm" || { echo "dump2dcm failed"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
       echo $((20000 + $$ % 20000)))
stop=${ARCHIVE_STOP:-signal}
if [ "$stop" = stdin ]; then
  mkfifo "$dir/stdin"
  "$@" -aet SAMPLEARCH --storage "$dir/archive" "$port" <"$dir/stdin" >"$dir/archive.log" 2>&1 &
  pid=$!
  exec 3>"$dir/stdin"  # the sample's standard input, open until the stop below
else
  "$@" -aet SAMPLEARCH --storage "$dir/archive" "$port" >"$dir/archive.log" 2>&1 &
  pid=$!
fi
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
export TCP_NODELAY=1
i=0
until echoscu -aec SAMPLEARCH 127.0.0.1 "$port" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "the archive did not start:"; cat "$dir/archive.log"; exit 1
  fi
  sleep 0.1
done

fail=0
storescu -aet STORESCU -aec SAMPLEARCH 127.0.0.1 "$port" "$dir/sc.dcm" || { echo "storescu failed"; fail=1; }
findscu -v -S -aet FINDSCU -aec SAMPLEARCH -k 0008,0052=IMAGE -k "0020,000D=$study" -k 0008,0018 \
  127.0.0.1 "$port" >"$dir/findscu.log" 2>&1 || { echo "findscu failed"; fail=1; }
grep -q "$uid" "$dir/findscu.log" || { echo "findscu did not find $uid:"; cat "$dir/findscu.log"; fail=1; }
if [ "$stop" = stdin ]; then exec 3>&-; else kill -TERM "$pid"; fi
i=0
while kill -0 "$pid" 2>/dev/null; do
  i=$((i + 1))
  [ $i -ge 150 ] && { echo "the archive did not stop ($stop)"; kill -KILL "$pid"; fail=1; break; }
  sleep 0.1
done
wait "$pid" 2>/dev/null
trap - EXIT
cat "$dir/archive.log"
grep -q "^stored $uid (1.2.840.10008.5.1.4.1.1.7) from STORESCU in $dir/archive/" "$dir/archive.log" ||
  { echo "the sample did not print the stored instance"; fail=1; }
grep -q "^1 instance(s) stored, 1 held" "$dir/archive.log" || { echo "the sample did not print its counters"; fail=1; }

printf 'storage = %s\nservices = storage fax\n' "$dir/archive" >"$dir/bad.conf"
if err=$("$@" --config "$dir/bad.conf" 2>&1 </dev/null); then
  echo "a bad configuration file was taken"; fail=1
fi
echo "$err"
printf '%s\n' "$err" | grep -q "bad.conf:2: unknown service 'fax'" || { echo "no clear message for a bad file"; fail=1; }
exit $fail
