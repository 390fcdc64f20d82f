#!/usr/bin/python3
"""Driver of `./dk.sh bench parse` (run by bench/parse.sh with Debian's /usr/bin/python3, which has pydicom).

    parse_report.py --build BUILD_DIR --corpus CORPUS_DIR [--rounds N]

Measures, on the corpus written by make_corpus:
  1. `dcmkit dump` vs DCMTK `dcmdump` on all CT files in one invocation each, output to /dev/null,
     best of N (default 3) wall-clock runs;
  2. a header-only parse loop: parse_bench (dcmkit::read_file, stop_before_pixels) vs
     pydicom.dcmread(stop_before_pixels=True), files/s of the best round, each in its own process;
  3. the peak RSS of a child process that opens the multi-frame file lazily and reads one frame
     (parse_bench lazy), measured with GNU time; pydicom (defer_size) and dcmdump of the same file
     are shown for context.
Prints a table. Exits non-zero only on errors (a tool failing, missing inputs); a missed target is
printed as MISSED.

The worker modes `pydicom-headers DIR ROUNDS` and `pydicom-lazy FILE` are the pydicom side, run as
child processes of the driver.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

from common import BenchError, cmake_build_type, log, warm_page_cache


DUMP_TARGET_RATIO = 3.0  # dcmkit dump at least 3x faster than dcmdump
LAZY_TARGET_MB = 64.0    # lazy open of the large file under 64 MB peak RSS


# -- pydicom workers (child processes) -----------------------------------------------------------------

def worker_pydicom_headers(folder, rounds):
    import pydicom
    files = sorted(glob.glob(os.path.join(folder, "*.dcm")))
    if not files:
        raise SystemExit("pydicom-headers: no files in " + folder)
    best, total, elements = float("inf"), 0.0, 0
    for _ in range(rounds):
        n = 0
        t0 = time.perf_counter()
        for f in files:
            ds = pydicom.dcmread(f, stop_before_pixels=True)
            n += len(ds)
        s = time.perf_counter() - t0
        best = min(best, s)
        total += s
        elements = n
    print("files=%d rounds=%d best_s=%.6f mean_s=%.6f files_per_s=%.1f us_per_file=%.2f elements=%d pydicom=%s"
          % (len(files), rounds, best, total / rounds, len(files) / best, best * 1e6 / len(files), elements,
             pydicom.__version__))


def worker_pydicom_lazy(path):
    import pydicom
    t0 = time.perf_counter()
    ds = pydicom.dcmread(path, defer_size="1 KB")
    frames = int(ds.NumberOfFrames)
    rows, cols = int(ds.Rows), int(ds.Columns)
    print("frames=%d rows=%d columns=%d open_s=%.6f" % (frames, rows, cols, time.perf_counter() - t0))


# -- measuring child processes ---------------------------------------------------------------------------

def run(cmd, stdout=subprocess.DEVNULL, what=None):
    """Runs cmd; returns (wall seconds, rusage of that child, stdout text or None)."""
    what = what or os.path.basename(cmd[0])
    out_pipe = stdout == subprocess.PIPE
    t0 = time.perf_counter()
    try:
        p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    except OSError as e:
        raise BenchError("%s: cannot run %s: %s" % (what, cmd[0], e))
    # Read the pipes before waiting (a full pipe would block the child), then reap it with wait4 so the
    # rusage is this child's alone.
    out, err = p.stdout.read() if out_pipe else b"", p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status >> 8
    if p.returncode != 0:
        raise BenchError("%s failed (exit %d): %s\n%s" % (what, p.returncode, " ".join(cmd[:4]) + (" ..." if len(cmd) > 4 else ""),
                                                        err.decode(errors="replace")[-2000:]))
    return wall, ru, (out.decode() if out_pipe else None)


GNU_TIME = "/usr/bin/time"


def peak_rss(cmd, stdout=subprocess.DEVNULL, what=None):
    """Runs cmd and returns (peak RSS in KB, stdout text or None).

    The peak comes from GNU time (%M, its child's ru_maxrss), whose own footprint before exec is
    about 1 MB. Taking ru_maxrss from this driver's wait4() instead would count the Python
    interpreter's memory too: Linux carries the parent's RSS over the exec (vfork/posix_spawn).
    """
    if not os.access(GNU_TIME, os.X_OK):
        _, ru, out = run(cmd, stdout=stdout, what=what)
        return ru.ru_maxrss, out, "wait4 (overstated: includes the Python driver's ~10 MB; install 'time')"
    fd, tmp = tempfile.mkstemp(prefix="dk-rss-")
    os.close(fd)
    try:
        _, _, out = run([GNU_TIME, "-f", "%M", "-o", tmp] + cmd, stdout=stdout, what=what or os.path.basename(cmd[0]))
        with open(tmp) as f:
            lines = [l for l in f.read().split() if l.strip().isdigit()]
        if not lines:
            raise BenchError("%s: GNU time reported no peak RSS" % (what or cmd[0]))
        return int(lines[-1]), out, "GNU time"
    finally:
        os.unlink(tmp)


def kv(line):
    out = {}
    for part in line.split():
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def best_of(cmd, rounds, what):
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(rounds):
        wall, ru, _ = run(cmd, what=what)
        best_wall = min(best_wall, wall)
        best_cpu = min(best_cpu, ru.ru_utime + ru.ru_stime)
    return best_wall, best_cpu


def mb(kb):
    return kb / 1024.0


# -- the benchmark -------------------------------------------------------------------------------------

def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "pydicom-headers":
        return worker_pydicom_headers(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) >= 2 and sys.argv[1] == "pydicom-lazy":
        return worker_pydicom_lazy(sys.argv[2])

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the CMake build folder")
    ap.add_argument("--corpus", required=True, help="the corpus folder written by make_corpus")
    ap.add_argument("--rounds", type=int, default=3, help="runs of each dump (best is kept)")
    ap.add_argument("--parse-rounds", type=int, default=5, help="rounds of the header-only parse loops")
    args = ap.parse_args()

    dcmkit_cli = os.path.join(args.build, "bin", "dcmkit")
    parse_bench = os.path.join(args.build, "bench", "parse_bench")
    for exe in (dcmkit_cli, parse_bench):
        if not os.access(exe, os.X_OK):
            raise BenchError("missing %s (build the dcmkit_cli and bench_parse_bench targets)" % exe)
    ct_dir = os.path.join(args.corpus, "ct")
    files = sorted(glob.glob(os.path.join(ct_dir, "*.dcm")))
    big = os.path.join(args.corpus, "multiframe.dcm")
    if not files or not os.path.isfile(big):
        raise BenchError("corpus %s is incomplete (run make_corpus)" % args.corpus)
    total_mb = sum(os.path.getsize(f) for f in files) / 1e6
    big_mb = os.path.getsize(big) / 1e6
    dcmdump = shutil.which("dcmdump")
    python = "/usr/bin/python3"
    have_pydicom = subprocess.run([python, "-c", "import pydicom"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL).returncode == 0
    build_type = cmake_build_type(args.build)

    print("parse benchmark: %d CT files (%.0f MB) and a %.0f MB multi-frame file in %s"
          % (len(files), total_mb, big_mb, args.corpus), flush=True)
    if build_type not in ("Release", "RelWithDebInfo"):
        print("  WARNING: build type %s; use Release for meaningful figures" % build_type)
    warm_page_cache(files + [big])

    # 1. dump of every file, one process each side.
    log("dump: dcmkit dump vs dcmdump on %d files, best of %d ..." % (len(files), args.rounds))
    dk_cmd = [dcmkit_cli, "dump"] + files
    dd_cmd = [dcmdump] + files if dcmdump else None
    dk_wall, dk_cpu = float("inf"), float("inf")
    dd_wall, dd_cpu = float("inf"), float("inf")
    for _ in range(args.rounds):  # interleaved, so that a noisy moment hits both sides alike
        w, c = best_of(dk_cmd, 1, "dcmkit dump")
        dk_wall, dk_cpu = min(dk_wall, w), min(dk_cpu, c)
        if dd_cmd:
            w, c = best_of(dd_cmd, 1, "dcmdump")
            dd_wall, dd_cpu = min(dd_wall, w), min(dd_cpu, c)
    log("dcmkit dump: %.3f s wall, %.3f s CPU" % (dk_wall, dk_cpu))
    if dd_cmd:
        log("dcmdump:     %.3f s wall, %.3f s CPU" % (dd_wall, dd_cpu))
    else:
        log("dcmdump:     not installed")

    # 2. header-only parse loops.
    log("header-only parse: %d files, best of %d rounds ..." % (len(files), args.parse_rounds))
    _, _, out = run([parse_bench, "headers", "--rounds", str(args.parse_rounds), ct_dir], stdout=subprocess.PIPE,
                    what="parse_bench headers")
    dk_parse = kv(out)
    log("dcmkit:  " + out.strip())
    py_parse = None
    if have_pydicom:
        _, _, out = run([python, os.path.abspath(__file__), "pydicom-headers", ct_dir, str(args.parse_rounds)],
                        stdout=subprocess.PIPE, what="pydicom header loop")
        py_parse = kv(out)
        log("pydicom: " + out.strip())
    else:
        log("pydicom: not importable by %s" % python)

    # 3. peak memory of a lazy open of the large file, each in its own child process.
    log("lazy open of %s ..." % big)
    dk_rss_kb, out, rss_method = peak_rss([parse_bench, "lazy", big], stdout=subprocess.PIPE, what="parse_bench lazy")
    dk_lazy = kv(out)
    log("peak RSS measured with %s" % rss_method)
    log("dcmkit read_file + frame_bytes: peak RSS %.1f MB; %s" % (mb(dk_rss_kb), out.strip()))
    dk_dump_rss_kb, _, _ = peak_rss([dcmkit_cli, "dump", big], what="dcmkit dump (large file)")
    log("dcmkit dump: peak RSS %.1f MB" % mb(dk_dump_rss_kb))
    py_rss_kb = dd_rss_kb = None
    if have_pydicom:
        py_rss_kb, out, _ = peak_rss([python, os.path.abspath(__file__), "pydicom-lazy", big], stdout=subprocess.PIPE,
                                     what="pydicom lazy open")
        log("pydicom dcmread(defer_size='1 KB'), header only: peak RSS %.1f MB; %s" % (mb(py_rss_kb), out.strip()))
    if dcmdump:
        dd_rss_kb, _, _ = peak_rss([dcmdump, big], what="dcmdump (large file)")
        log("dcmdump: peak RSS %.1f MB" % mb(dd_rss_kb))

    # -- the table --------------------------------------------------------------------------------
    rows, cols = 512, 512
    print()
    print("parse benchmark (%d CT files, %dx%dx16, %.0f MB; build %s; %d CPUs; best of %d)"
          % (len(files), rows, cols, total_mb, build_type, os.cpu_count() or 0, args.rounds))
    if dd_cmd:
        ratio = dd_wall / dk_wall
        mark = "" if ratio >= DUMP_TARGET_RATIO else "   MISSED"
        print("dump all files:        dcmkit %6.3f s        dcmdump %6.3f s        ratio %5.1fx  (target >= %.0fx)%s"
              % (dk_wall, dd_wall, ratio, DUMP_TARGET_RATIO, mark))
    else:
        print("dump all files:        dcmkit %6.3f s        dcmdump n/a (not installed)" % dk_wall)
    dk_fps = float(dk_parse["files_per_s"])
    if py_parse:
        py_fps = float(py_parse["files_per_s"])
        print("header-only parse:     dcmkit %6.0f files/s  pydicom %6.0f files/s  ratio %5.1fx"
              % (dk_fps, py_fps, dk_fps / py_fps))
    else:
        print("header-only parse:     dcmkit %6.0f files/s  pydicom n/a" % dk_fps)
    mark = "" if mb(dk_rss_kb) < LAZY_TARGET_MB else "   MISSED"
    context = []
    if py_rss_kb is not None:
        context.append("pydicom defer_size %.0f MB" % mb(py_rss_kb))
    if dd_rss_kb is not None:
        context.append("dcmdump %.0f MB" % mb(dd_rss_kb))
    print("lazy open %3.0f MB file: dcmkit peak RSS %.1f MB (target < %.0f MB)%s%s"
          % (big_mb, mb(dk_rss_kb), LAZY_TARGET_MB, mark, ("   [" + ", ".join(context) + "]") if context else ""))
    print("  (%s frames, one %s-byte frame read; dcmkit dump of it: %.1f MB)"
          % (dk_lazy.get("frames", "?"), dk_lazy.get("frame_bytes", "?"), mb(dk_dump_rss_kb)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench parse: error: %s" % e, file=sys.stderr)
        sys.exit(1)
