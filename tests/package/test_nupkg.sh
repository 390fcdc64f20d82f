#!/usr/bin/env bash
# Makes the NuGet package (packaging/nupkg.sh: Debian's `nuget pack`) from BUILD_DIR, checks its layout
# (lib/net45/DcmKit.dll, runtimes/linux-x64/native/{libdcmkit_csharp.so,libdcmkit.so.1}, the nuspec's
# id and version, the OPC parts) and consumes it outside the build tree: `nuget install` from a local
# feed, the C# sample ReadTags.cs compiled with mcs against the installed DcmKit.dll, run with mono next
# to the package's native libraries (no MONO_PATH, no LD_LIBRARY_PATH), its output compared with
# dcmdump's.
# usage: test_nupkg.sh BUILD_DIR SOURCE_DIR   (exit 77: nuget, mono, mcs or DCMTK missing)
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
for t in nuget mono mcs unzip dump2dcm dcmdump; do
  command -v $t >/dev/null || { echo "SKIP: $t is not installed"; exit 77; }
done
tmp=$(mktemp -d /tmp/dcmkit-nupkg-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
unset MONO_PATH LD_LIBRARY_PATH
version=$(sed -n 's/^project(dcmkit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")

nupkg=$("$src/packaging/nupkg.sh" "$build" "$tmp/out")
[ "$nupkg" = "$tmp/out/DcmKit.$version.nupkg" ] || { echo "FAIL: nupkg.sh made $nupkg"; exit 1; }
unzip -q "$nupkg" -d "$tmp/x"
for f in lib/net45/DcmKit.dll lib/net45/DcmKit.xml runtimes/linux-x64/native/libdcmkit_csharp.so \
         runtimes/linux-x64/native/libdcmkit.so.1 build/net45/DcmKit.targets DcmKit.nuspec '[Content_Types].xml' _rels/.rels; do
  [ -f "$tmp/x/$f" ] || { echo "FAIL: the package has no $f"; (cd "$tmp/x" && find . -type f); exit 1; }
done
grep -q "<id>DcmKit</id>" "$tmp/x/DcmKit.nuspec" && grep -q "<version>$version</version>" "$tmp/x/DcmKit.nuspec" ||
  { echo "FAIL: DcmKit.nuspec:"; cat "$tmp/x/DcmKit.nuspec"; exit 1; }
native=$tmp/x/runtimes/linux-x64/native
# The glue finds libdcmkit.so.1 beside it ($ORIGIN), never in the build tree.
rpath=$(readelf -d "$native/libdcmkit_csharp.so" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
case ":$rpath:" in *':$ORIGIN:'*) ;; *) echo "FAIL: the glue's RUNPATH is '$rpath'"; exit 1 ;; esac
case "$rpath" in *"$build"*) echo "FAIL: the glue's RUNPATH names the build tree: $rpath"; exit 1 ;; esac
readelf -d "$native/libdcmkit.so.1" | grep -q 'SONAME.*\[libdcmkit.so.1\]' || { echo "FAIL: libdcmkit.so.1's SONAME"; exit 1; }

# A consumer: the package installed by nuget from a local feed (offline), the sample built against
# its assembly and deployed with its natives beside it.
HOME=$tmp/home nuget install DcmKit -Version "$version" -Source "$tmp/out" -OutputDirectory "$tmp/packages" \
  -NonInteractive >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; echo "FAIL: nuget install DcmKit"; exit 1; }
installed=$tmp/packages/DcmKit.$version
[ -f "$installed/lib/net45/DcmKit.dll" ] || { echo "FAIL: nuget install made no $installed/lib/net45/DcmKit.dll"; exit 1; }
mkdir -p "$tmp/app"
cp "$installed/lib/net45/DcmKit.dll" "$installed"/runtimes/linux-x64/native/* "$tmp/app/"
mcs -nologo -out:"$tmp/app/ReadTags.exe" -r:"$installed/lib/net45/DcmKit.dll" "$src/samples/csharp/ReadTags.cs"
cd "$tmp/app"
printf '(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n(0008,0018) UI [1.2.3.4]\n(0010,0010) PN [NuGet^Test]\n(0010,0020) LO [NUPKG-3]\n(0008,0060) CS [OT]\n' >in.txt
dump2dcm -q in.txt in.dcm
. "$src/bindings/swig/tests/peers.sh"  # dcmdump_value
mono ReadTags.exe in.dcm >out.txt 2>&1 || { echo "FAIL: ReadTags.exe:"; cat out.txt; exit 1; }
for kv in "0010,0010 PN PatientName PatientName" "0010,0020 LO PatientID PatientID" "0008,0060 CS Modality Modality"; do
  set -- $kv
  want=$(dcmdump_value "$4" in.dcm)
  grep -Eq "^\($1\) $2 $3 +$(printf '%s' "$want" | sed 's/[][\\.^$*+?(){}|]/\\&/g')\$" out.txt ||
    { echo "FAIL: ReadTags.exe does not print $3 = '$want' (dcmdump's):"; cat out.txt; exit 1; }
done
echo "ok: $(basename "$nupkg") ($(( $(stat -c %s "$nupkg") / 1024 )) KiB): ReadTags.cs built against it and run with mono reads what dcmdump reads"
