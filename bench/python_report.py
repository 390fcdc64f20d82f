#!/usr/bin/python3
"""Driver of `./dk.sh bench python` (run by bench/python.sh with Debian's /usr/bin/python3, which has pydicom).

    python_report.py --build BUILD_DIR --corpus CORPUS_DIR [--rounds N]

Reads the CT files of the parse benchmark's corpus (make_corpus: 500 files of 512x512x16 bits) in a
loop, each library in its own child process, best of N rounds (default 5), files/s:
  1. header only: dcmkit.read(f, stop_before_pixels=True) vs pydicom.dcmread(f, stop_before_pixels=True);
  2. whole file:  dcmkit.read(f) vs pydicom.dcmread(f) (pydicom reads the pixel bytes into memory,
     dcmkit maps the file and reads them when asked);
  3. whole file and its pixels: the same plus ds.PixelData (the 512 KB of bytes) on both sides, so
     that both have copied the pixels into a Python object;
  4. whole file as numpy: the same plus ds.pixel_array (a zero-copy view for dcmkit, numpy decoding of
     the bytes for pydicom), summing one row so that the pixels are really touched.
Each loop also reads three attributes of every file (PatientName, Rows, ImagePositionPatient), so that
a lazy reader cannot win by deferring all work. The target is dcmkit >= 5x pydicom on each line.
Prints a table. Exits non-zero only on errors; a missed target is printed as MISSED.

The worker mode `worker LIBRARY MODE DIR ROUNDS` is the loop itself, run as a child process.
"""
import argparse
import glob
import os
import subprocess
import sys
import time

from common import BenchError, cmake_build_type, log, warm_page_cache


TARGET_RATIO = 5.0
MODES = ("headers", "full", "pixels", "array")
MODE_TITLES = {
    "headers": "header only",
    "full": "whole file",
    "pixels": "whole file + PixelData",
    "array": "whole file + pixel_array",
}


# -- the loops (child processes) -----------------------------------------------------------------------

def worker(library, mode, folder, rounds):
    files = sorted(glob.glob(os.path.join(folder, "*.dcm")))
    if not files:
        raise SystemExit("worker: no files in " + folder)
    stop = mode == "headers"
    pixels = mode == "pixels"
    array = mode == "array"
    if library == "dcmkit":
        import dcmkit
        version = dcmkit.version()

        def read(f):
            return dcmkit.read(f, stop_before_pixels=stop)
    else:
        import pydicom
        version = pydicom.__version__

        def read(f):
            return pydicom.dcmread(f, stop_before_pixels=stop)

    best, total, checksum = float("inf"), 0.0, 0
    for _ in range(rounds):
        n = 0
        t0 = time.perf_counter()
        for f in files:
            ds = read(f)
            n += len(str(ds.PatientName)) + ds.Rows + len(ds.ImagePositionPatient)
            if pixels:
                n += len(ds.PixelData)
            if array:
                n += int(ds.pixel_array[ds.Rows // 2].sum())
        s = time.perf_counter() - t0
        best = min(best, s)
        total += s
        checksum = n
    print("files=%d rounds=%d best_s=%.6f mean_s=%.6f files_per_s=%.1f us_per_file=%.2f checksum=%d version=%s"
          % (len(files), rounds, best, total / rounds, len(files) / best, best * 1e6 / len(files), checksum, version))


# -- the driver ----------------------------------------------------------------------------------------

def kv(line):
    out = {}
    for part in line.split():
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def run_worker(python, env, library, mode, folder, rounds):
    cmd = [python, os.path.abspath(__file__), "worker", library, mode, folder, str(rounds)]
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise BenchError("%s %s loop failed (exit %d):\n%s" % (library, mode, p.returncode,
                                                              p.stderr.decode(errors="replace")[-2000:]))
    return kv(p.stdout.decode())


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "worker":
        return worker(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the CMake build folder (with python/dcmkit built)")
    ap.add_argument("--corpus", required=True, help="the corpus folder written by make_corpus")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of each loop (the best is kept)")
    args = ap.parse_args()

    package = os.path.join(args.build, "python")
    if not glob.glob(os.path.join(package, "dcmkit", "_dcmkit*.so")):
        raise BenchError("no dcmkit module in %s (build the dcmkit_python target)" % package)
    ct_dir = os.path.join(args.corpus, "ct")
    files = sorted(glob.glob(os.path.join(ct_dir, "*.dcm")))
    if not files:
        raise BenchError("corpus %s is incomplete (run make_corpus)" % args.corpus)
    total_mb = sum(os.path.getsize(f) for f in files) / 1e6
    python = "/usr/bin/python3"
    env = dict(os.environ, PYTHONPATH=package + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONDONTWRITEBYTECODE="1")
    have_pydicom = subprocess.run([python, "-c", "import pydicom"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0
    build_type = cmake_build_type(args.build)

    print("python benchmark: %d CT files (%.0f MB) in %s" % (len(files), total_mb, ct_dir), flush=True)
    if build_type not in ("Release", "RelWithDebInfo"):
        print("  WARNING: build type %s; use Release for meaningful figures" % build_type)
    warm_page_cache(files)

    results = {}
    for mode in MODES:
        log("%s: %d files, best of %d rounds ..." % (MODE_TITLES[mode], len(files), args.rounds))
        dk = run_worker(python, env, "dcmkit", mode, ct_dir, args.rounds)
        log("dcmkit:  files/s %s, %s us/file" % (dk["files_per_s"], dk["us_per_file"]))
        py = None
        if have_pydicom:
            py = run_worker(python, env, "pydicom", mode, ct_dir, args.rounds)
            log("pydicom: files/s %s, %s us/file" % (py["files_per_s"], py["us_per_file"]))
            if py["checksum"] != dk["checksum"]:
                raise BenchError("%s: dcmkit and pydicom read different values (checksums %s and %s)"
                                 % (mode, dk["checksum"], py["checksum"]))
        results[mode] = (dk, py)

    print()
    dk_version = results["headers"][0]["version"]
    py_version = results["headers"][1]["version"] if results["headers"][1] else "n/a"
    print("python benchmark (%d CT files, 512x512x16, %.0f MB; build %s; dcmkit %s, pydicom %s; %d CPUs; best of %d)"
          % (len(files), total_mb, build_type, dk_version, py_version, os.cpu_count() or 0, args.rounds))
    for mode in MODES:
        dk, py = results[mode]
        dk_fps = float(dk["files_per_s"])
        if py:
            py_fps = float(py["files_per_s"])
            ratio = dk_fps / py_fps
            mark = "" if ratio >= TARGET_RATIO else "   MISSED"
            print("%-26s dcmkit %7.0f files/s  pydicom %7.0f files/s  ratio %5.1fx  (target >= %.0fx)%s"
                  % (MODE_TITLES[mode] + ":", dk_fps, py_fps, ratio, TARGET_RATIO, mark))
        else:
            print("%-26s dcmkit %7.0f files/s  pydicom n/a (not importable by %s)"
                  % (MODE_TITLES[mode] + ":", dk_fps, python))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench python: error: %s" % e, file=sys.stderr)
        sys.exit(1)
