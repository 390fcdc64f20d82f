"""Builds the dcmkit wheel: the CMake build's Python package (python/dcmkit, the generated sop.py and
the _dcmkit extension) with libdcmkit.so.1 beside the extension, whose RPATH begins with $ORIGIN.

Environment:
  DCMKIT_BUILD_DIR   a configured CMake build tree of this source (Python module on) to build the
                     module in and take it from; without it, a build tree of its own is configured
                     under the setuptools build directory (Release, no tests, benchmarks or SWIG).
  CMAKE_BUILD_PARALLEL_LEVEL   jobs for `cmake --build` (CMake's own variable).
"""

import glob
import os
import re
import shutil
import subprocess
import sys

from setuptools import Distribution, setup
from setuptools.command.build_ext import build_ext

SRC = os.path.dirname(os.path.abspath(__file__))


def project_version():
    with open(os.path.join(SRC, "CMakeLists.txt"), encoding="utf-8") as f:
        m = re.search(r"project\(dcmkit\s+VERSION\s+([0-9.]+)", f.read())
    if not m:
        raise RuntimeError("no project(dcmkit VERSION x.y.z) in CMakeLists.txt")
    return m.group(1)


def run(cmd):
    print("dcmkit:", " ".join(cmd), flush=True)
    subprocess.check_call(cmd)


class BinaryDistribution(Distribution):
    """A wheel for this platform and interpreter (the package holds native code); it also makes
    `build` run build_ext, which builds and copies the whole package."""

    def has_ext_modules(self):
        return True


class CMakeBuild(build_ext):
    """Builds the native parts with CMake and copies the installed package into build_lib."""

    def run(self):
        build_base = os.path.abspath(self.get_finalized_command("build").build_base)
        tree = os.environ.get("DCMKIT_BUILD_DIR")
        if tree:
            tree = os.path.abspath(tree)
            if not os.path.isfile(os.path.join(tree, "CMakeCache.txt")):
                raise RuntimeError("DCMKIT_BUILD_DIR=%s is not a configured CMake build tree" % tree)
        else:
            tree = os.path.join(build_base, "cmake")
            # Ninja, as dk.sh builds (else CMake's default, or the generator CMAKE_GENERATOR names).
            generator = [] if os.environ.get("CMAKE_GENERATOR") or not shutil.which("ninja") else ["-G", "Ninja"]
            if generator and os.path.isfile(os.path.join(tree, "Makefile")):
                shutil.rmtree(tree)  # configured by an earlier run with another generator
            run(["cmake", "-S", SRC, "-B", tree] + generator + ["-DCMAKE_BUILD_TYPE=Release",
                 "-DPython3_EXECUTABLE=" + sys.executable, "-DDCMKIT_BUILD_PYTHON=ON",
                 "-DDCMKIT_BUILD_TESTS=OFF", "-DDCMKIT_BUILD_BENCH=OFF", "-DDCMKIT_BUILD_SWIG=OFF"])
        run(["cmake", "--build", tree, "--target", "dcmkit_python"])
        stage = os.path.join(build_base, "stage")
        shutil.rmtree(stage, ignore_errors=True)
        for component in ("runtime", "python"):
            run(["cmake", "--install", tree, "--prefix", stage, "--component", component, "--strip"])
        inits = glob.glob(os.path.join(stage, "lib", "python*", "*-packages", "dcmkit", "__init__.py"))
        libs = glob.glob(os.path.join(stage, "lib*", "**", "libdcmkit.so.1"), recursive=True)
        if len(inits) != 1 or len(libs) != 1:
            raise RuntimeError("the CMake install under %s has %d dcmkit packages and %d libdcmkit.so.1"
                               % (stage, len(inits), len(libs)))
        package = os.path.dirname(inits[0])
        if not glob.glob(os.path.join(package, "_dcmkit*.so")):
            raise RuntimeError("no _dcmkit extension under %s" % package)
        out = os.path.join(os.path.abspath(self.build_lib), "dcmkit")
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(package, out, ignore=shutil.ignore_patterns("__pycache__"))
        # The library itself under its SONAME (the install's symlink resolved), found through the
        # extension's $ORIGIN.
        shutil.copyfile(os.path.realpath(libs[0]), os.path.join(out, "libdcmkit.so.1"))
        # CivetWeb's OpenSSL 3 adapters (DICOMweb over HTTPS, lib/dcmkit of an installation), in
        # dcmkit/ beside the library, where it looks for them.
        adapters = glob.glob(os.path.join(stage, "lib*", "**", "dcmkit", "libdcmkit-civetweb-*.so"), recursive=True)
        if adapters:
            os.makedirs(os.path.join(out, "dcmkit"), exist_ok=True)
            for adapter in adapters:
                shutil.copyfile(adapter, os.path.join(out, "dcmkit", os.path.basename(adapter)))


def build_base():
    tree = os.environ.get("DCMKIT_BUILD_DIR")
    # Not ./build: that is where the CMake build tree usually is.
    base = os.path.join(os.path.abspath(tree), "python-wheel") if tree else os.path.join(SRC, "build-wheel")
    os.makedirs(base, exist_ok=True)
    return base


BASE = build_base()
setup(
    version=project_version(),
    packages=[],
    distclass=BinaryDistribution,
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
    options={"build": {"build_base": BASE}, "egg_info": {"egg_base": BASE}},
)
