#!/usr/bin/python3
"""Driver of the DICOMDIR part of `./dk.sh bench media` (run by bench/media_dicomdir.sh).

    media_dicomdir_report.py --dcmkit PATH --make-fileset PATH [--count N] [--size S] [--rounds N]

Makes a file-set of --count CT images with pydicom, then times `dcmkit dicomdir create DIR` against
`dcmmkdir +r -Pgp +id DIR` (DCMTK), each writing DIR/DICOMDIR (removed before every run), median of
--rounds wall times after a warm-up, interleaved. Checks that each DICOMDIR references every file
(dcmdump counts the IMAGE records). Prints ours, theirs and the ratio against the 3x target.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TARGET = 3.0


def timed(cmd, cwd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit("bench media: error: %s failed (%d): %s" % (" ".join(cmd), r.returncode, r.stderr.decode()[-2000:]))
    return dt


def image_records(dicomdir):
    out = subprocess.run(["dcmdump", "-q", "+P", "0004,1430", dicomdir], capture_output=True, check=True).stdout
    return out.decode().count("[IMAGE]")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dcmkit", required=True)
    ap.add_argument("--make-fileset", required=True)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="dcmkit-bench-media-")
    try:
        root = os.path.join(tmp, "media")
        subprocess.run([sys.executable, a.make_fileset, root, str(a.count), str(a.size)], check=True)
        dicomdir = os.path.join(root, "DICOMDIR")
        runs = {
            "dcmkit dicomdir create": [a.dcmkit, "dicomdir", "create", root],
            "dcmmkdir +r": ["dcmmkdir", "-q", "+r", "-Pgp", "+id", root, "+D", dicomdir],
        }
        times = {k: [] for k in runs}
        for rnd in range(a.rounds + 1):  # round 0 warms the page cache and both programs
            for name, cmd in runs.items():
                if os.path.exists(dicomdir):
                    os.remove(dicomdir)
                dt = timed(cmd, tmp)
                n = image_records(dicomdir)
                if n != a.count:
                    sys.exit("bench media: error: %s referenced %d of %d files" % (name, n, a.count))
                if rnd:
                    times[name].append(dt)
        ours = statistics.median(times["dcmkit dicomdir create"])
        theirs = statistics.median(times["dcmmkdir +r"])
        ratio = theirs / ours
        print("DICOMDIR for %d files (%dx%d CT, median of %d)" % (a.count, a.size, a.size, a.rounds))
        print("  %-26s %8.1f ms" % ("dcmkit dicomdir create", ours * 1000))
        print("  %-26s %8.1f ms" % ("DCMTK dcmmkdir +r", theirs * 1000))
        print("  ratio %.1fx (target >= %.0fx) %s" % (ratio, TARGET, "met" if ratio >= TARGET else "MISSED"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
