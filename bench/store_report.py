#!/usr/bin/python3
"""Driver of `./dk.sh bench store` (run by bench/store.sh).

    store_report.py --build BUILD_DIR --corpus CORPUS_DIR [--rounds N] [--dcmkit PATH]

Measures C-STORE over loopback (127.0.0.1, free ports) between dcmkit (`dcmkit send`, `dcmkit recv`)
and DCMTK (`storescu`, `storescp`), on the corpus written by make_corpus:
  1. the 500 CT files in one association per run, for the pairs (sender -> receiver)
       dcmkit send -> dcmkit recv, storescu -> storescp, storescu -> dcmkit recv,
       dcmkit send -> storescp, and dcmkit send -> dcmkit recv with --max-pdu 16384 on both sides;
     the wall time of the sender process, best of N (default 3) after one warm-up, rounds
     interleaved across the pairs; images/s, MB/s of dataset bytes, and the ratio to
     storescu -> storescp. Every run starts with an emptied output folder and a sync, and must
     deliver every file (counted in the output folder): a run that loses files is an error.
  2. the large multi-frame file sent by dcmkit send to dcmkit recv, storescp, and storescp
     --bit-preserving, each receiver run under GNU time for its peak RSS.
Both receivers write into folders under BUILD_DIR (one filesystem). DCMTK runs with TCP_NODELAY=1 in
its environment: Debian's DCMTK keeps Nagle's algorithm on otherwise, which stalls every message
~40 ms on loopback. Servers are started and stopped by PID.
Prints a table. Exits non-zero only on errors; a missed target is printed as MISSED.
"""
import argparse
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

from common import BenchError, Server, log, run_client

STORE_TARGET_RATIO = 1.5  # dcmkit send -> dcmkit recv at least 1.5x storescu -> storescp
RECV_TARGET_MB = 32.0     # dcmkit recv of the large file (with fsync) under 32 MB peak RSS
GNU_TIME = "/usr/bin/time"
RUN_TIMEOUT_S = 900.0     # a sender taking longer is killed (an error)
DCMKIT_DEFAULT_PDU = 262144
DCMTK_DEFAULT_PDU = 16384


def dataset_offset(path):
    """Offset of the dataset in a Part 10 file: after the preamble, "DICM" and the group 0002 elements
    (explicit VR little endian, PS3.10 7.1)."""
    long_vrs = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
    with open(path, "rb") as f:
        head = f.read(64 * 1024)
    if head[128:132] != b"DICM":
        raise BenchError("%s is not a DICOM Part 10 file" % path)
    pos = 132
    while pos + 8 <= len(head):
        group, = struct.unpack_from("<H", head, pos)
        if group != 0x0002:
            return pos
        vr = head[pos + 4:pos + 6]
        if vr in long_vrs:
            length, = struct.unpack_from("<I", head, pos + 8)
            pos += 12 + length
        else:
            length, = struct.unpack_from("<H", head, pos + 6)
            pos += 8 + length
    raise BenchError("%s: cannot find the end of the meta information" % path)


def proc_cpu_s(pid):
    """User + system CPU seconds of a live process so far (/proc/PID/stat), or None."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def proc_children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        pass
    kids = []  # no CONFIG_PROC_CHILDREN: scan every process's parent
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    return kids


class Receiver(Server):
    """A storage SCP process listening on a free port, writing into its own folder; optionally under
    GNU time for its peak RSS. Started and stopped by PID."""

    def __init__(self, name, argv_for_port, env, workdir, tag, measure_rss=False):
        self.measure_rss = measure_rss
        self.out = os.path.join(workdir, tag)
        os.makedirs(self.out)
        self.rss_path = os.path.join(workdir, tag + ".rss")
        super().__init__(name, lambda port: argv_for_port(port, self.out), env, os.path.join(workdir, tag + ".log"))

    def command(self):
        return ([GNU_TIME, "-f", "%M", "-o", self.rss_path] if self.measure_rss else []) + self.argv

    def server_pid(self):
        """GNU time's child when measured."""
        if not self.measure_rss:
            return self.proc.pid
        kids = proc_children(self.proc.pid)
        return kids[0] if kids else None

    def cpu_s(self):
        return proc_cpu_s(self.pid) if self.pid else None

    def stop(self):
        """Stops the server; returns its peak RSS in KB when measured."""
        super().stop()
        return self._rss()

    def _rss(self):
        if not self.measure_rss:
            return None
        try:
            with open(self.rss_path) as f:
                nums = [w for w in f.read().split() if w.isdigit()]
        except OSError:
            nums = []
        if not nums:
            raise BenchError("%s: GNU time reported no peak RSS" % self.name)
        return int(nums[-1])

    def clear(self):
        for e in os.scandir(self.out):
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path)
            else:
                os.unlink(e.path)

    def received(self):
        """(files, bytes, leftovers): complete files in the output folder, and hidden temporary files."""
        files, size, hidden = 0, 0, []
        for root, _, names in os.walk(self.out):
            for n in names:
                if n.startswith("."):
                    hidden.append(n)
                else:
                    files += 1
                    size += os.path.getsize(os.path.join(root, n))
        return files, size, hidden


def run_sender(cmd, env, errfile, what):
    """Runs a sender; returns (wall s, CPU s). Its output goes to errfile; a failure or a run longer than
    RUN_TIMEOUT_S is an error."""
    wall, cpu, _ = run_client(cmd, env, errfile, what, RUN_TIMEOUT_S, errfile_mode="wb")
    return wall, cpu


class Pair:
    def __init__(self, label, sender, receiver, pdu_note):
        self.label, self.sender, self.receiver, self.pdu_note = label, sender, receiver, pdu_note
        self.wall = float("inf")
        self.cpu_send = self.cpu_recv = None


def mb(kb):
    return kb / 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="the CMake build folder")
    ap.add_argument("--corpus", required=True, help="the corpus folder written by make_corpus")
    ap.add_argument("--rounds", type=int, default=3, help="timed runs of each pair after one warm-up (best is kept)")
    ap.add_argument("--dcmkit", help="the dcmkit CLI to measure (default BUILD_DIR/bin/dcmkit)")
    args = ap.parse_args()

    dcmkit = args.dcmkit or os.path.join(args.build, "bin", "dcmkit")
    if not os.access(dcmkit, os.X_OK):
        raise BenchError("missing %s (build the dcmkit_cli target)" % dcmkit)
    storescu, storescp = shutil.which("storescu"), shutil.which("storescp")
    if not storescu or not storescp:
        raise BenchError("DCMTK's storescu and storescp are needed (the dcmtk package)")
    files = sorted(glob.glob(os.path.join(args.corpus, "ct", "*.dcm")))
    big = os.path.join(args.corpus, "multiframe.dcm")
    if not files or not os.path.isfile(big):
        raise BenchError("corpus %s is incomplete (run make_corpus)" % args.corpus)
    n = len(files)
    ds_bytes = sum(os.path.getsize(f) - dataset_offset(f) for f in files)
    big_ds_bytes = os.path.getsize(big) - dataset_offset(big)
    build_type = "?"
    try:
        with open(os.path.join(args.build, "CMakeCache.txt")) as f:
            for line in f:
                if line.startswith("CMAKE_BUILD_TYPE:"):
                    build_type = line.split("=", 1)[1].strip() or "(none)"
    except OSError:
        pass
    have_time = os.access(GNU_TIME, os.X_OK)
    dcmtk_version = "?"
    try:
        out = subprocess.run([storescp, "--version"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
        dcmtk_version = next((w for w in out.split() if w.startswith("v3")), "?")
    except OSError:
        pass

    # A recv flag that turns fsync off: when `dcmkit recv --help` lists one, a row measures it.
    try:
        usage = subprocess.run([dcmkit, "recv", "--help"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
    except OSError as e:
        raise BenchError("cannot run %s: %s" % (dcmkit, e))
    no_fsync_flag = "--no-fsync" if "--no-fsync" in usage else None

    env_dk = dict(os.environ)
    env_dk.pop("TCP_NODELAY", None)  # dcmkit sets TCP_NODELAY itself
    env_dcmtk = dict(os.environ, TCP_NODELAY="1")

    print("store benchmark: %d CT files (%.0f MB of datasets) and a %.0f MB multi-frame file from %s, over 127.0.0.1"
          % (n, ds_bytes / 1e6, big_ds_bytes / 1e6, args.corpus), flush=True)
    if build_type not in ("Release", "RelWithDebInfo"):
        print("  WARNING: build type %s; use Release for meaningful figures" % build_type)
    # Read the inputs once so that every sender finds them in the page cache.
    buf = bytearray(1 << 20)
    for p in files + [big]:
        with open(p, "rb", buffering=0) as f:
            while f.readinto(buf):
                pass

    workdir = tempfile.mkdtemp(prefix="bench-store-", dir=args.build)  # same filesystem for both receivers
    receivers = []
    try:
        def start(r):
            receivers.append(r)
            return r.start()

        # -- 1. the CT files, every pair -------------------------------------------------------------
        rx_dk = start(Receiver("dcmkit recv", lambda port, out: [dcmkit, "recv", str(port), "--out", out],
                               env_dk, workdir, "dcmkit-recv"))
        rx_dk16 = start(Receiver("dcmkit recv --max-pdu 16384",
                                 lambda port, out: [dcmkit, "recv", str(port), "--out", out, "--max-pdu", "16384"],
                                 env_dk, workdir, "dcmkit-recv-16k"))
        rx_nofsync = None
        if no_fsync_flag:  # like storescp, which does not fsync: the like-for-like comparison
            rx_nofsync = start(Receiver("dcmkit recv " + no_fsync_flag,
                                        lambda port, out: [dcmkit, "recv", str(port), "--out", out, no_fsync_flag],
                                        env_dk, workdir, "dcmkit-recv-nofsync"))
        rx_scp = start(Receiver("storescp", lambda port, out: [storescp, "-od", out, str(port)],
                                env_dcmtk, workdir, "storescp"))

        def dk_send(extra=()):
            return lambda r: (env_dk, [dcmkit, "send", "127.0.0.1", str(r.port)] + list(extra) + files)

        def scu_send(r):
            return env_dcmtk, [storescu, "127.0.0.1", str(r.port)] + files

        pairs = [
            Pair("dcmkit send -> dcmkit recv", dk_send(), rx_dk, DCMKIT_DEFAULT_PDU),
            Pair("storescu -> storescp", scu_send, rx_scp, DCMTK_DEFAULT_PDU),
            Pair("storescu -> dcmkit recv", scu_send, rx_dk, DCMKIT_DEFAULT_PDU),
            Pair("dcmkit send -> storescp", dk_send(), rx_scp, DCMTK_DEFAULT_PDU),
            Pair("dcmkit send -> dcmkit recv --max-pdu 16384", dk_send(["--max-pdu", "16384"]), rx_dk16, 16384),
        ]
        if rx_nofsync:
            pairs.append(Pair("dcmkit send -> dcmkit recv " + no_fsync_flag, dk_send(), rx_nofsync, DCMKIT_DEFAULT_PDU))
        baseline = pairs[1]
        errfile = os.path.join(workdir, "sender.log")

        def one_run(pair, what):
            r = pair.receiver
            r.check_alive()
            r.clear()
            os.sync()  # no write-back of an earlier run lands in this one
            env, cmd = pair.sender(r)
            cpu0 = r.cpu_s()
            wall, cpu_send = run_sender(cmd, env, errfile, "%s (%s)" % (pair.label, what))
            cpu1 = r.cpu_s()
            r.check_alive()
            got, size, hidden = r.received()
            if got != n or hidden:
                raise BenchError("%s (%s): %d of %d files arrived%s" % (
                    pair.label, what, got, n, (", leftovers: " + ", ".join(hidden[:3])) if hidden else ""))
            if size < ds_bytes:
                raise BenchError("%s (%s): %d files but only %d bytes arrived (%d bytes of datasets were sent)"
                                 % (pair.label, what, got, size, ds_bytes))
            cpu_recv = cpu1 - cpu0 if cpu0 is not None and cpu1 is not None else None
            return wall, cpu_send, cpu_recv

        log("%d CT files, %d pairs: one warm-up run each, then %d interleaved rounds ..." % (n, len(pairs), args.rounds))
        for p in pairs:
            one_run(p, "warm-up")
        for rnd in range(args.rounds):
            walls = []
            for p in pairs:
                wall, cs, cr = one_run(p, "round %d" % (rnd + 1))
                walls.append("%.3f" % wall)
                if wall < p.wall:
                    p.wall, p.cpu_send, p.cpu_recv = wall, cs, cr
            log("round %d: %s s" % (rnd + 1, " ".join(walls)))
        for r in (rx_dk, rx_dk16, rx_scp) + ((rx_nofsync,) if rx_nofsync else ()):
            r.stop()
            r.clear()

        # -- 2. the large file, receiver peak RSS ---------------------------------------------------
        log("large file: dcmkit send of %s to each receiver%s ..." % (
            os.path.basename(big), " under GNU time" if have_time else ""))
        if not have_time:
            log("WARNING: %s is missing (install 'time'): no peak RSS" % GNU_TIME)
        big_rows = []
        for name, argv, env, note in (
                ("dcmkit recv", lambda port, out: [dcmkit, "recv", str(port), "--out", out], env_dk,
                 "streams to disk, fsync"),
                ("storescp", lambda port, out: [storescp, "-od", out, str(port)], env_dcmtk,
                 "whole dataset in memory, no fsync"),
                ("storescp --bit-preserving", lambda port, out: [storescp, "-od", out, "--bit-preserving", str(port)],
                 env_dcmtk, "streams to disk, no fsync")):
            r = start(Receiver(name, argv, env, workdir, "big-" + name.replace(" ", "").replace("-", ""),
                               measure_rss=have_time))
            os.sync()
            wall, _ = run_sender([dcmkit, "send", "127.0.0.1", str(r.port), big], env_dk, errfile,
                                 "dcmkit send -> %s (large file)" % name)
            r.check_alive()
            got, size, hidden = r.received()
            rss_kb = r.stop()
            if got != 1 or hidden or size < big_ds_bytes:
                raise BenchError("dcmkit send -> %s (large file): %d file(s), %d bytes arrived" % (name, got, size))
            r.clear()
            big_rows.append((name, rss_kb, wall, note))
            log("%s: %.2f s%s" % (name, wall, ", peak RSS %.1f MB" % mb(rss_kb) if rss_kb is not None else ""))
    finally:
        for r in receivers:
            try:
                r.stop()
            except BenchError:
                pass
        shutil.rmtree(workdir, ignore_errors=True)

    # -- the table --------------------------------------------------------------------------------
    print()
    print("store benchmark (%d CT files, %.0f MB of datasets, one association per run; build %s; DCMTK %s; "
          "%d CPUs; best of %d after a warm-up)" % (n, ds_bytes / 1e6, build_type, dcmtk_version,
                                                    os.cpu_count() or 0, args.rounds))
    print("%-44s %8s %8s %9s %8s %9s %9s" % ("sender -> receiver", "recv PDU", "wall s", "images/s", "MB/s",
                                              "send CPU", "recv CPU"))
    for p in pairs:
        ratio = baseline.wall / p.wall
        if p is baseline:
            verdict = "   1.00x (baseline)"
        elif p is pairs[0]:
            verdict = "   %.2fx  (target >= %.1fx)%s" % (ratio, STORE_TARGET_RATIO,
                                                        "" if ratio >= STORE_TARGET_RATIO else "   MISSED")
        else:
            verdict = "   %.2fx" % ratio
        print("%-44s %8d %8.3f %9.0f %8.1f %8.2fs %9s%s" % (
            p.label, p.pdu_note, p.wall, n / p.wall, ds_bytes / 1e6 / p.wall, p.cpu_send,
            "%.2fs" % p.cpu_recv if p.cpu_recv is not None else "n/a", verdict))
    print("large file (%.0f MB dataset) sent by dcmkit send, receiver peak RSS:" % (big_ds_bytes / 1e6))
    for name, rss_kb, wall, note in big_rows:
        rss = "%7.1f MB" % mb(rss_kb) if rss_kb is not None else "     n/a"
        mark = ""
        if name == "dcmkit recv":
            mark = "  (target < %.0f MB)%s" % (RECV_TARGET_MB, "" if rss_kb is not None and mb(rss_kb) < RECV_TARGET_MB
                                                 else "   MISSED")
        print("  %-28s %s  %6.2f s %7.1f MB/s  [%s]%s" % (name, rss, wall, big_ds_bytes / 1e6 / wall, note, mark))
    print("notes: dcmkit recv fsyncs every file and its folder before answering Success%s; storescp -od does not "
          "fsync\n       (its files may still be only in the page cache when it answers). DCMTK ran with "
          "TCP_NODELAY=1.\n       ratio = wall(storescu -> storescp) / wall(pair); recv PDU = the receiver's "
          "max PDU, which caps the sender's PDUs;\n       MB = 10^6 bytes of dataset (meta header excluded); "
          "peak RSS in MiB (GNU time %%M)." % (" (unless " + no_fsync_flag + ")" if no_fsync_flag else ""))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench store: error: %s" % e, file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("bench store: interrupted", file=sys.stderr)
        sys.exit(1)
