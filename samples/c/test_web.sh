#!/bin/sh
# Runs a DICOMweb client sample (samples/c/web or samples/python/web.py) against `dcmkit serve --http`
# (started here on free ports, killed by PID): stores two files pydicom makes, finds their study,
# retrieves it (the files' SOP Instance UIDs compared with pydicom's), writes its metadata to a file
# (the same UIDs in its JSON), then a 404 and a closed port.
# usage: test_web.sh WORKDIR DCMKIT_CLI PROGRAM [ARGS...]    (exit 77 = skipped: no pydicom)
set -u
dir=$1/sample-web-$$
cli=$2
shift 2
py=/usr/bin/python3
if ! "$py" -c 'import pydicom' 2>/dev/null; then echo "pydicom not found: sample test skipped"; exit 77; fi
rm -rf "$dir"; mkdir -p "$dir/in"
study=$("$py" - "$dir/in" <<'PY'
import sys
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
st, se = generate_uid(), generate_uid()
for i in range(2):
    ds = Dataset(); ds.file_meta = FileMetaDataset(); ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.7"; ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID; ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.StudyInstanceUID, ds.SeriesInstanceUID = st, se
    ds.PatientName, ds.PatientID, ds.Modality = "SAMPLE^WEB", "SW-1", "OT"
    ds.save_as("%s/%d.dcm" % (sys.argv[1], i), write_like_original=False)
print(st)
PY
)
free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port); http=$(free_port)
"$cli" serve "$port" --storage "$dir/archive" --bind 127.0.0.1 --http "$http" >"$dir/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null' EXIT
url="http://127.0.0.1:$http/dicomweb"
i=0
until "$@" "$url" search >/dev/null 2>&1; do
  i=$((i + 1))
  if [ $i -ge 100 ] || ! kill -0 "$pid" 2>/dev/null; then echo "dcmkit serve did not start:"; cat "$dir/serve.log"; exit 1; fi
  sleep 0.1
done
fail=0
out=$("$@" "$url" store "$dir/in/0.dcm" "$dir/in/1.dcm") || { echo "store failed: $out"; fail=1; }
echo "$out"
printf '%s\n' "$out" | grep -q "HTTP 200: 2 stored, 0 failed" || { echo "expected 2 stored"; fail=1; }
out=$("$@" "$url" search "PatientID=SW-1") || { echo "search failed"; fail=1; }
echo "$out"
printf '%s\n' "$out" | grep -q "^study $study SAMPLE^WEB" || { echo "the study was not found"; fail=1; }
out=$("$@" "$url" retrieve "$study" "$dir/out") || { echo "retrieve failed"; fail=1; }
echo "$out"
want=$("$py" -c 'import pydicom,sys; print("\n".join(sorted(pydicom.dcmread(p).SOPInstanceUID + ".dcm" for p in sys.argv[1:])))' "$dir/in/0.dcm" "$dir/in/1.dcm")
[ "$(ls "$dir/out" | sort)" = "$want" ] || { echo "retrieved files differ from the stored ones"; fail=1; }
out=$("$@" "$url" metadata "$study" "$dir/md.json") || { echo "metadata failed: $out"; fail=1; }
echo "$out"
printf '%s\n' "$out" | grep -q "metadata of 2 instances in $dir/md.json" || { echo "expected the metadata of 2 instances"; fail=1; }
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if sorted(x["00080018"]["Value"][0] + ".dcm" for x in d) == sys.argv[2].split() else 1)' \
  "$dir/md.json" "$want" || { echo "the metadata file does not name the stored instances"; fail=1; }
if err=$("$@" "$url" retrieve 1.2.3.4.5.6.7.8.9 "$dir/none" 2>&1); then echo "an unknown study was retrieved"; fail=1; fi
echo "$err"
printf '%s\n' "$err" | grep -q "not found.*HTTP 404" || { echo "no clear message for a 404"; fail=1; }
kill "$pid"; wait "$pid" 2>/dev/null
trap - EXIT
if err=$("$@" "$url" search 2>&1); then echo "search succeeded against a closed port"; fail=1; fi
echo "$err"
printf '%s\n' "$err" | grep -q "cannot connect" || { echo "no clear message for a closed port"; fail=1; }
rm -rf "$dir"
exit $fail
