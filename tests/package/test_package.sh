#!/usr/bin/env bash
# Installs the SDK into a temporary root — from `cmake --install` and from the Debian packages CPack
# makes — and builds the C sample read_tags.c against it with find_package(dcmkit) and with
# pkg-config, then runs both on a file DCMTK's dump2dcm makes; the Python, C# and Java samples run
# over python3-dcmkit, libdcmkit-cil and libdcmkit-java extracted into the same root.
# usage: test_package.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
tmp=$(mktemp -d /tmp/dcmkit-package-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

printf '(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n(0008,0018) UI [1.2.3.4]\n(0010,0010) PN [Package^Test]\n(0010,0020) LO [PKG-1]\n' >"$tmp/in.txt"
dump2dcm "$tmp/in.txt" "$tmp/in.dcm"

# build_and_run ROOT PREFIX: the sample against the SDK installed under ROOT/PREFIX, both ways.
build_and_run() {
  local root=$1 where=$2 libdir
  libdir=$(dirname "$(find "$where" -name 'libdcmkit.so.1' | head -1)")
  [ -n "$libdir" ] || { echo "FAIL: no libdcmkit.so.1 under $where"; exit 1; }
  mkdir -p "$root/app"
  cat >"$root/app/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.18)
project(app C)
find_package(dcmkit 1.0 REQUIRED)
add_executable(read_tags $src/samples/c/read_tags.c)
target_link_libraries(read_tags PRIVATE dcmkit::dcmkit)
CMAKE
  cmake -S "$root/app" -B "$root/app/build" -DCMAKE_PREFIX_PATH="$where" >/dev/null
  cmake --build "$root/app/build" >/dev/null
  LD_LIBRARY_PATH=$libdir "$root/app/build/read_tags" "$tmp/in.dcm" >"$root/cmake.out"
  grep -q "Package^Test" "$root/cmake.out" || { echo "FAIL: find_package build printed:"; cat "$root/cmake.out"; exit 1; }
  local pc
  pc=$(dirname "$(find "$where" -name dcmkit.pc | head -1)")
  # shellcheck disable=SC2046
  cc -std=c99 -o "$root/read_tags_pc" "$src/samples/c/read_tags.c" $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs dcmkit)
  LD_LIBRARY_PATH=$libdir "$root/read_tags_pc" "$tmp/in.dcm" >"$root/pc.out"
  grep -q "Package^Test" "$root/pc.out" || { echo "FAIL: pkg-config build printed:"; cat "$root/pc.out"; exit 1; }
  # The header-only C++ wrapper: every module header of the source tree is installed and compiles
  # alone from there, and a program including the umbrella dcmkit.hpp builds and runs.
  local hpp name cflags
  cflags=$(PKG_CONFIG_PATH=$pc pkg-config --cflags dcmkit)
  for hpp in "$src"/capi/include/dcmkit/*.hpp; do
    name=$(basename "$hpp")
    # shellcheck disable=SC2086
    printf '#include <dcmkit/%s>\n' "$name" | c++ -std=c++17 -fsyntax-only -Wall -Wextra -Werror $cflags -x c++ - ||
      { echo "FAIL: dcmkit/$name is not installed under $where or does not compile alone from there"; exit 1; }
  done
  cat >"$root/read_name.cpp" <<'CPP'
#include <dcmkit/dcmkit.hpp>
#include <cstdio>
int main(int argc, char **argv) {
    if (argc != 2) return 2;
    dk::Dataset ds = dk::Dataset::read_file(argv[1]);
    std::printf("%s\n", ds.get_string(dk::tag("PatientName")).c_str());
    return 0;
}
CPP
  # shellcheck disable=SC2046
  c++ -std=c++17 -o "$root/read_name" "$root/read_name.cpp" $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs dcmkit)
  LD_LIBRARY_PATH=$libdir "$root/read_name" "$tmp/in.dcm" >"$root/cpp.out"
  grep -q "Package^Test" "$root/cpp.out" || { echo "FAIL: the C++ wrapper build printed:"; cat "$root/cpp.out"; exit 1; }
  echo "ok: $where (find_package and pkg-config; the C++ wrapper's headers)"
}

# 1. cmake --install of the runtime and dev components.
cmake --install "$build" --prefix "$tmp/inst/usr" --component runtime >/dev/null
cmake --install "$build" --prefix "$tmp/inst/usr" --component dev >/dev/null
build_and_run "$tmp/inst" "$tmp/inst/usr"

# 2. The Debian packages, extracted into a root of their own.
(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -G DEB >/dev/null)
for p in libdcmkit1 libdcmkit-dev dcmkit-tools; do
  deb=$(ls "$tmp"/${p}_*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] || { echo "FAIL: no $p package"; ls "$tmp"; exit 1; }
  dpkg-deb -x "$deb" "$tmp/root"
done
grep -q libdcmkit1 <<<"$(dpkg-deb -f "$(ls "$tmp"/libdcmkit-dev_*.deb)" Depends)" || { echo "FAIL: libdcmkit-dev does not depend on libdcmkit1"; exit 1; }
grep -q libc6 <<<"$(dpkg-deb -f "$(ls "$tmp"/libdcmkit1_*.deb)" Depends)" || { echo "FAIL: libdcmkit1 has no shared-library dependencies"; exit 1; }
build_and_run "$tmp/root" "$tmp/root/usr"
# Stripped, as Debian ships binaries.
for f in $(find "$tmp/root" -name 'libdcmkit.so.1*' -type f) "$tmp/root/usr/bin/dcmkit"; do
  ! readelf -S "$f" | grep -q '\.debug_info' || { echo "FAIL: ${f#"$tmp/root"} in the packages is not stripped"; exit 1; }
done
echo "ok: dcmkit-tools runs ($("$tmp/root/usr/bin/dcmkit" version))"
# python3-dcmkit (when the build has the Python module): every file of python/dcmkit, subpackages
# (dcmkit.net) included, and the package imports from the extracted root alone.
deb=$(ls "$tmp"/python3-dcmkit_*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
  dpkg-deb -x "$deb" "$tmp/root"
  init=$(find "$tmp/root" -path '*-packages/dcmkit/__init__.py' | head -1)
  [ -n "$init" ] || { echo "FAIL: python3-dcmkit has no dcmkit/__init__.py"; exit 1; }
  pkg=$(dirname "$init")
  for f in $(cd "$src/python/dcmkit" && find . -name '*.py' -o -name '*.pyi' -o -name py.typed); do
    [ -f "$pkg/$f" ] || { echo "FAIL: python3-dcmkit has no dcmkit/${f#./}"; exit 1; }
  done
  env -u PYTHONPATH PYTHONPATH="$(dirname "$pkg")" PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c "
import os, sys, dcmkit, dcmkit.net
root = os.path.realpath(sys.argv[1])
for m in (dcmkit, dcmkit.net, sys.modules[dcmkit.AE.__module__]):
    assert os.path.realpath(m.__file__).startswith(root), m.__file__
assert dcmkit.AE is dcmkit.net.AE
print('ok: python3-dcmkit imports dcmkit and dcmkit.net from', os.path.dirname(dcmkit.__file__))
" "$tmp/root" || { echo "FAIL: python3-dcmkit does not import"; exit 1; }
  # The sample, run from elsewhere, on the dump2dcm file (its RPATH finds libdcmkit1's library).
  (cd "$tmp" && env -u PYTHONPATH -u LD_LIBRARY_PATH PYTHONPATH="$(dirname "$pkg")" PYTHONDONTWRITEBYTECODE=1 \
     /usr/bin/python3 "$src/samples/python/read_tags.py" "$tmp/in.dcm") >"$tmp/py.out" 2>&1
  grep -q "PatientName *Package^Test" "$tmp/py.out" || { echo "FAIL: read_tags.py over python3-dcmkit printed:"; cat "$tmp/py.out"; exit 1; }
  echo "ok: samples/python/read_tags.py over python3-dcmkit"
fi

# libdcmkit-cil and libdcmkit-java (when the build has the SWIG bindings, DcmKit.dll): each depends on
# libdcmkit1 of this version, and a sample built against the extracted package alone runs, its glue
# finding libdcmkit1's library through its RPATH (no LD_LIBRARY_PATH).
version=$(sed -n 's/^project(dcmkit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
if [ -f "$build/bindings/swig/csharp/DcmKit.dll" ]; then
  for p in libdcmkit-cil libdcmkit-java; do
    deb=$(ls "$tmp"/${p}_*.deb 2>/dev/null | head -1)
    [ -n "$deb" ] || { echo "FAIL: no $p package"; ls "$tmp"; exit 1; }
    grep -qF "libdcmkit1 (= $version)" <<<"$(dpkg-deb -f "$deb" Depends)" || { echo "FAIL: $p does not depend on libdcmkit1 (= $version)"; exit 1; }
    dpkg-deb -x "$deb" "$tmp/root"
  done
  cli=$tmp/root/usr/lib/cli/dcmkit
  [ -f "$cli/DcmKit.dll" ] && [ -f "$cli/libdcmkit_csharp.so" ] || { echo "FAIL: libdcmkit-cil has no DcmKit.dll and glue in /usr/lib/cli/dcmkit"; exit 1; }
  ! readelf -S "$cli/libdcmkit_csharp.so" | grep -q '\.debug_info' || { echo "FAIL: libdcmkit-cil's glue is not stripped"; exit 1; }
  mcs -nologo -out:"$tmp/ReadTags.exe" -r:"$cli/DcmKit.dll" "$src/samples/csharp/ReadTags.cs"
  (cd "$tmp" && env -u LD_LIBRARY_PATH MONO_PATH="$cli" mono "$tmp/ReadTags.exe" "$tmp/in.dcm") >"$tmp/cs.out" 2>&1
  grep -Eq '^\(0010,0010\) PN PatientName +Package\^Test$' "$tmp/cs.out" || { echo "FAIL: ReadTags.exe over libdcmkit-cil printed:"; cat "$tmp/cs.out"; exit 1; }
  echo "ok: samples/csharp/ReadTags.cs over libdcmkit-cil"
  jarfile=$tmp/root/usr/share/java/dcmkit.jar
  jni=$(dirname "$(find "$tmp/root" -path '*/jni/libdcmkit_java.so' | head -1)")
  [ -f "$jarfile" ] && [ "$jni" != . ] || { echo "FAIL: libdcmkit-java has no /usr/share/java/dcmkit.jar and jni/libdcmkit_java.so"; exit 1; }
  mkdir -p "$tmp/classes"
  javac -nowarn -d "$tmp/classes" -cp "$jarfile" "$src/samples/java/ReadEcho.java"
  (cd "$tmp" && env -u LD_LIBRARY_PATH -u CLASSPATH java -Djava.library.path="$jni" -cp "$jarfile:$tmp/classes" ReadEcho "$tmp/in.dcm") >"$tmp/java.out" 2>&1
  grep -qx 'PatientName = Package^Test' "$tmp/java.out" || { echo "FAIL: ReadEcho over libdcmkit-java printed:"; cat "$tmp/java.out"; exit 1; }
  echo "ok: samples/java/ReadEcho.java over libdcmkit-java"
fi

# 3. The tarball holds the same tree.
(cd "$tmp" && cpack --config "$build/CPackConfig.cmake" -G TGZ >/dev/null)
listing=$(tar -tzf "$(ls "$tmp"/dcmkit-*.tar.gz)")  # not piped into grep -q: SIGPIPE with pipefail
grep -q "include/dcmkit/dcmkit.h" <<<"$listing" || { echo "FAIL: tarball without headers"; exit 1; }
echo "ok: packages libdcmkit1, libdcmkit-dev, dcmkit-tools and the tarball"
