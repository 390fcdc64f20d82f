#!/usr/bin/env bash
# Builds the Python wheel from the source tree (pyproject.toml, setup.py: `python3 -m build --wheel
# --no-isolation`, the native parts from the CMake build tree BUILD_DIR), installs it with pip into a
# fresh venv (offline: --no-index --no-deps) and, from a directory outside both trees, without
# PYTHONPATH or LD_LIBRARY_PATH: imports the venv's copy (dcmkit, _dcmkit and libdcmkit.so.1 all
# under the venv), reads a file DCMTK's dump2dcm made and compares with dcmdump, runs the read_tags
# sample on it and in its demonstration mode.
# usage: test_wheel.sh BUILD_DIR SOURCE_DIR   (exit 77: python3-build or DCMTK missing)
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
py=/usr/bin/python3
command -v dump2dcm >/dev/null && command -v dcmdump >/dev/null || { echo "SKIP: DCMTK (dump2dcm, dcmdump) is not installed"; exit 77; }
$py -c 'import build' 2>/dev/null || { echo "SKIP: python3-build is not installed (apt install python3-build)"; exit 77; }
tmp=$(mktemp -d /tmp/dcmkit-wheel-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
unset PYTHONPATH LD_LIBRARY_PATH
export PYTHONDONTWRITEBYTECODE=1

DCMKIT_BUILD_DIR=$build $py -m build --wheel --no-isolation --outdir "$tmp/dist" "$src" >"$tmp/build.log" 2>&1 ||
  { cat "$tmp/build.log"; echo "FAIL: python3 -m build --wheel"; exit 1; }
whl=$(ls "$tmp"/dist/dcmkit-*.whl 2>/dev/null | head -1)
[ -n "$whl" ] || { echo "FAIL: no wheel in $tmp/dist"; ls "$tmp/dist"; exit 1; }
version=$(sed -n 's/^project(dcmkit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
# A wheel for this interpreter and platform, holding the native parts and every module.
$py - "$whl" "$version" "$src/python/dcmkit" <<'PY'
import os, sys, sysconfig, zipfile
whl, version, srcpkg = sys.argv[1:]
name = os.path.basename(whl)
tag = "cp%d%d" % sys.version_info[:2]
plat = sysconfig.get_platform().replace("-", "_").replace(".", "_")
assert name == "dcmkit-%s-%s-%s-%s.whl" % (version, tag, tag, plat), name
names = set(zipfile.ZipFile(whl).namelist())
want = {"dcmkit/libdcmkit.so.1", "dcmkit/sop.py",
        # CivetWeb's OpenSSL 3 adapters (DICOMweb over HTTPS), beside the library
        "dcmkit/dcmkit/libdcmkit-civetweb-ssl.so", "dcmkit/dcmkit/libdcmkit-civetweb-crypto.so"}
for root, _, files in os.walk(srcpkg):
    for f in files:
        if f.endswith((".py", ".pyi")) or f == "py.typed":
            want.add("dcmkit/" + os.path.relpath(os.path.join(root, f), srcpkg))
missing = sorted(want - names)
assert not missing, "the wheel lacks %s" % missing
assert any(n.startswith("dcmkit/_dcmkit") and n.endswith(".so") for n in names), sorted(names)
print("ok: %s (%d files, %d KiB)" % (name, len(names), os.path.getsize(whl) // 1024))
PY

$py -m venv --system-site-packages --without-pip "$tmp/venv"  # pip, numpy and pytest: Debian's
"$tmp/venv/bin/python" -m pip install -q --no-index --no-deps --disable-pip-version-check "$whl" >"$tmp/pip.log" 2>&1 ||
  { cat "$tmp/pip.log"; echo "FAIL: pip install of the wheel"; exit 1; }

mkdir -p "$tmp/run"
cd "$tmp/run"
printf '(0008,0016) UI [1.2.840.10008.5.1.4.1.1.7]\n(0008,0018) UI [1.2.3.4]\n(0008,0060) CS [OT]\n(0010,0010) PN [Wheel^Test]\n(0010,0020) LO [WHL-7]\n(0028,0010) US 64\n(0028,0011) US 48\n' >in.txt
dump2dcm -q in.txt in.dcm
. "$src/bindings/swig/tests/peers.sh"  # dcmdump_value
name=$(dcmdump_value PatientName in.dcm); pid=$(dcmdump_value PatientID in.dcm)
rows=$(dcmdump_value Rows in.dcm); cols=$(dcmdump_value Columns in.dcm)
[ "$name" = "Wheel^Test" ] && [ "$rows" = 64 ] || { echo "FAIL: dcmdump read PatientName=$name Rows=$rows"; exit 1; }
"$tmp/venv/bin/python" - "$tmp/venv" "$name" "$pid" "$rows" "$cols" <<'PY'
import os, sys
venv, name, pid, rows, cols = sys.argv[1:]
import dcmkit
venv = os.path.realpath(venv)
for m in (dcmkit, dcmkit._dcmkit, dcmkit.net):
    assert os.path.realpath(m.__file__).startswith(venv + os.sep), "%s is not the venv's: %s" % (m.__name__, m.__file__)
with open("/proc/self/maps") as f:
    libs = {line.split()[-1] for line in f if "libdcmkit.so" in line}
assert libs and all(os.path.realpath(p).startswith(venv + os.sep) for p in libs), "libdcmkit loaded from %s" % libs
ds = dcmkit.read("in.dcm")
got = (str(ds.PatientName), str(ds.PatientID), ds.Rows, ds.Columns)
assert got == (name, pid, int(rows), int(cols)), "dcmkit read %r, dcmdump %r" % (got, (name, pid, rows, cols))
print("ok: the venv's dcmkit (%s, %s) reads what dcmdump reads" % (os.path.dirname(dcmkit.__file__), sorted(libs)[0]))
PY
"$tmp/venv/bin/python" "$src/samples/python/read_tags.py" in.dcm >sample.out
grep -q "PatientName *$name" sample.out && grep -q "Rows *$rows" sample.out ||
  { echo "FAIL: read_tags.py printed:"; cat sample.out; exit 1; }
"$tmp/venv/bin/python" "$src/samples/python/read_tags.py" >demo.out || { echo "FAIL: read_tags.py (demonstration)"; cat demo.out; exit 1; }
echo "ok: samples/python/read_tags.py against the installed wheel"
