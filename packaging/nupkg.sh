#!/usr/bin/env bash
# Makes the NuGet package DcmKit.VERSION.nupkg from a CMake build tree with the SWIG bindings:
#   lib/net45/DcmKit.dll (+ DcmKit.xml)     mcs-built, .NET Framework 4.5 profile (mono)
#   runtimes/linux-x64/native/libdcmkit_csharp.so, libdcmkit.so.1   stripped; the glue's RPATH $ORIGIN
#   build/net45/DcmKit.targets              copies the natives next to DcmKit.dll for MSBuild users
# with Debian's `nuget pack` (mono), offline.
# usage: nupkg.sh BUILD_DIR OUT_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
command -v nuget >/dev/null || { echo "nupkg.sh: nuget is not installed (apt install nuget)" >&2; exit 77; }
. "$here/common.sh"
version=$(dk_version)

work=$(mktemp -d /tmp/dcmkit-nupkg-XXXXXX)
trap 'rm -rf "$work"' EXIT
dk_stage_natives "$build" '*/csharp/libdcmkit_csharp.so'
pkg=$work/pkg
mkdir -p "$pkg/lib/net45" "$pkg/runtimes/linux-x64/native" "$pkg/build/net45"
cp "$(dirname "$glue")/DcmKit.dll" "$pkg/lib/net45/"
cp "$build/bindings/swig/csharp/DcmKit.xml" "$pkg/lib/net45/"
cp "$glue" "$pkg/runtimes/linux-x64/native/"
cp "$(readlink -f "$lib")" "$pkg/runtimes/linux-x64/native/libdcmkit.so.1"  # under its SONAME
cp "$here/DcmKit.targets" "$pkg/build/net45/"
sed "s/@VERSION@/$version/" "$here/DcmKit.nuspec.in" >"$pkg/DcmKit.nuspec"
rm -f "$out/DcmKit.$version.nupkg"
# nuget keeps its caches under HOME; a private one keeps the user's alone.
HOME=$work/home nuget pack "$pkg/DcmKit.nuspec" -BasePath "$pkg" -OutputDirectory "$out" \
  -NoPackageAnalysis -NonInteractive -Verbosity quiet >/dev/null
[ -f "$out/DcmKit.$version.nupkg" ] || { echo "nupkg.sh: nuget pack made no $out/DcmKit.$version.nupkg" >&2; exit 1; }
echo "$out/DcmKit.$version.nupkg"
