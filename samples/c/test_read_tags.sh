#!/bin/sh
# Runs samples/c/read_tags on a file made by DCMTK's dump2dcm and checks what it prints; then on a
# missing and a damaged file, where it must fail with dk_last_error()'s message.
# usage: test_read_tags.sh READ_TAGS WORKDIR      (exit 77 = skipped: no dump2dcm)
set -u
prog=$1
dir=$2/sample-data
if ! command -v dump2dcm >/dev/null 2>&1; then
  echo "dump2dcm (DCMTK) not found: sample test skipped"
  exit 77
fi
mkdir -p "$dir"
cat >"$dir/mr.txt" <<'DUMP'
(0002,0001) OB 00\01
(0002,0002) UI 1.2.840.10008.5.1.4.1.1.4
(0002,0003) UI 1.2.826.0.1.3680043.2.1125.9.1
(0002,0010) UI 1.2.840.10008.1.2.1
(0008,0005) CS [ISO_IR 192]
(0008,0016) UI 1.2.840.10008.5.1.4.1.1.4
(0008,0018) UI 1.2.826.0.1.3680043.2.1125.9.1
(0008,0060) CS [MR]
(0010,0010) PN [Müller^Jürgen]
(0020,000d) UI 1.2.826.0.1.3680043.2.1125.9.2
(0028,0010) US 256
(0028,0011) US 192
DUMP
dump2dcm "$dir/mr.txt" "$dir/mr.dcm" || { echo "dump2dcm failed"; exit 1; }

fail=0
out=$("$prog" "$dir/mr.dcm") || { echo "read_tags failed on a valid file"; fail=1; }
echo "$out"
for want in "TransferSyntaxUID  1.2.840.10008.1.2.1" "PatientName        Müller^Jürgen" \
            "StudyInstanceUID   1.2.826.0.1.3680043.2.1125.9.2" "Modality           MR" \
            "Rows               256" "Columns            192"; do
  printf '%s\n' "$out" | grep -qxF "$want" || { echo "missing line: $want"; fail=1; }
done

if err=$("$prog" "$dir/no-such-file.dcm" 2>&1); then
  echo "read_tags succeeded on a missing file"; fail=1
fi
echo "$err"
printf '%s\n' "$err" | grep -q "no such file" || { echo "no clear message for a missing file"; fail=1; }

head -c 200 "$dir/mr.dcm" >"$dir/cut.dcm"
if err=$("$prog" "$dir/cut.dcm" 2>&1); then
  echo "read_tags succeeded on a truncated file"; fail=1
fi
echo "$err"
printf '%s\n' "$err" | grep -Eq "^read_tags: [^:]*: (truncated|bad length): .* at byte [0-9]+" ||
  { echo "no clear message for a truncated file"; fail=1; }

if "$prog" >/dev/null 2>&1; then echo "read_tags without arguments succeeded"; fail=1; fi
exit $fail
